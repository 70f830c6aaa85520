package emulators

import (
	"cmp"
	"maps"
	"net/url"
	"slices"
)

// Index finds the items holding a value of one field, so that a
// control-plane lookup (by email, id, name, attribute) costs a map read,
// not a scan of a million users (#18). A destination keeps one per indexed
// field: it adds an item's value when the item is written and removes the
// old value when it changes, in the same critical section (under the
// account's lock), and rebuilds its indexes when a snapshot is loaded. A
// list still applies every filter to what the index names, so the index
// only has to name every item that holds the value.
//
// The empty value is not indexed: a filter on it scans, as a filter
// without an index does. Most values (an email, an id) are held by one
// item and cost one map entry; a value held by several keeps their ids in
// ascending order. The zero Index is empty and ready to use.
type Index[ID cmp.Ordered] struct {
	one  map[string]ID   // values held by exactly one item
	many map[string][]ID // values held by more, ids ascending
}

// NewIndex returns an index sized for about n values: a rebuild knows how
// many items it indexes, and growing a map costs more than filling it.
func NewIndex[ID cmp.Ordered](n int) *Index[ID] {
	return &Index[ID]{one: make(map[string]ID, n)}
}

// Add records that item id holds value.
func (x *Index[ID]) Add(value string, id ID) {
	if value == "" {
		return
	}
	if ids, ok := x.many[value]; ok {
		if i, found := slices.BinarySearch(ids, id); !found {
			x.many[value] = slices.Insert(ids, i, id)
		}
		return
	}
	first, ok := x.one[value]
	switch {
	case !ok:
		if x.one == nil {
			x.one = make(map[string]ID)
		}
		x.one[value] = id
	case first != id:
		delete(x.one, value)
		if x.many == nil {
			x.many = make(map[string][]ID)
		}
		x.many[value] = []ID{min(first, id), max(first, id)}
	}
}

// Remove records that item id no longer holds value.
func (x *Index[ID]) Remove(value string, id ID) {
	if value == "" {
		return
	}
	if first, ok := x.one[value]; ok {
		if first == id {
			delete(x.one, value)
		}
		return
	}
	ids := x.many[value]
	i, found := slices.BinarySearch(ids, id)
	if !found {
		return
	}
	if len(ids) == 2 {
		delete(x.many, value)
		x.one[value] = ids[1-i]
		return
	}
	x.many[value] = slices.Delete(ids, i, i+1)
}

// Move records that item id now holds value now instead of was.
func (x *Index[ID]) Move(was, now string, id ID) {
	if was != now {
		x.Remove(was, id)
		x.Add(now, id)
	}
}

// Get returns the ids of the items holding value, ascending (empty when
// none does), and ok=false for the empty value, which is not indexed. The
// slice is the caller's.
func (x *Index[ID]) Get(value string) (ids []ID, ok bool) {
	if value == "" {
		return nil, false
	}
	if id, ok := x.one[value]; ok {
		return []ID{id}, true
	}
	return slices.Clone(x.many[value]), true
}

// First returns the lowest id holding value, without a slice: a webhook's
// lookup of its user.
func (x *Index[ID]) First(value string) (id ID, ok bool) {
	if id, ok := x.one[value]; ok {
		return id, true
	}
	if ids := x.many[value]; len(ids) > 0 {
		return ids[0], true
	}
	return id, false
}

// Len is how many values the index holds.
func (x *Index[ID]) Len() int { return len(x.one) + len(x.many) }

// Lookup answers the first filter of q, in name order, that one of indexes
// serves, with the ids of the items holding its value; ok=false when none
// does (no such filter, or only empty values), and the list scans.
func Lookup[ID cmp.Ordered](q url.Values, indexes map[string]*Index[ID]) (ids []ID, ok bool) {
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if x := indexes[name]; x != nil {
			if ids, ok := x.Get(q.Get(name)); ok {
				return ids, true
			}
		}
	}
	return nil, false
}
