package startdeliver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// An account's users and customers are kept so that the garbage collector
// has nothing in them to trace (#18): a million users held as *User cost a
// struct of five strings, two times and a slice of values each, all
// pointers scanned on every cycle. A table keeps each row (a user or a
// customer, whose id is its position plus one) as
//
//   - a record (its texts, custom field values and Created), bytes in the
//     chunks of an emulators.Records, which hold no pointer; a change
//     appends the row's record again and leaves the old one behind, until
//     those left behind are as many as the rows and the live ones are
//     copied to a new sequence (compact);
//   - a slot of words in one []int64 for what a webhook changes without
//     touching the rest (the user's customer, Updated), so that a repeated
//     identify that changes no field writes numbers and no record.
//
// A handler reads a row into a User or a Customer (get), changes it and
// saves it (save); a track reads nothing of its user but the slot, and
// checks what an index names against the record's bytes (holds).
type table[T any, P row[T]] struct {
	// Records holds the rows' records; Slots row i's slot at
	// i*slotWords; Aliases the custom field aliases records name by
	// number (it only grows, so a copy's prefix stays valid). They are
	// exported so that a snapshot copies them (emulators' copyForJSON);
	// MarshalJSON writes the rows instead.
	Records rowRecords
	Slots   []int64
	Aliases []string

	superseded int             // records no row holds
	scratch    emulators.Bytes // save encodes a row here
	// null: read from JSON null; written as null while empty.
	null bool
	// loaded is what UnmarshalJSON read, for store to check and keep.
	loaded []P
}

// row is *User or *Customer, as a table keeps it.
type row[T any] interface {
	*T
	parts() rowParts
	// nTexts is how many standard texts parts has; it reads nothing of
	// the row, which may be nil.
	nTexts() int
}

// rowParts points at the fields of a User or a Customer a table keeps.
type rowParts struct {
	id       *int64
	texts    [4]*string // the standard fields, in record order; nil beyond
	values   *FieldValues
	customer *int64 // nil for a customer
	created  *time.Time
	updated  *time.Time
}

func (u *User) parts() rowParts {
	return rowParts{id: &u.ID, texts: [4]*string{&u.Name, &u.Email, &u.Phone, &u.Title}, values: &u.CustomFields,
		customer: &u.CustomerID, created: &u.Created, updated: &u.Updated}
}

func (*User) nTexts() int { return 4 }

func (c *Customer) parts() rowParts {
	return rowParts{id: &c.ID, texts: [4]*string{&c.Name}, values: &c.CustomFields, created: &c.Created, updated: &c.Updated}
}

func (*Customer) nTexts() int { return 1 }

// users and customers are the two tables of an account.
type (
	users     = table[User, *User]
	customers = table[Customer, *Customer]
)

// rowRecords are a table's records, each the bytes appendRow wrote: the
// table decodes them itself, since a record names its aliases by number.
type rowRecords = emulators.Records[emulators.Bytes, emulators.BytesCodec]

// The words of a row's slot.
const (
	slotRecord   = iota // position in Records of its record, plus one; 0: not saved yet
	slotCustomer        // a user's CustomerID
	slotUnix            // Updated, as emulators.SlotWords writes it
	slotNanoOff
	slotWords
)

// minCompact is how many left-behind records are kept at least before
// compacting: a small account is not copied on every other change.
const minCompact = 256

// Len is how many rows the table holds.
func (t *table[T, P]) Len() int { return len(t.Slots) / slotWords }

// slot returns the slot of the row with an id (1 ≤ id ≤ Len()).
func (t *table[T, P]) slot(id int64) []int64 {
	i := int(id-1) * slotWords
	return t.Slots[i : i+slotWords : i+slotWords]
}

// has reports whether a row has the id.
func (t *table[T, P]) has(id int64) bool { return id >= 1 && id <= int64(t.Len()) }

// record returns the bytes of the row's record, nil before it is saved.
func (t *table[T, P]) record(id int64) []byte {
	if pos := t.slot(id)[slotRecord]; pos != 0 {
		return t.Records.At(int(pos - 1))
	}
	return nil
}

// customerOf returns the customer of user id (0 for none).
func (t *table[T, P]) customerOf(id int64) int64 { return t.slot(id)[slotCustomer] }

