package emulators_test

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/destemu/destemu/emulators"
)

// TestIndex follows a value from one holder to several and back, and
// checks that the empty value is never indexed.
func TestIndex(t *testing.T) {
	var x emulators.Index[int64]
	get := func(v string) []int64 {
		ids, ok := x.Get(v)
		if !ok {
			t.Fatalf("Get(%q) not indexed", v)
		}
		return ids
	}
	x.Add("a", 3)
	x.Add("a", 3)
	x.Add("a", 1)
	x.Add("a", 2)
	if got := get("a"); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("a: %v", got)
	}
	x.Remove("a", 2)
	x.Remove("a", 9) // not held: nothing changes
	x.Move("a", "b", 1)
	if got, first := get("a"), get("b"); !slices.Equal(got, []int64{3}) || !slices.Equal(first, []int64{1}) {
		t.Fatalf("after moves: a %v, b %v", got, first)
	}
	if id, ok := x.First("a", func(int64) bool { return true }); !ok || id != 3 {
		t.Fatalf("First(a) = %d, %v", id, ok)
	}
	x.Remove("a", 3)
	if got := get("a"); len(got) != 0 || x.Len() != 1 {
		t.Fatalf("a after its last holder left: %v, %d values", got, x.Len())
	}
	for id := range int64(200) { // past a sorted slice's size, out of order
		x.Add("c", 199-id)
	}
	if got := get("c"); len(got) != 200 || !slices.IsSorted(got) || got[0] != 0 {
		t.Fatalf("c held by 200: %d ids, sorted %v", len(got), slices.IsSorted(got))
	}
	for id := range int64(199) {
		x.Remove("c", id)
	}
	if got := get("c"); !slices.Equal(got, []int64{199}) {
		t.Fatalf("c after 199 left: %v", got)
	}
	x.Remove("c", 199)
	x.Add("", 5)
	if _, ok := x.Get(""); ok || x.Len() != 1 {
		t.Fatal("the empty value was indexed")
	}
	ids, ok := emulators.Lookup(url.Values{"z": {"b"}, "email": {""}}, map[string]*emulators.Index[int64]{"z": &x, "email": &x})
	if !ok || !slices.Equal(ids, []int64{1}) {
		t.Fatalf("Lookup skips an empty value for the next filter: %v %v", ids, ok)
	}
	if _, ok := emulators.Lookup(url.Values{"other": {"b"}}, map[string]*emulators.Index[int64]{"z": &x}); ok {
		t.Fatal("Lookup answered a filter without an index")
	}
}

// TestIndexShared checks a value held by many items (kept as a set: a
// sparse bitmap for integer ids, a map for others) for each id type the
// destinations use: Get lists every holder in ascending order, negative
// ids among them, First gives the lowest that holds, and removals empty
// the set.
func TestIndexShared(t *testing.T) {
	ints := []int64{-7, 1_000_000, 63, 64, 0, -1, 5, 65}
	for i := range int64(300) {
		ints = append(ints, 999-3*i) // out of order, across blocks
	}
	t.Run("int64", func(t *testing.T) { testShared(t, ints) })
	t.Run("int", func(t *testing.T) {
		testShared(t, func() (out []int) {
			for _, v := range ints {
				out = append(out, int(v))
			}
			return out
		}())
	})
	t.Run("uint32", func(t *testing.T) {
		testShared(t, func() (out []uint32) {
			for _, v := range ints {
				if v >= 0 {
					out = append(out, uint32(v))
				}
			}
			return out
		}())
	})
	t.Run("string", func(t *testing.T) {
		testShared(t, func() (out []string) {
			for _, v := range ints {
				out = append(out, "u"+strconv.FormatInt(v, 10))
			}
			return out
		}())
	})
}

func testShared[ID cmp.Ordered](t *testing.T, ids []ID) {
	var x emulators.Index[ID]
	for _, id := range ids {
		x.Add("plan", id)
		x.Add("plan", id) // twice: a set holds it once
	}
	want := slices.Sorted(slices.Values(slices.Compact(slices.Sorted(slices.Values(ids)))))
	if got, _ := x.Get("plan"); !slices.Equal(got, want) {
		t.Fatalf("Get: %d ids, want %d, sorted %v", len(got), len(want), slices.IsSorted(got))
	}
	third := want[2]
	if id, ok := x.First("plan", func(id ID) bool { return id >= third }); !ok || id != third {
		t.Fatalf("First(>= %v) = %v, %v", third, id, ok)
	}
	for _, id := range want[1:] {
		x.Remove("plan", id)
	}
	if got, _ := x.Get("plan"); !slices.Equal(got, want[:1]) {
		t.Fatalf("after removing all but the lowest: %v", got)
	}
	x.Remove("plan", want[0])
	if got, _ := x.Get("plan"); len(got) != 0 || x.Len() != 0 {
		t.Fatalf("after removing every holder: %v, %d values", got, x.Len())
	}
}
