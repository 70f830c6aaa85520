package emulators

import (
	"slices"
	"testing"
)

// TestChains: a key's records are named oldest first, only those still
// held once the oldest were dropped; a key with none, or never seen, has
// none; keys whose records are all dropped are swept.
func TestChains(t *testing.T) {
	t.Parallel()
	var c Chains[string]
	for _, k := range []string{"b", "a", "b", "c", "b", "a", "b"} {
		c.Add(k)
	}
	check := func(when string, want map[string][]int) {
		t.Helper()
		for key, pos := range want {
			if got := c.Of(key); !slices.Equal(got, pos) {
				t.Errorf("%s: %s at %v, want %v", when, key, got, pos)
			}
		}
	}
	check("all held", map[string][]int{"b": {0, 2, 4, 6}, "a": {1, 5}, "c": {3}, "d": nil})
	c.Drop(3)
	check("three dropped", map[string][]int{"b": {1, 3}, "a": {2}, "c": {0}})
	c.Add("a")
	check("one added", map[string][]int{"a": {2, 4}, "b": {1, 3}})
	c.Drop(0)
	c.Drop(-1)
	c.Drop(2) // c's last record: c is swept
	check("five dropped", map[string][]int{"c": nil, "b": {1}, "a": {0, 2}})
	if c.Keys() != 2 {
		t.Errorf("%d keys after a sweep, want a and b", c.Keys())
	}
	c.Drop(10)
	check("all dropped", map[string][]int{"a": nil, "b": nil})
	c.Add("b")
	check("after all dropped", map[string][]int{"b": {0}, "a": nil})
}
