package emulators

import (
	"math"
	"slices"
)

// Chains finds the records of one key (a user's events) in a Records
// sequence without decoding any (#18): each record has a sequence number
// (the records dropped before it, plus its position, plus one), each key
// holds the number of its newest record, and each record held, how many
// numbers back the same key's previous one is. All of it is plain numbers,
// which the garbage collector does not trace; dropping the oldest records
// leaves the numbers of the rest as they are, so a retention trim costs
// no rebuild.
//
// K is what the records are found by: a user's number, or a Hash of a
// text id. Keys that share a hash share a chain: a lookup by a hashed
// key names candidates, which its caller checks (as Index does). The
// chain of two records more than 2^32 numbers apart ends at the newer;
// four billion records between them cannot be held. A destination adds
// a key for each record it appends, and drops as many as it drops from
// its Records, under the account's lock. The zero Chains is empty and
// ready to use.
type Chains[K comparable] struct {
	newest  map[K]int64 // each key's newest record's number
	back    []uint32    // by position: how many numbers back the key's previous record is; 0, none
	dropped int64       // records dropped from the front
	stale   int         // records dropped since newest was last swept
}

// NewChains returns chains sized for about n records.
func NewChains[K comparable](n int) *Chains[K] {
	return &Chains[K]{back: make([]uint32, 0, n)}
}

// Hash is the key Chains keeps for a text id: its 64-bit hash, a map key
// with no string for the collector to trace.
func Hash(s string) uint64 { return indexHash(s) }

// seq is the number of the record at position pos.
func (c *Chains[K]) seq(pos int) int64 { return c.dropped + int64(pos) + 1 }

// Add links the record just appended at the end of the sequence to key.
func (c *Chains[K]) Add(key K) {
	seq := c.seq(len(c.back))
	back := uint32(0)
	if prev := c.newest[key]; prev > c.dropped && seq-prev <= math.MaxUint32 {
		back = uint32(seq - prev)
	}
	c.back = append(c.back, back)
	if c.newest == nil {
		c.newest = make(map[K]int64)
	}
	c.newest[key] = seq
}

// Of returns the positions of key's records, oldest first (nil for none).
func (c *Chains[K]) Of(key K) []int {
	var pos []int
	for i := c.Last(key); i >= 0; i = c.Before(i) {
		pos = append(pos, i)
	}
	slices.Reverse(pos)
	return pos
}

// Last returns the position of key's newest record, or -1 for none. With
// Before it walks a key's records newest first without a slice: a
// webhook's check of a user's few records allocates nothing.
func (c *Chains[K]) Last(key K) int { return c.pos(c.newest[key]) }

// Before returns the position of the record of the same key before the
// one at pos (a position Last or Before returned), or -1 for none.
func (c *Chains[K]) Before(pos int) int {
	if c.back[pos] == 0 {
		return -1
	}
	return c.pos(c.seq(pos) - int64(c.back[pos]))
}

// pos is the position of the record numbered seq, or -1 when it was
// dropped (or seq is 0, no record).
func (c *Chains[K]) pos(seq int64) int {
	if seq <= c.dropped {
		return -1
	}
	return int(seq - c.dropped - 1)
}

// Drop forgets the oldest n records (the sequence dropped them). The keys
// none of whose records is left are forgotten once the records dropped
// since the last sweep are a quarter of the keys, so that a sweep costs
// amortised O(1) per record dropped.
func (c *Chains[K]) Drop(n int) {
	n = min(max(n, 0), len(c.back))
	if n == 0 {
		return
	}
	c.back = slices.Clone(c.back[n:]) // a fresh array frees the dropped links
	c.dropped += int64(n)
	if c.stale += n; c.stale >= len(c.newest)/4 {
		for key, seq := range c.newest {
			if seq <= c.dropped {
				delete(c.newest, key)
			}
		}
		c.stale = 0
	}
}

// Keys is how many keys have records held or not yet swept.
func (c *Chains[K]) Keys() int { return len(c.newest) }
