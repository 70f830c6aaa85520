package emulators

import (
	"cmp"
	"hash/maphash"
	"maps"
	"net/url"
	"slices"
)

// Index finds the items holding a value of one field, so that a
// control-plane lookup (by email, id, name, attribute) costs a map read,
// not a scan of a million users (#18). A destination keeps one per indexed
// field: it adds an item's value when the item is written and removes the
// old value when it changes, in the same critical section (under the
// account's lock), and rebuilds its indexes when a snapshot is loaded.
//
// An index names the candidates for a value, a superset of its holders: a
// list still applies every filter to what the index names, and a webhook
// that looks an item up by a value checks it (First takes the check). That
// lets the index keep a 64-bit hash of each value rather than the value: a
// map slot of numbers, with no string for the collector to trace or to
// keep alive beside the item's own copy. Two values with the same hash
// share their candidates, which the check then tells apart. (One case is
// not covered: an item holding two values of one field whose hashes
// collide, one of which it then drops, leaves the index without the other;
// with a 64-bit hash that is about one chance in 10^19 per such pair.)
//
// The empty value is not indexed: a filter on it scans, as a filter
// without an index does. Most values (an email, an id) are held by one
// item and cost one map entry; a value held by a few (a user's events)
// keeps their ids in a sorted slice; a value held by many (a first name, a
// plan) keeps a set of them, so that adding or removing one costs O(1)
// however many share it (ids need not arrive in order): integer ids as a
// sparse bitmap (idSet), which Get reads in order. The zero Index is empty
// and ready to use.
type Index[ID cmp.Ordered] struct {
	one  map[uint64]ID         // values held by exactly one item
	few  map[uint64][]ID       // by 2 to maxFew, ascending
	many map[uint64]*idSet[ID] // by more
}

// indexSeed seeds every index's hash: one per process, as nothing hashed
// is kept beyond it.
var indexSeed = maphash.MakeSeed()

// indexHash is a variable so that a test can make every value collide.
var indexHash = func(value string) uint64 { return maphash.String(indexSeed, value) }

// maxFew is the most ids a value keeps in a sorted slice.
const maxFew = 64

// NewIndex returns an index sized for about n values: a rebuild knows how
// many items it indexes, and growing a map costs more than filling it.
func NewIndex[ID cmp.Ordered](n int) *Index[ID] {
	return &Index[ID]{one: make(map[uint64]ID, n)}
}

// Add records that item id holds value.
func (x *Index[ID]) Add(value string, id ID) {
	if value == "" {
		return
	}
	h := indexHash(value)
	if set, ok := x.many[h]; ok {
		set.add(id)
		return
	}
	if ids, ok := x.few[h]; ok {
		i, found := slices.BinarySearch(ids, id)
		switch {
		case found:
		case len(ids) < maxFew:
			x.few[h] = slices.Insert(ids, i, id)
		default:
			set := newIDSet(ids)
			set.add(id)
			delete(x.few, h)
			if x.many == nil {
				x.many = make(map[uint64]*idSet[ID])
			}
			x.many[h] = set
		}
		return
	}
	first, ok := x.one[h]
	switch {
	case !ok:
		if x.one == nil {
			x.one = make(map[uint64]ID)
		}
		x.one[h] = id
	case first != id:
		delete(x.one, h)
		if x.few == nil {
			x.few = make(map[uint64][]ID)
		}
		x.few[h] = []ID{min(first, id), max(first, id)}
	}
}

// Remove records that item id no longer holds value.
func (x *Index[ID]) Remove(value string, id ID) {
	if value == "" {
		return
	}
	h := indexHash(value)
	if first, ok := x.one[h]; ok {
		if first == id {
			delete(x.one, h)
		}
		return
	}
	if set, ok := x.many[h]; ok {
		set.remove(id) // a set stays a set: it may grow again
		if set.empty() {
			delete(x.many, h)
		}
		return
	}
	ids := x.few[h]
	i, found := slices.BinarySearch(ids, id)
	if !found {
		return
	}
	if len(ids) == 2 {
		delete(x.few, h)
		x.one[h] = ids[1-i]
		return
	}
	x.few[h] = slices.Delete(ids, i, i+1)
}

// Move records that item id now holds value now instead of was.
func (x *Index[ID]) Move(was, now string, id ID) {
	if was != now {
		x.Remove(was, id)
		x.Add(now, id)
	}
}

// Get returns the ids of the items that may hold value (every one that
// does), ascending, and ok=false for the empty value, which is not
// indexed. The slice is the caller's.
func (x *Index[ID]) Get(value string) (ids []ID, ok bool) {
	if value == "" {
		return nil, false
	}
	h := indexHash(value)
	if id, ok := x.one[h]; ok {
		return []ID{id}, true
	}
	if set, ok := x.many[h]; ok {
		set.all(func(id ID) bool { ids = append(ids, id); return true })
		return ids, true
	}
	return slices.Clone(x.few[h]), true
}

// First returns the lowest id holding value, as holds tells, without a
// slice: a webhook's lookup of its user.
func (x *Index[ID]) First(value string, holds func(ID) bool) (id ID, ok bool) {
	if value == "" {
		return id, false
	}
	h := indexHash(value)
	if one, found := x.one[h]; found && holds(one) {
		return one, true
	}
	for _, other := range x.few[h] {
		if holds(other) {
			return other, true
		}
	}
	if set := x.many[h]; set != nil {
		set.all(func(other ID) bool {
			if holds(other) {
				id, ok = other, true
			}
			return !ok
		})
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
