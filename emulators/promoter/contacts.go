package promoter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"

	"github.com/destemu/destemu/emulators"
)

// An account's contacts are kept as records (#18), as Connect keeps its
// users: a million contacts held as *Contact in a map cost a struct of
// four strings, an object and two times each, its map entry and an entry
// of the email index, all pointers that the garbage collector traces on
// every cycle. contactTable keeps each contact's bytes instead, in memory
// the collector does not scan: every contact has an ordinal, numbering it
// for as long as the state is built, and
//
//   - Records holds each contact (all but UpdatedAt) as a record
//     (appendContact); a change appends the contact again and leaves the
//     old record behind, until those left behind are as many as the
//     contacts and the live ones are copied to a new sequence (compact);
//   - Slots holds, for each ordinal, where its record is and UpdatedAt,
//     which every identify changes: an identify that changes nothing else
//     writes two numbers and no record;
//   - keys finds a contact's ordinal by its userId, emails by its email:
//     hashes and ordinals, with no pointer either.
//
// A handler reads a contact into a Contact (contact), changes it and saves
// it (save). In JSON the table is the object of contacts by userId that a
// map[string]*Contact was (MarshalJSON, UnmarshalJSON).
type contactTable struct {
	// Records and Slots are exported so that a snapshot's copy takes them
	// (see emulators.copyForJSON): its own table of Records' chunks, whose
	// bytes never change, and its own Slots.
	Records contactRecords
	Slots   []int64

	keys       emulators.Index[uint32] // userId → ordinal
	emails     emulators.Index[uint32] // email → ordinal
	blank      uint32                  // ordinal+1 of the contact whose userId is "", which keys leaves out
	count      int                     // contacts held
	superseded int                     // records of Records no contact holds
	scratch    []byte                  // save encodes a contact here
	// nulls are the userIds a loaded document gave as null, which
	// reindex refuses.
	nulls map[string]bool
}

// contactRecords are the contacts' records, each the bytes appendContact
// wrote: the table decodes them itself, so that checking a contact's
// userId or reading its email reads only those.
type contactRecords = emulators.Records[emulators.Bytes, emulators.BytesCodec]

// The words of a contact's slot in Slots.
const (
	slotRecord  = iota // position in Records of its record, plus one; 0: no contact (a loaded null)
	slotUnix           // UpdatedAt: seconds since 1970
	slotNanoOff        // UpdatedAt: nanoseconds << 32 | UTC offset in seconds
	slotWords
)

// minCompact is how many left-behind records are kept at least before
// compacting: a small account is not copied on every other change.
const minCompact = 256

// Len is how many contacts the table holds.
func (t *contactTable) Len() int { return t.count }

// slot returns the slot of contact ord.
func (t *contactTable) slot(ord uint32) []int64 {
	i := int(ord) * slotWords
	return t.Slots[i : i+slotWords : i+slotWords]
}

// ords yields the ordinals of the contacts held.
func (t *contactTable) ords() iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		for i := 0; i < len(t.Slots); i += slotWords {
			if t.Slots[i+slotRecord] != 0 && !yield(uint32(i/slotWords)) {
				return
			}
		}
	}
}

// record returns the bytes of contact ord's record (ord held).
func (t *contactTable) record(ord uint32) []byte {
	return t.Records.At(int(t.slot(ord)[slotRecord] - 1))
}

// find returns the ordinal of the contact with the userId.
func (t *contactTable) find(userID string) (uint32, bool) {
	if userID == "" { // not indexed: only a loaded state has such a contact
		return t.blank - 1, t.blank != 0
	}
	return t.keys.First(userID, func(ord uint32) bool {
		return t.slot(ord)[slotRecord] != 0 && string(recordText(t.record(ord), fieldUserID)) == userID
	})
}

// contact reads contact ord.
func (t *contactTable) contact(ord uint32) Contact {
	c, err := decodeContact(t.record(ord))
	if err != nil {
		// Records holds only what appendContact wrote: a programming error.
		panic("promoter: a stored contact does not decode: " + err.Error())
	}
	slot := t.slot(ord)
	c.UpdatedAt = emulators.SlotTime(slot[slotUnix], slot[slotNanoOff])
	return c
}

// email returns contact ord's email.
func (t *contactTable) email(ord uint32) string {
	return string(recordText(t.record(ord), fieldEmail))
}

// add numbers a new contact with the userId, not yet saved: save stores
// it.
func (t *contactTable) add(userID string) uint32 {
	ord := uint32(len(t.Slots) / slotWords)
	t.Slots = append(t.Slots, make([]int64, slotWords)...)
	if userID == "" {
		t.blank = ord + 1
	} else {
		t.keys.Add(userID, ord)
	}
	t.count++
	return ord
}

// save stores contact ord as c holds it: UpdatedAt in its slot, the rest
// as a new record unless its record already says so, and its email in the
// index.
func (t *contactTable) save(ord uint32, c *Contact) {
	slot := t.slot(ord)
	slot[slotUnix], slot[slotNanoOff] = emulators.SlotWords(c.UpdatedAt)
	t.scratch = appendContact(t.scratch[:0], c)
	var was string
	if slot[slotRecord] != 0 {
		old := t.record(ord)
		if bytes.Equal(old, t.scratch) {
			return
		}
		was = string(recordText(old, fieldEmail))
		t.superseded++
	}
	t.emails.Move(was, c.Email, ord)
	rec := emulators.Bytes(t.scratch)
	t.Records.Append(&rec)
	slot[slotRecord] = int64(t.Records.Len())
	if t.superseded >= minCompact && 2*t.superseded > t.Records.Len() {
		t.compact()
	}
}

