package emulators

import (
	"slices"
	"testing"
)

// TestIndexCollisions: when every value hashes alike, an index still
// names every holder of a value (with others, which the caller's check
// tells apart), First finds the holder its check accepts, and removing one
// value's holder leaves the other value's. Not parallel: it swaps the
// package's hash while no other test runs.
func TestIndexCollisions(t *testing.T) {
	defer func(h func(string) uint64) { indexHash = h }(indexHash)
	indexHash = func(string) uint64 { return 7 }
	holds := map[int64]string{}
	var x Index[int64]
	add := func(v string, id int64) { x.Add(v, id); holds[id] = v }
	check := func(v string) func(int64) bool { return func(id int64) bool { return holds[id] == v } }
	add("ada@example.com", 4)
	add("bob@example.com", 2)
	add("ada@example.com", 9)
	if ids, _ := x.Get("ada@example.com"); !slices.Equal(ids, []int64{2, 4, 9}) {
		t.Fatalf("candidates for ada: %v", ids)
	}
	if id, ok := x.First("ada@example.com", check("ada@example.com")); !ok || id != 4 {
		t.Fatalf("First(ada) = %d %v", id, ok)
	}
	if id, ok := x.First("bob@example.com", check("bob@example.com")); !ok || id != 2 {
		t.Fatalf("First(bob) = %d %v", id, ok)
	}
	if _, ok := x.First("eve@example.com", check("eve@example.com")); ok {
		t.Fatal("First found a holder of a value nobody holds")
	}
	x.Remove("ada@example.com", 4)
	delete(holds, 4)
	x.Remove("ada@example.com", 9)
	delete(holds, 9)
	if ids, _ := x.Get("bob@example.com"); !slices.Equal(ids, []int64{2}) {
		t.Fatalf("bob's candidates after ada's holders left: %v", ids)
	}
	// Past maxFew holders the value keeps a set: First still checks.
	for id := int64(100); id < 100+2*maxFew; id++ {
		add("plan", id)
	}
	if id, ok := x.First("bob@example.com", check("bob@example.com")); !ok || id != 2 {
		t.Fatalf("First(bob) among a set: %d %v", id, ok)
	}
}