// add numbers a new row (its id, the next position), not yet saved.
func (t *table[T, P]) add(v P) {
	*v.parts().id = int64(t.Len() + 1)
	t.Slots = append(t.Slots, make([]int64, slotWords)...)
}

// get reads the row with an id, or nil.
func (t *table[T, P]) get(id int64) P {
	if !t.has(id) {
		return nil
	}
	v := P(new(T))
	p := v.parts()
	*p.id = id
	if rec := t.record(id); rec != nil {
		if err := t.decode(rec, p); err != nil {
			// Records holds only what appendRow wrote: a programming error.
			panic("startdeliver: a stored row does not decode: " + err.Error())
		}
	}
	slot := t.slot(id)
	if p.customer != nil {
		*p.customer = slot[slotCustomer]
	}
	*p.updated = emulators.SlotTime(slot[slotUnix], slot[slotNanoOff])
	return v
}

// save stores v: its slot, and a record when the rest changed.
func (t *table[T, P]) save(v P) {
	p := v.parts()
	slot := t.slot(*p.id)
	if p.customer != nil {
		slot[slotCustomer] = *p.customer
	}
	slot[slotUnix], slot[slotNanoOff] = emulators.SlotWords(*p.updated)
	t.scratch = t.appendRow(t.scratch[:0], p)
	if old := t.record(*p.id); old != nil {
		if bytes.Equal(old, t.scratch) {
			return
		}
		t.superseded++
	}
	t.Records.Append(&t.scratch)
	slot[slotRecord] = int64(t.Records.Len())
	if t.superseded >= minCompact && 2*t.superseded > t.Records.Len() {
		t.compact()
	}
}

// compact copies the rows' records, without those left behind, to a new
// sequence. A snapshot's copy still reads the old one.
func (t *table[T, P]) compact() {
	var out rowRecords
	for i := 0; i < len(t.Slots); i += slotWords {
		if pos := t.Slots[i+slotRecord]; pos != 0 {
			out.AppendFrom(&t.Records, int(pos-1))
			t.Slots[i+slotRecord] = int64(out.Len())
		}
	}
	t.Records, t.superseded = out, 0
}

// At reads the row at position i (emulators.Indexed, for the lists).
func (t *table[T, P]) At(i int) P { return t.get(int64(i + 1)) }

// alias returns the number of a custom field alias in records, adding it.
func (t *table[T, P]) alias(name string) int {
	for i, a := range t.Aliases {
		if a == name {
			return i
		}
	}
	t.Aliases = append(t.Aliases, name)
	return len(t.Aliases) - 1
}

// The kinds of a custom field value in a record.
const (
	kindText   = iota // a string
	kindNumber        // a json.Number, its digits
	kindFalse
	kindTrue
	kindNull
	kindJSON // anything else a loaded state held: its JSON
)

// A row's record: the standard texts, the count of custom field values,
// each value's alias number, kind and text (none for false, true and
// null), then Created; integers and texts as emulators.AppendInt and
// AppendText write them.

// appendRow appends the record of the row p points at.
func (t *table[T, P]) appendRow(b []byte, p rowParts) []byte {
	for _, s := range p.texts[:P(nil).nTexts()] {
		b = emulators.AppendText(b, *s)
	}
	b = emulators.AppendUint(b, uint64(len(*p.values)))
	for _, v := range *p.values {
		b = emulators.AppendUint(b, uint64(t.alias(v.Alias)))
		b = appendValue(b, v.Value)
	}
	return emulators.AppendTime(b, *p.created)
}

// appendValue appends a custom field value's kind and text.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return emulators.AppendText(append(b, kindText), x)
	case json.Number:
		return emulators.AppendText(append(b, kindNumber), string(x))
	case bool:
		if x {
			return append(b, kindTrue)
		}
		return append(b, kindFalse)
	case nil:
		return append(b, kindNull)
	}
	js, err := json.Marshal(v)
	if err != nil {
		// Values are what convert or a JSON document gave: they all
		// marshal.
		panic("startdeliver: a custom field value does not marshal: " + err.Error())
	}
	return emulators.AppendText(append(b, kindJSON), string(js))
}

// readValue reads a custom field value's kind and its text; ok is false
// for a kind appendValue does not write.
func readValue(r *emulators.RecordReader) (kind byte, text []byte, ok bool) {
	switch k := r.Byte(); k {
	case kindFalse, kindTrue, kindNull:
		return k, nil, true
	case kindText, kindNumber, kindJSON:
		return k, r.TextBytes(), true
	}
	return kindNull, nil, false
}