// drop forgets contact ord: its ordinal stays unused.
func (t *contactTable) drop(ord uint32) {
	rec := t.record(ord)
	if key := recordText(rec, fieldUserID); len(key) == 0 {
		t.blank = 0
	} else {
		t.keys.Remove(string(key), ord)
	}
	t.emails.Remove(string(recordText(rec, fieldEmail)), ord)
	t.slot(ord)[slotRecord] = 0
	t.superseded++
	t.count--
}

// compact copies the contacts' records, without those left behind, to a
// new sequence. A snapshot's copy still reads the old one.
func (t *contactTable) compact() {
	var out contactRecords
	for ord := range t.ords() {
		slot := t.slot(ord)
		out.AppendFrom(&t.Records, int(slot[slotRecord]-1))
		slot[slotRecord] = int64(out.Len())
	}
	t.Records, t.superseded = out, 0
}

// A contact's record: its userId, email, first and last name (texts as
// emulators.AppendText writes them), CreatedAt, then its attributes. The
// userId and email come first, so that finding a contact and surveying it
// read them without decoding the rest.
const (
	fieldUserID = iota
	fieldEmail
)

// appendContact appends c's record.
func appendContact(b []byte, c *Contact) []byte {
	for _, s := range [...]string{c.UserID, c.Email, c.FirstName, c.LastName} {
		b = emulators.AppendText(b, s)
	}
	b = emulators.AppendTime(b, c.CreatedAt)
	return emulators.AppendObject(b, c.Attributes)
}

// recordText is text field i of a record (fieldUserID or fieldEmail), not
// copied: compared to a string, it costs no allocation. A nil record has
// empty ones.
func recordText(rec []byte, i int) []byte {
	r := emulators.NewRecordReader(rec)
	for range i {
		r.TextBytes()
	}
	return r.TextBytes()
}

// decodeContact reads a contact's record but UpdatedAt; its attributes
// share the record's bytes.
func decodeContact(rec []byte) (Contact, error) {
	r := emulators.NewRecordReader(rec)
	var c Contact
	for _, f := range [...]*string{&c.UserID, &c.Email, &c.FirstName, &c.LastName} {
		*f = r.Text()
	}
	c.CreatedAt = r.Time()
	c.Attributes = r.Object()
	return c, r.Err()
}

// keyed is a contact's userId, a piece of its record, and its ordinal.
type keyed struct {
	key []byte
	ord uint32
}

// byUserID lists the contacts in the order of their userIds.
func (t *contactTable) byUserID() []keyed {
	out := make([]keyed, 0, t.count)
	for ord := range t.ords() {
		out = append(out, keyed{recordText(t.record(ord), fieldUserID), ord})
	}
	slices.SortFunc(out, func(a, b keyed) int { return bytes.Compare(a.key, b.key) })
	return out
}

// MarshalJSON writes the contacts as encoding/json wrote the
// map[string]*Contact they were, keyed by userId in order, with "<" and
// "&" as they are (the snapshot's encoder escapes the document as it
// escapes the rest).
func (t contactTable) MarshalJSON() ([]byte, error) {
	w := emulators.NewJSONWriter(nil)
	w.Raw("{")
	for i, k := range t.byUserID() {
		if i > 0 {
			w.Raw(",")
		}
		w.Value(string(k.key))
		w.Raw(":")
		c := t.contact(k.ord)
		w.Value(&c)
	}
	w.Raw("}")
	return w.Bytes()
}

// UnmarshalJSON reads an object of contacts by userId, as encoding/json
// read it into a map[string]*Contact (a later contact of the same userId
// replaces an earlier one, null empties the table, the key is the
// contact's userId whatever its own says), one contact at a time: each is
// stored as a record as soon as it is read, so that a state's contacts
// are never all held as structs. A null contact is refused by reindex.
func (t *contactTable) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		*t = contactTable{}
		return nil
	case tok != json.Delim('{'):
		// Let encoding/json say why, as it did of the map.
		var m map[string]*Contact
		return json.Unmarshal(data, &m)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string)
		var c *Contact
		if err := dec.Decode(&c); err != nil {
			return renamed(err, "contacts")
		}
		t.load(key, c)
	}
	_, err = dec.Token()
	return err
}

// load stores a contact a document gave, or forgets the userId's for a
// null one.
func (t *contactTable) load(userID string, c *Contact) {
	ord, held := t.find(userID)
	if c == nil {
		if held {
			t.drop(ord)
		}
		if t.nulls == nil {
			t.nulls = map[string]bool{}
		}
		t.nulls[userID] = true
		return
	}
	delete(t.nulls, userID)
	if !held {
		ord = t.add(userID)
	}
	c.UserID = userID
	t.save(ord, c)
}

// reindex refuses a table whose document gave a null contact.
func (t *contactTable) reindex() error {
	if len(t.nulls) > 0 {
		return fmt.Errorf("contacts[%q] is null", slices.Min(slices.Collect(maps.Keys(t.nulls))))
	}
	return nil
}
