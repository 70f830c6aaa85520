package usercom

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// An app's users are kept compact (#18): a million users held as User
// structs cost their 22 strings, their attributes, their LastSeen and
// their company list each, all of it pointers that the garbage collector
// traces on every cycle. So userList keeps each user as
//
//   - a record, one string of bytes (its profile: ids, texts, companies,
//     attributes, CreatedAt) that the collector marks and never scans;
//   - a slot of words in one []int64 for what changes on every call
//     (UpdatedAt, page_views, last_seen), so that a track or a page writes
//     numbers and no record;
//   - the values that repeat over users (names, agents, zones, places,
//     company ids) as small numbers into the app's table of words, kept
//     once per app as unique.Make kept them once per process before.
//
// A handler reads its user into a User (State.user), changes it and saves
// it (State.saveUser: its slot, and its record when the profile may have
// changed); a view reads users into Users of its own. (decision) A record is a string rather than a
// []byte: it is never changed, only replaced, so a decoded User's texts
// are substrings of it without a copy, and a snapshot's copy of the list
// shares every record.
type userList struct {
	// Recs holds user id's record at id-1; Slots its slot at
	// (id-1)*slotWords. Both are exported so that a snapshot copies them
	// (see emulators.copyForJSON); MarshalJSON writes the users instead.
	Recs  []string
	Slots []int64
	// Words is the app's table of words: a record holds a word's index
	// plus one. It only grows, so a copy's prefix stays valid.
	Words   []string
	wordIDs map[string]int
	// loaded is what UnmarshalJSON read, for reindex to check and store.
	loaded []*User
}

// The words of a user's slot.
const (
	slotUpdatedUnix = iota // UpdatedAt: seconds since 1970
	slotUpdatedNano        // UpdatedAt: nanoseconds << 32 | UTC offset in seconds
	slotPageViews
	slotSeenUnix // last_seen, as UpdatedAt
	slotSeenNano // -1: no last_seen
	slotWords
)

// maxWords bounds an app's table of words: a field whose values do not
// repeat (a last name can be anyone's) fills it at worst to this many,
// and later values are kept in the records themselves.
const maxWords = 1 << 16

// Len is how many users there are.
func (l *userList) Len() int { return len(l.Recs) }

// wordFields are a record's fields kept as words, in record order: those
// whose values repeat over users.
func wordFields(u *User) [16]*string {
	return [...]*string{&u.FirstName, &u.LastName, &u.Phone, &u.Gender, &u.Country, &u.Region, &u.City,
		&u.UserAgent, &u.OS, &u.DeviceName, &u.DeviceType, &u.Language, &u.Resolution,
		&u.BrowserFamily, &u.BrowserVersion, &u.Timezone}
}

// A record: the lengths of UserID and AnonymousID, then both, then Email,
// the word fields, IPAddress, CurrentURL, the companies (their count plus
// one, 0 for none at all, then each a word), CreatedAt (texts and time as
// emulators.AppendText and AppendTime write them; recReader reads them
// from the string without copies), and last the attributes
// (segment.Object.AppendBinary), so that they can be read, or carried
// into a new record, without the rest.

// appendRecord appends u's record but its attributes, which the caller
// appends: decoded (segment.Object.AppendBinary) or as the old record
// held them (attributesOf).
func (l *userList) appendRecord(b []byte, u *User) []byte {
	b = binary.AppendUvarint(b, uint64(len(u.UserID)))
	b = binary.AppendUvarint(b, uint64(len(u.AnonymousID)))
	b = append(append(b, u.UserID...), u.AnonymousID...)
	b = emulators.AppendText(b, u.Email)
	for _, f := range wordFields(u) {
		b = l.appendWord(b, *f)
	}
	b = emulators.AppendText(emulators.AppendText(b, u.IPAddress), u.CurrentURL)
	if u.Companies == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(u.Companies)+1))
		for _, c := range u.Companies {
			b = l.appendWord(b, c)
		}
	}
	return emulators.AppendTime(b, u.CreatedAt)
}

