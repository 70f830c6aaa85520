package emulators_test

import (
	"net/url"
	"slices"
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
