package emulators

import (
	"cmp"
	"maps"
	"math/bits"
	"slices"
)

// idSet is the set of ids holding a value that many items share (an
// Index's many). Ids that are non-negative integers (positions and
// ordinals, which is what every destination's index names) are kept as a
// sparse bitmap: one 64-bit word per block of 64 ids that holds any. Items
// numbered in order fill their blocks, so half a million users sharing a
// first name cost about 2 bytes each (a map slot per 64 users) instead of
// a map slot each (about 14 B), and never more than a slot per id. Other
// ids (strings) are kept in a map.
type idSet[ID cmp.Ordered] struct {
	words map[uint64]uint64 // id/64 → bit id%64
	other map[ID]struct{}
}

func newIDSet[ID cmp.Ordered](ids []ID) *idSet[ID] {
	s := &idSet[ID]{words: make(map[uint64]uint64, len(ids)/8+1)}
	for _, id := range ids {
		s.add(id)
	}
	return s
}

func (s *idSet[ID]) add(id ID) {
	if n, ok := idBit(id); ok {
		s.words[n/64] |= 1 << (n % 64)
		return
	}
	if s.other == nil {
		s.other = make(map[ID]struct{})
	}
	s.other[id] = struct{}{}
}

func (s *idSet[ID]) remove(id ID) {
	n, ok := idBit(id)
	if !ok {
		delete(s.other, id)
		return
	}
	w := s.words[n/64] &^ (1 << (n % 64))
	if w == 0 {
		delete(s.words, n/64)
	} else {
		s.words[n/64] = w
	}
}

func (s *idSet[ID]) empty() bool { return len(s.words) == 0 && len(s.other) == 0 }

// all calls yield with the set's ids in ascending order until it returns
// false.
func (s *idSet[ID]) all(yield func(ID) bool) {
	others := slices.Sorted(maps.Keys(s.other)) // negative ids, or strings
	for _, block := range slices.Sorted(maps.Keys(s.words)) {
		w := s.words[block]
		for w != 0 {
			id := idOfBit[ID](block*64 + uint64(bits.TrailingZeros64(w)))
			for len(others) > 0 && others[0] < id {
				if !yield(others[0]) {
					return
				}
				others = others[1:]
			}
			if !yield(id) {
				return
			}
			w &= w - 1
		}
	}
	for _, id := range others {
		if !yield(id) {
			return
		}
	}
}

// idBit is a non-negative integer id as a bit number.
func idBit[ID cmp.Ordered](id ID) (uint64, bool) {
	switch v := any(id).(type) {
	case int:
		return uint64(v), v >= 0
	case int64:
		return uint64(v), v >= 0
	case uint32:
		return uint64(v), true
	}
	return 0, false
}

// idOfBit is the id of a bit number idBit gave.
func idOfBit[ID cmp.Ordered](n uint64) ID {
	var id ID
	switch p := any(&id).(type) {
	case *int:
		*p = int(n)
	case *int64:
		*p = int64(n)
	case *uint32:
		*p = uint32(n)
	}
	return id
}
