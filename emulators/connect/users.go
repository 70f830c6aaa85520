package connect

import (
	"cmp"
	"encoding/binary"
	"errors"
	"iter"
	"slices"
	"time"

	"github.com/destemu/destemu/emulators"
)

// An environment's users are kept as records too (#18), so that a million
// of them are bytes the garbage collector does not scan rather than a
// struct, its strings, its token lists and its map entry each: every user
// has an ordinal, numbering it for as long as the state is built, and
//
//   - Users holds each user's profile (all but UpdatedAt) as a record; a
//     change appends the user again and leaves the old record behind,
//     until those left behind are as many as the users and the live ones
//     are copied to a new sequence (compactUsers);
//   - UserSlots holds, for each ordinal, the words that change on every
//     message (which record is the user's, its newest event, UpdatedAt),
//     so that a track writes two numbers and no record;
//   - keys finds a user's ordinal by its key, the lookups indexes by its
//     profile fields: hashes and ordinals, with no pointer either.
//
// A handler reads a user into a User, changes it and saves it (save).

// userRecords are the users' records, each the bytes appendProfile wrote:
// the state decodes them itself (decodeProfile), so that checking a
// user's key reads only the key.
type userRecords = emulators.Records[emulators.Bytes, emulators.BytesCodec]

// The words of a user's slot in UserSlots.
const (
	slotRecord  = iota // position in Users of its record, plus one; 0: no user (merged away)
	slotNewest         // sequence number of its newest event, 0 for none (events.go)
	slotUnix           // UpdatedAt: seconds since 1970
	slotNanoOff        // UpdatedAt: nanoseconds << 32 | UTC offset in seconds
	slotWords
)

// minCompact is how many left-behind records are kept at least before
// compacting: a small environment is not copied on every other change.
const minCompact = 256

// User is a user read from its record, for a handler to change and save,
// or a view to show.
type User struct {
	Profile
	ord uint32
	// dirty says the profile changed since it was read: save writes a
	// new record.
	dirty bool
}

// slot returns the slot of user ord.
func (s *State) slot(ord uint32) []int64 {
	i := int(ord) * slotWords
	return s.UserSlots[i : i+slotWords : i+slotWords]
}

// ords yields the ordinals of the users held.
func (s *State) ords() iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		for i := 0; i < len(s.UserSlots); i += slotWords {
			if s.UserSlots[i+slotRecord] != 0 && !yield(uint32(i/slotWords)) {
				return
			}
		}
	}
}

// record returns the bytes of user ord's record (ord held).
func (s *State) record(ord uint32) []byte {
	return s.Users.At(int(s.slot(ord)[slotRecord] - 1))
}

// find returns the ordinal of the user keyed key.
func (s *State) find(key string) (uint32, bool) {
	if key == "" { // not indexed: only a loaded state has such a user
		return s.blank - 1, s.blank != 0
	}
	return s.keys.First(key, func(ord uint32) bool {
		return s.slot(ord)[slotRecord] != 0 && string(recordKey(s.record(ord))) == key
	})
}

// user reads user ord.
func (s *State) user(ord uint32) *User {
	p, err := decodeProfile(s.record(ord))
	if err != nil {
		// Users holds only what appendProfile wrote: a programming error.
		panic("connect: a stored user does not decode: " + err.Error())
	}
	p.UpdatedAt = slotTime(s.slot(ord))
	return &User{Profile: p, ord: ord}
}

// lookup reads the user keyed key, or nil.
func (s *State) lookup(key string) *User {
	if ord, ok := s.find(key); ok {
		return s.user(ord)
	}
	return nil
}

// keyed is a user's key and ordinal.
type keyed struct {
	key string
	ord uint32
}