// appendWord appends a word field: 0 for "", the word's index plus one,
// shifted, or, once the table is full, the text itself, its length
// shifted with the low bit set.
func (l *userList) appendWord(b []byte, s string) []byte {
	if s == "" {
		return append(b, 0)
	}
	id, ok := l.wordIDs[s]
	if !ok && len(l.Words) < maxWords {
		if l.wordIDs == nil {
			l.wordIDs = make(map[string]int)
		}
		s = strings.Clone(s) // not a piece of the message that brought it
		id, ok = len(l.Words), true
		l.Words = append(l.Words, s)
		l.wordIDs[s] = id
	}
	if ok {
		return binary.AppendUvarint(b, uint64(id+1)<<1)
	}
	b = binary.AppendUvarint(b, uint64(len(s))<<1|1)
	return append(b, s...)
}

// word returns the table's copy of s, if it has one.
func (l *userList) word(s string) (string, bool) {
	if id, ok := l.wordIDs[s]; ok {
		return l.Words[id], true
	}
	return "", false
}

// recReader reads a record's fields as substrings, without copies.
type recReader struct {
	s   string
	off int
	bad bool
}

func (r *recReader) uvarint() uint64 {
	var v uint64
	for shift := uint(0); r.off < len(r.s) && shift < 64; shift += 7 {
		c := r.s[r.off]
		r.off++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.bad, r.off = true, len(r.s)
	return 0
}

func (r *recReader) varint() int64 {
	u := r.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (r *recReader) bytes(n uint64) string {
	if n > uint64(len(r.s)-r.off) {
		r.bad, r.off = true, len(r.s)
		return ""
	}
	out := r.s[r.off : r.off+int(n)]
	r.off += int(n)
	return out
}

func (r *recReader) text() string { return r.bytes(r.uvarint()) }

func (r *recReader) word(words []string) string {
	v := r.uvarint()
	switch {
	case v == 0:
		return ""
	case v&1 == 1:
		return r.bytes(v >> 1)
	case v>>1 <= uint64(len(words)):
		return words[v>>1-1]
	}
	r.bad = true
	return ""
}

func (r *recReader) time() time.Time {
	sec := r.varint()
	nsec := r.uvarint()
	t := time.Unix(sec, int64(nsec>>1))
	if nsec&1 == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", int(r.varint())))
}

// ids reads a record's UserID and AnonymousID, as substrings of it.
func (r *recReader) ids() (userID, anonymousID string) {
	nu, na := r.uvarint(), r.uvarint()
	return r.bytes(nu), r.bytes(na)
}

// userID and anonymousID read user id's identities without decoding it:
// the webhook checks what an index names through them.
func (l *userList) userID(id int64) string {
	r := recReader{s: l.Recs[id-1]}
	u, _ := r.ids()
	return u
}

func (l *userList) anonymousID(id int64) string {
	r := recReader{s: l.Recs[id-1]}
	_, a := r.ids()
	return a
}

// decodeIDs reads user id's identities and slot into u, all a track or a
// page reads.
func (l *userList) decodeIDs(id int64, u *User, seen *time.Time) {
	r := recReader{s: l.Recs[id-1]}
	uid, aid := r.ids()
	*u = User{ID: id, UserID: uid, AnonymousID: aid}
	l.readSlot(id, u, seen)
}

// decodeUser reads user id into u, all but its attributes, whose stored
// form it returns (readAttributes reads them: a track or a page does
// without). last_seen goes to *seen. Its texts share the record or the
// table of words: what keeps them past the message (an occurrence, a page
// view) copies them into its own record.
func (l *userList) decodeUser(id int64, u *User, seen *time.Time) (attrs string) {
	rec := l.Recs[id-1]
	r := recReader{s: rec}
	uid, aid := r.ids()
	*u = User{ID: id, UserID: uid, AnonymousID: aid}
	u.Email = r.text()
	for _, f := range wordFields(u) {
		*f = r.word(l.Words)
	}
	u.IPAddress, u.CurrentURL = r.text(), r.text()
	if n := r.uvarint(); n > 0 {
		u.Companies = make([]string, n-1)
		for i := range u.Companies {
			u.Companies[i] = r.word(l.Words)
		}
	}
	u.CreatedAt = r.time()
	if r.bad {
		// Recs holds only what appendRecord wrote: a programming error.
		panic("usercom: a stored user does not decode")
	}
	l.readSlot(id, u, seen)
	return rec[r.off:]
}

// readAttributes reads attributes stored by appendRecord, from a copy of
// their bytes, which the object then shares.
func readAttributes(stored []byte) segment.Object {
	o, _, err := segment.ReadObject(stored)
	if err != nil {
		panic("usercom: a stored user's attributes do not decode: " + err.Error())
	}
	return o
}

// readSlot fills in what user id's slot holds; last_seen goes to *seen.
func (l *userList) readSlot(id int64, u *User, seen *time.Time) {
	s := l.slot(id)
	u.UpdatedAt = emulators.SlotTime(s[slotUpdatedUnix], s[slotUpdatedNano])
	u.PageViews = s[slotPageViews]
	u.LastSeen = nil
	if s[slotSeenNano] >= 0 {
		*seen = emulators.SlotTime(s[slotSeenUnix], s[slotSeenNano])
		u.LastSeen = seen
	}
}

// setSlot stores what u holds of its slot.
func (l *userList) setSlot(u *User) {
	s := l.slot(u.ID)
	s[slotUpdatedUnix], s[slotUpdatedNano] = emulators.SlotWords(u.UpdatedAt)
	s[slotPageViews] = u.PageViews
	s[slotSeenUnix], s[slotSeenNano] = 0, -1
	if u.LastSeen != nil {
		s[slotSeenUnix], s[slotSeenNano] = emulators.SlotWords(*u.LastSeen)
	}
}

func (l *userList) slot(id int64) []int64 {
	i := int(id-1) * slotWords
	return l.Slots[i : i+slotWords : i+slotWords]
}

// add stores a new user, numbered len+1 (u.ID must say so).
func (l *userList) add(u *User, scratch []byte) []byte {
	if l.Recs == nil {
		l.Recs = []string{}
	}
	l.Recs = append(l.Recs, "")
	l.Slots = append(l.Slots, make([]int64, slotWords)...)
	l.setSlot(u)
	rec, _ := u.Attributes.AppendBinary(l.appendRecord(scratch[:0], u))
	return l.store(u.ID, rec)
}

// store makes rec user id's record, unless it already is; it returns rec,
// for its memory to be reused.
func (l *userList) store(id int64, rec []byte) []byte {
	if l.Recs[id-1] != string(rec) {
		l.Recs[id-1] = string(rec)
	}
	return rec
}

// user decodes user id into a User of its own, for a view.
func (l *userList) user(id int64) *User {
	v := new(struct {
		u    User
		seen time.Time
	})
	l.decodeInto(id, &v.u, &v.seen)
	return &v.u
}

// decodeInto reads user id whole.
func (l *userList) decodeInto(id int64, u *User, seen *time.Time) {
	u.Attributes = readAttributes([]byte(l.decodeUser(id, u, seen)))
}

// MarshalJSON writes the users as encoding/json wrote a []*User: null
// for none ever stored.
func (l userList) MarshalJSON() ([]byte, error) {
	w := emulators.NewJSONWriter(nil)
	l.writeJSON(w)
	return w.Bytes()
}

// writeJSON writes the users as MarshalJSON does, each decoded in turn
// into one User and written into w's document: a snapshot's users are
// written once, never as a document of their own to be copied into the
// snapshot's (State.AppendJSON).
func (l *userList) writeJSON(w *emulators.JSONWriter) {
	if l.Recs == nil {
		w.Raw("null")
		return
	}
	w.Raw("[")
	var u User
	var seen time.Time
	for i := range l.Recs {
		if i > 0 {
			w.Raw(",")
		}
		l.decodeInto(int64(i+1), &u, &seen)
		w.Value(&u)
	}
	w.Raw("]")
}

// UnmarshalJSON reads a []*User for reindex to check and store; its
// errors say what encoding/json said of a []*User field.
func (l *userList) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var users []*User
	if err := json.Unmarshal(data, &users); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Struct != "" {
			// The decoder of the state would name the field as users.<field>
			// of the user's struct; it names them State.users.<field>.
			te.Field = "users." + te.Field
			return errors.New(te.Error())
		}
		return err
	}
	*l = userList{loaded: users}
	return nil
}
