package emulators

import (
	"hash/maphash"
	"math"
	"time"
)

// seenSet is an account's applied messageIds with when each was applied
// (G-10), kept for the 24-hour dedupe window. An account that stores a
// million events holds a million ids here, so the set keeps no pointer
// per id: the ids' bytes sit one after another in one slice, and a map
// from each id's hash to where its bytes are and when it was applied
// holds only numbers. The garbage collector then has nothing in the set to
// trace, and an id costs its length and one map slot, not a string header,
// a string and a time.Time with its location pointer. Two ids with the same
// hash are told apart by their bytes: the later one goes to a small map of
// its own.
//
// The zero seenSet is empty and ready to use; it is guarded by the
// account's lock.
type seenSet struct {
	seed    maphash.Seed
	byHash  map[uint64]seenEntry
	clashes map[string]seenTime // ids whose hash an earlier id already holds
	ids     []byte              // the ids' bytes; entries point into it
	sweepAt int                 // the size at which expired ids are swept next
}

// seenEntry is where an id's bytes are in ids, and when it was applied.
type seenEntry struct {
	off, n uint32
	at     seenTime
}

// seenTime is an instant as seconds and nanoseconds since 1970 (UTC): a
// time.Time holds a location pointer, and nanoseconds alone would not
// reach every year a namespace clock can be set to.
type seenTime struct {
	sec  int64
	nsec int32
}

func toSeenTime(t time.Time) seenTime { return seenTime{t.Unix(), int32(t.Nanosecond())} }

func (s seenTime) time() time.Time { return time.Unix(s.sec, int64(s.nsec)).UTC() }

func (s *seenSet) len() int { return len(s.byHash) + len(s.clashes) }

// lookup answers when id was applied, if it is in the set.
func (s *seenSet) lookup(id string) (time.Time, bool) {
	if s.byHash == nil {
		return time.Time{}, false
	}
	if e, ok := s.byHash[maphash.String(s.seed, id)]; ok && s.holds(e, id) {
		return e.at.time(), true
	}
	if len(s.clashes) == 0 {
		return time.Time{}, false
	}
	at, ok := s.clashes[id]
	return at.time(), ok
}

func (s *seenSet) idOf(e seenEntry) string { return string(s.ids[e.off : e.off+e.n]) }

// holds reports whether e is id's entry, without making a string of it.
func (s *seenSet) holds(e seenEntry, id string) bool { return string(s.ids[e.off:e.off+e.n]) == id }

// add records id as applied at now. Ids applied dedupeWindow or more
// before now are dropped when the set has grown by a quarter since the
// last sweep, so that it stays bounded by 1.25 times what a 24-hour window
// holds (at 10 requests a second, about 1.1 million ids rather than the
// 1.7 million a doubling would let it reach), at an amortised O(1) per
// message: a sweep visits at most five entries per message since the last
// one. A sweep also packs the ids' bytes, leaving out the dropped ones.
func (s *seenSet) add(id string, now time.Time) {
	if s.len() >= s.sweepAt {
		s.sweep(now)
	}
	s.put(id, now)
}

// put records id as applied at t, sweeping nothing: how a snapshot's ids
// are loaded.
func (s *seenSet) put(id string, t time.Time) {
	if s.byHash == nil {
		s.seed = maphash.MakeSeed()
		s.byHash = make(map[uint64]seenEntry)
	}
	at := toSeenTime(t)
	h := maphash.String(s.seed, id)
	e, ok := s.byHash[h]
	if ok && s.holds(e, id) {
		e.at = at
		s.byHash[h] = e
		return
	}
	// A clash, or (never in practice: 4 GiB of ids within a day) bytes
	// past what an offset reaches.
	if ok || len(s.ids)+len(id) > math.MaxUint32 {
		if s.clashes == nil {
			s.clashes = make(map[string]seenTime)
		}
		s.clashes[id] = at
		return
	}
	s.byHash[h] = seenEntry{off: uint32(len(s.ids)), n: uint32(len(id)), at: at}
	s.ids = append(s.ids, id...)
	delete(s.clashes, id) // had its hash's first id expired
}

// sweep drops the ids applied dedupeWindow or more before now and packs
// the bytes of the rest into a new slice.
func (s *seenSet) sweep(now time.Time) {
	cut := toSeenTime(now.Add(-dedupeWindow))
	expired := func(at seenTime) bool { return at.sec < cut.sec || at.sec == cut.sec && at.nsec <= cut.nsec }
	kept := 0
	for h, e := range s.byHash {
		if expired(e.at) {
			delete(s.byHash, h)
		} else {
			kept += int(e.n)
		}
	}
	for id, at := range s.clashes {
		if expired(at) {
			delete(s.clashes, id)
		}
	}
	ids := make([]byte, 0, kept+kept/4)
	for h, e := range s.byHash {
		off := len(ids)
		ids = append(ids, s.ids[e.off:e.off+e.n]...)
		e.off = uint32(off)
		s.byHash[h] = e
	}
	s.ids = ids
	s.sweepAt = max(1024, s.len()+s.len()/4)
}

// each calls f with every id in the set and when it was applied.
func (s *seenSet) each(f func(id string, at time.Time)) {
	for _, e := range s.byHash {
		f(s.idOf(e), e.at.time())
	}
	for id, at := range s.clashes {
		f(id, at.time())
	}
}