// usersByKey lists the users held in the order of their keys.
func (s *State) usersByKey() []keyed {
	out := make([]keyed, 0, s.userCount)
	for ord := range s.ords() {
		out = append(out, keyed{string(recordKey(s.record(ord))), ord})
	}
	slices.SortFunc(out, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	return out
}

// newUser numbers a user keyed by p.ID, not yet saved: it is dirty.
func (s *State) newUser(p Profile) *User {
	ord := uint32(len(s.UserSlots) / slotWords)
	s.UserSlots = append(s.UserSlots, make([]int64, slotWords)...)
	s.index(p.ID, ord)
	s.userCount++
	return &User{Profile: p, ord: ord, dirty: true}
}

// save stores what changed of u: its record when the profile did, and
// UpdatedAt.
func (s *State) save(u *User) {
	slot := s.slot(u.ord)
	setSlotTime(slot, u.UpdatedAt)
	if !u.dirty {
		return
	}
	s.scratch = appendProfile(s.scratch[:0], &u.Profile)
	s.Users.Append(&s.scratch)
	if slot[slotRecord] != 0 {
		s.superseded++
	}
	slot[slotRecord] = int64(s.Users.Len())
	u.dirty = false
	if s.superseded >= minCompact && 2*s.superseded > s.Users.Len() {
		s.compactUsers()
	}
}

// index makes key find user ord; unindex undoes it.
func (s *State) index(key string, ord uint32) {
	if key == "" {
		s.blank = ord + 1
		return
	}
	s.keys.Add(key, ord)
}

func (s *State) unindex(key string, ord uint32) {
	if key == "" {
		s.blank = 0
		return
	}
	s.keys.Remove(key, ord)
}

// drop forgets user u (merged into another): its ordinal stays unused.
func (s *State) drop(u *User) {
	s.unindex(u.ID, u.ord)
	slot := s.slot(u.ord)
	slot[slotRecord] = 0
	s.superseded++
	s.userCount--
}

// compactUsers copies the users' records, without those left behind, to
// a new sequence. A snapshot's copy still reads the old one.
func (s *State) compactUsers() {
	var out userRecords
	for ord := range s.ords() {
		slot := s.slot(ord)
		out.AppendFrom(&s.Users, int(slot[slotRecord]-1))
		slot[slotRecord] = int64(out.Len())
	}
	s.Users, s.superseded = out, 0
}

// slotTime reads UpdatedAt from a slot (emulators.SlotTime).
func slotTime(slot []int64) time.Time { return emulators.SlotTime(slot[slotUnix], slot[slotNanoOff]) }

func setSlotTime(slot []int64, t time.Time) {
	slot[slotUnix], slot[slotNanoOff] = emulators.SlotWords(t)
}

// A user's record: the length of its texts (4 bytes), the texts (id,
// first and last name, email, phone number, timezone, then the APNs
// tokens, the FCM tokens and the aliases, each list its count first),
// then its attributes and CreatedAt. The texts are read back as
// substrings of one string: reading a user costs one allocation for all
// of them.

// appendProfile appends p's record.
func appendProfile(b []byte, p *Profile) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	for _, t := range [...]string{p.ID, p.FirstName, p.LastName, p.Email, p.PhoneNumber, p.Timezone} {
		b = emulators.AppendText(b, t)
	}
	for _, list := range [...][]string{p.APNS, p.FCM, p.Aliases} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, t := range list {
			b = emulators.AppendText(b, t)
		}
	}
	binary.LittleEndian.PutUint32(b[start:], uint32(len(b)-start-4))
	b = emulators.AppendObject(b, p.Attributes)
	return emulators.AppendTime(b, p.CreatedAt)
}

// recordKey is the id in a user's record, not copied: compared to a
// string, it costs no allocation.
func recordKey(rec []byte) []byte {
	n, k := binary.Uvarint(rec[4:])
	return rec[4+k : 4+k+int(n)]
}

// decodeProfile reads a user's record; its attributes share the record's
// bytes.
func decodeProfile(rec []byte) (Profile, error) {
	if len(rec) < 4 || int(binary.LittleEndian.Uint32(rec)) > len(rec)-4 {
		return Profile{}, errUserRecord
	}
	end := 4 + int(binary.LittleEndian.Uint32(rec))
	t := textReader{b: rec[4:end], s: string(rec[4:end])}
	var p Profile
	for _, f := range [...]*string{&p.ID, &p.FirstName, &p.LastName, &p.Email, &p.PhoneNumber, &p.Timezone} {
		*f = t.text()
	}
	for _, list := range [...]*[]string{&p.APNS, &p.FCM, &p.Aliases} {
		*list = make([]string, t.count())
		for i := range *list {
			(*list)[i] = t.text()
		}
	}
	if t.bad || t.off != len(t.b) {
		return Profile{}, errUserRecord
	}
	r := emulators.NewRecordReader(rec[end:])
	p.Attributes = r.Object()
	p.CreatedAt = r.Time()
	return p, r.Err()
}

var errUserRecord = errors.New("a user's record is malformed")

// textReader reads the texts of a user's record: varints from b, texts as
// substrings of s, the same bytes as a string.
type textReader struct {
	b   []byte
	s   string
	off int
	bad bool
}

func (t *textReader) uvarint() int {
	v, k := binary.Uvarint(t.b[t.off:])
	if k <= 0 || v > uint64(len(t.b)-t.off-k) {
		t.bad, t.off = true, len(t.b)
		return 0
	}
	t.off += k
	return int(v)
}

// count reads a list's length (each item takes a byte at least).
func (t *textReader) count() int { return t.uvarint() }

func (t *textReader) text() string {
	n := t.uvarint()
	out := t.s[t.off : t.off+n]
	t.off += n
	return out
}
