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
// item and cost one map entry; a value held by a few (a user's events)
// keeps their ids in a sorted slice; a value held by many (a first name, a
// plan) keeps a set of them, so that adding or removing one costs O(1)
// however many share it (ids need not arrive in order), and Get sorts
// them. The zero Index is empty and ready to use.
type Index[ID cmp.Ordered] struct {
	one  map[string]ID              // values held by exactly one item
	few  map[string][]ID            // by 2 to maxFew, ascending
	many map[string]map[ID]struct{} // by more
}

// maxFew is the most ids a value keeps in a sorted slice.
const maxFew = 64

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
	if set, ok := x.many[value]; ok {
		set[id] = struct{}{}
		return
	}
	if ids, ok := x.few[value]; ok {
		i, found := slices.BinarySearch(ids, id)
		switch {
		case found:
		case len(ids) < maxFew:
			x.few[value] = slices.Insert(ids, i, id)
		default:
			set := make(map[ID]struct{}, 2*maxFew)
			for _, old := range ids {
				set[old] = struct{}{}
			}
			set[id] = struct{}{}
			delete(x.few, value)
			if x.many == nil {
				x.many = make(map[string]map[ID]struct{})
			}
			x.many[value] = set
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
		if x.few == nil {
			x.few = make(map[string][]ID)
		}
		x.few[value] = []ID{min(first, id), max(first, id)}
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
	if set, ok := x.many[value]; ok {
		delete(set, id) // a set stays a set: it may grow again
		if len(set) == 0 {
			delete(x.many, value)
		}
		return
	}
	ids := x.few[value]
	i, found := slices.BinarySearch(ids, id)
	if !found {
		return
	}
	if len(ids) == 2 {
		delete(x.few, value)
		x.one[value] = ids[1-i]
		return
	}
	x.few[value] = slices.Delete(ids, i, i+1)
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
	if set, ok := x.many[value]; ok {
		return slices.Sorted(maps.Keys(set)), true
	}
	return slices.Clone(x.few[value]), true
}

// First returns the lowest id holding value, without a slice: a webhook's
// lookup of its user.
func (x *Index[ID]) First(value string) (id ID, ok bool) {
	if id, ok := x.one[value]; ok {
		return id, true
	}
	if ids := x.few[value]; len(ids) > 0 {
		return ids[0], true
	}
	for other := range x.many[value] {
		if !ok || other < id {
			id, ok = other, true
		}
	}
	return id, ok
}

// Len is how many values the index holds.
func (x *Index[ID]) Len() int { return len(x.one) + len(x.few) + len(x.many) }

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