var errRow = errors.New("malformed row record")

// decode reads a record into the row p points at.
func (t *table[T, P]) decode(rec []byte, p rowParts) error {
	r := emulators.NewRecordReader(rec)
	for _, s := range p.texts[:P(nil).nTexts()] {
		*s = r.Text()
	}
	n := r.Uint()
	if n > uint64(len(rec)) { // each value takes two bytes at least
		return errRow
	}
	values := make(FieldValues, 0, n)
	for range n {
		a := r.Uint()
		kind, text, ok := readValue(&r)
		if !ok || r.Failed() || a >= uint64(len(t.Aliases)) {
			return errRow
		}
		v, err := decodeValue(kind, text)
		if err != nil {
			return err
		}
		values = append(values, FieldValue{Alias: t.Aliases[a], Value: v})
	}
	if r.Failed() {
		return errRow
	}
	*p.values = values
	*p.created = r.Time()
	return r.Err()
}

// decodeValue turns a value's kind and text back into the value.
func decodeValue(kind byte, text []byte) (any, error) {
	switch kind {
	case kindText:
		return string(text), nil
	case kindNumber:
		return json.Number(text), nil
	case kindFalse:
		return false, nil
	case kindTrue:
		return true, nil
	case kindJSON:
		var v any
		err := segment.UnmarshalNumbers(text, &v)
		return v, err
	}
	return nil, nil
}

// holds tells whether the row with an id holds a value of alias whose
// index key is k, reading its record without decoding it: a text value is
// compared as it is stored.
func (t *table[T, P]) holds(id int64, alias, k string) bool {
	rec := t.record(id)
	if rec == nil {
		return false
	}
	r := emulators.NewRecordReader(rec)
	for range t.nTexts() {
		r.TextBytes()
	}
	for n := r.Uint(); n > 0 && !r.Failed(); n-- {
		a := r.Uint()
		kind, text, ok := readValue(&r)
		if !ok || r.Failed() || a >= uint64(len(t.Aliases)) || t.Aliases[a] != alias {
			continue
		}
		if kind == kindText {
			return string(text) == k
		}
		v, err := decodeValue(kind, text)
		return err == nil && valueKey(v) == k
	}
	return false
}

// text returns the standard text field i (in record order) of the row
// with an id, without copying it.
func (t *table[T, P]) text(id int64, i int) []byte {
	r := emulators.NewRecordReader(t.record(id))
	for range i {
		r.TextBytes()
	}
	return r.TextBytes()
}

// nTexts is how many standard texts a record of the table starts with.
func (t *table[T, P]) nTexts() int { return P(nil).nTexts() }

// MarshalJSON writes the rows as a list of User or Customer, as the
// []*User the state held before did, "<" and "&" as they are: the
// snapshot's encoder escapes them as it escapes the rest.
func (t table[T, P]) MarshalJSON() ([]byte, error) {
	if t.null && t.Len() == 0 {
		return []byte("null"), nil
	}
	w := emulators.NewJSONWriter(nil)
	w.Raw("[")
	for id := int64(1); id <= int64(t.Len()); id++ {
		if id > 1 {
			w.Raw(",")
		}
		w.Value(t.get(id))
	}
	w.Raw("]")
	return w.Bytes()
}

// UnmarshalJSON reads a list of User or Customer for store to check and
// keep; its errors are those of the []*User field the state had.
func (t *table[T, P]) UnmarshalJSON(b []byte) error {
	var list []P
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*t = table[T, P]{null: list == nil, loaded: list}
	return nil
}

// store keeps the rows UnmarshalJSON read, refusing a null one and one
// whose id is not its position; name is the list's JSON name.
func (t *table[T, P]) store(name string) error {
	loaded := t.loaded
	t.loaded = nil
	if loaded == nil {
		return nil
	}
	t.Slots = make([]int64, 0, slotWords*len(loaded))
	for i, v := range loaded {
		if v == nil || *v.parts().id != int64(i+1) {
			return fmt.Errorf("%s[%d]: id must be %d", name, i, i+1)
		}
		t.add(v)
		t.save(v)
	}
	return nil
}
