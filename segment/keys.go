package segment

import (
	"maps"
	"sync"
	"sync/atomic"
)

// keyTable interns the member keys of stored objects: a stored object
// holds a key as a small id instead of its text, and the same few dozen
// keys ("product_id", "email", ...) repeat in every event a destination
// keeps. Ids are given in the order keys are first seen and never change
// or go away, so an id is valid for the life of the process (and only
// there: a packed object is never written out as it is).
//
// The table is bounded, so that input with ever new keys cannot grow it
// without end: past limit keys, or for a key longer than maxInternedKey,
// a packed object holds the key's text instead. Full of the longest keys
// (65,536 of 64 plain bytes) the table holds 20 MiB, more if they are
// control characters (written escaped, six bytes each); the few hundred
// keys of real traffic, a few tens of KiB.
//
// Lookups are lock-free: read is a copy of ids, replaced once lookups
// that had to take the lock have cost as much as copying it (as in
// sync.Map), and names is replaced by a longer slice on each new key.
type keyTable struct {
	limit int
	read  atomic.Pointer[map[string]uint32] // a copy of ids, read without the lock
	names atomic.Pointer[[]keyName]         // id → key, append-only
	full  atomic.Bool                       // every id is given and read holds them all

	mu     sync.Mutex // guards ids, list and misses
	ids    map[string]uint32
	list   []keyName // what names points to a copy of
	misses int       // lookups that took the lock since read was copied
}

// keyName is an interned key: its id, its text as given (key) and as its
// JSON decodes (name: each byte that is not UTF-8 U+FFFD; the same string
// for any other key), and its JSON encoding followed by a colon, as a
// member is written.
type keyName struct {
	key, name, member string
	id                uint32
}

const (
	// maxKeys bounds the key table: past it, new keys are held inline.
	maxKeys = 1 << 16
	// maxInternedKey is the longest key interned (in bytes); the table
	// holds at most maxKeys of them.
	maxInternedKey = 64
)

// keys is the process's key table, shared by every stored object.
var keys = newKeyTable(maxKeys)

func newKeyTable(limit int) *keyTable {
	t := &keyTable{limit: limit, ids: map[string]uint32{}}
	t.read.Store(&map[string]uint32{})
	t.names.Store(&[]keyName{})
	return t
}

// id returns k's id, interning it if there is room; ok is false when k is
// to be held inline.
func (t *keyTable) id(k string) (id uint32, ok bool) {
	if len(k) > maxInternedKey {
		return 0, false
	}
	if id, ok := (*t.read.Load())[k]; ok {
		return id, true
	}
	if t.full.Load() {
		return 0, false
	}
	return t.intern(k)
}

// idBytes is id for a key read from JSON; it allocates only to intern.
func (t *keyTable) idBytes(k []byte) (id uint32, ok bool) {
	if len(k) > maxInternedKey {
		return 0, false
	}
	if id, ok := (*t.read.Load())[string(k)]; ok {
		return id, true
	}
	if t.full.Load() {
		return 0, false
	}
	return t.intern(string(k))
}

// intern looks k up under the lock, giving it the next id if it is new
// and there is room.
func (t *keyTable) intern(k string) (uint32, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id, ok := t.ids[k]
	if !ok {
		if len(t.list) >= t.limit {
			return 0, false
		}
		id = uint32(len(t.list))
		t.list = append(t.list, keyName{key: k, name: validUTF8(k), member: string(AppendString(nil, k)) + ":", id: id})
		list := t.list // readers get their own header: t.list changes under the lock
		t.names.Store(&list)
		t.ids[k] = id
		if len(t.list) == t.limit {
			t.publishLocked()
			t.full.Store(true)
			return id, true
		}
	}
	if t.misses++; t.misses >= len(t.ids) {
		t.publishLocked()
	}
	return id, true
}

// publishLocked makes every id so far readable without the lock.
func (t *keyTable) publishLocked() {
	read := maps.Clone(t.ids)
	t.read.Store(&read)
	t.misses = 0
}

// snapshot returns the keys interned so far, by id. A decoder reads it once:
// every id in an object it is given was interned before the object was
// made, so before the slice was published.
func (t *keyTable) snapshot() []keyName { return *t.names.Load() }

// count is how many keys are interned.
func (t *keyTable) count() int { return len(t.snapshot()) }

// keyCache remembers the table entries of keys a packer looked up
// lately: a packer sees the same few dozen keys in every object, and
// finding one here costs a hash of a few of its bytes and a comparison
// where the table's map costs a hash of the whole key. A key has two
// slots, so that two keys of one hash do not evict each other on every
// object. An id never changes, so an entry never goes stale.
type keyCache [1 << keyCacheBits]*keyName

const keyCacheBits = 7

// entry returns k's entry in t, interning k if there is room; nil when k
// is to be held inline.
func (c *keyCache) entry(t *keyTable, k string) *keyName {
	i := cacheSlot(k)
	if e := c[i]; e != nil && e.key == k {
		return e
	}
	if e := c[i^1]; e != nil && e.key == k {
		return e
	}
	id, ok := t.id(k)
	if !ok {
		return nil
	}
	return c.add(i, &t.snapshot()[id])
}

// entryBytes is entry for a key read from JSON; it allocates only to
// intern.
func (c *keyCache) entryBytes(t *keyTable, k []byte) *keyName {
	i := cacheSlot(k)
	if e := c[i]; e != nil && e.key == string(k) {
		return e
	}
	if e := c[i^1]; e != nil && e.key == string(k) {
		return e
	}
	id, ok := t.idBytes(k)
	if !ok {
		return nil
	}
	return c.add(i, &t.snapshot()[id])
}

// add puts e in slot i, moving what was there to the other slot of i's
// pair.
func (c *keyCache) add(i int, e *keyName) *keyName {
	c[i^1], c[i] = c[i], e
	return e
}

// cacheSlot hashes k's length and first, middle and last bytes.
func cacheSlot[T string | []byte](k T) int {
	h := uint64(len(k))
	if len(k) > 0 {
		h = (h*31+uint64(k[0]))*31 + uint64(k[len(k)/2])
		h = h*31 + uint64(k[len(k)-1])
	}
	return int(h * 0x9E3779B97F4A7C15 >> (64 - keyCacheBits))
}
