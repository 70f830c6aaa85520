package promoter

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/wire"
)

// ContactList is a list contacts join when a campaign surveys them, and its
// members: their userIds in the order they joined, kept as bytes with no
// pointer for the collector to trace (#18; a million surveyed contacts
// held as a []string were a million strings), and found by the hash of
// their userId (emulators.Index). In JSON, a snapshot's and the control
// plane's, it is a ContactListView.
type ContactList struct {
	ID        string
	Name      string
	CreatedAt time.Time

	members memberList
}

// ContactListView is a contact list as the control plane and a snapshot
// show it.
type ContactListView = wire.PromoterContactList

// memberList is a list's userIds in the order they joined. Its text and
// ends are only ever appended to, so that a snapshot's copy of the list
// (which shares them) reads what it copied while contacts go on joining.
type memberList struct {
	text  []byte               // the userIds, back to back
	ends  []uint32             // where each ends in text
	null  bool                 // read as null (a hand-written list), and none joined since
	index emulators.Index[int] // positions by userId; "" is not indexed, see has
}

// Len is how many members the list has (a userId a hand-written list
// repeats counts each time).
func (m *memberList) Len() int { return len(m.ends) }

// at is member i's userId, not copied.
func (m *memberList) at(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = m.ends[i-1]
	}
	return m.text[start:m.ends[i]:m.ends[i]]
}

// push appends a member, even one already there.
func (m *memberList) push(userID string) {
	if len(m.text)+len(userID) > math.MaxUint32 {
		// Four gigabytes of userIds is far beyond what an account holds
		// in memory; offsets are 32-bit to keep a member small.
		panic(fmt.Sprintf("promoter: contact list of %d bytes", len(m.text)+len(userID)))
	}
	m.text = append(m.text, userID...)
	m.ends = append(m.ends, uint32(len(m.text)))
	m.index.Add(userID, len(m.ends)-1)
	m.null = false
}

// ids returns the members' userIds: nil for a list read as null that
// no one joined since.
func (m *memberList) ids() []string {
	if m.null {
		return nil
	}
	out := make([]string, m.Len())
	for i := range out {
		out[i] = string(m.at(i))
	}
	return out
}

// has reports whether the contact is on the list.
func (l *ContactList) has(userID string) bool {
	m := &l.members
	if userID == "" { // not indexed; only a hand-written state has it
		for i := range m.Len() {
			if len(m.at(i)) == 0 {
				return true
			}
		}
		return false
	}
	_, ok := m.index.First(userID, func(i int) bool { return string(m.at(i)) == userID })
	return ok
}

// add puts a contact on the list once and reports whether it was new.
func (l *ContactList) add(userID string) bool {
	if l.has(userID) {
		return false
	}
	l.members.push(userID)
	return true
}

// view is the list as the control plane shows it.
func (l *ContactList) view() ContactListView {
	return ContactListView{ID: l.ID, Name: l.Name, CreatedAt: l.CreatedAt, Contacts: l.members.ids()}
}

// MarshalJSON writes the list's view, with "<" and "&" as they are (a
// snapshot's encoder escapes them as it escapes the rest).
func (l *ContactList) MarshalJSON() ([]byte, error) {
	w := emulators.NewJSONWriter(nil)
	w.Value(l.view())
	return w.Bytes()
}

// UnmarshalJSON reads a list's view, with the errors of the struct that
// embedded it.
func (l *ContactList) UnmarshalJSON(data []byte) error {
	// ContactList names the struct in errors as encoding/json named it.
	type ContactList struct{ wire.PromoterContactList }
	var v ContactList
	if err := json.Unmarshal(data, &v); err != nil {
		return renamed(err, "contactLists")
	}
	*l = newList(v.PromoterContactList)
	return nil
}

// newList makes a list of a view: contacts null stays null until one
// joins.
func newList(v ContactListView) ContactList {
	l := ContactList{ID: v.ID, Name: v.Name, CreatedAt: v.CreatedAt, members: memberList{null: v.Contacts == nil}}
	for _, u := range v.Contacts {
		l.members.push(u)
	}
	return l
}

// renamed names a field of a record a state holds in a type error as
// encoding/json named it when it read the state whole (Contact.contacts.email:
// the record's struct, then the state's field and the record's): a type
// error is renamed by the encoding/json that called the record's
// UnmarshalJSON, as the state's field it was reading, so such an error
// goes back as another type with the same message. An error about the
// record itself (a number where it should be) is the state field's, and
// goes back as it is.
func renamed(err error, field string) error {
	te, ok := err.(*json.UnmarshalTypeError)
	if !ok || te.Struct == "" {
		return err
	}
	named := *te
	named.Field = field + "." + te.Field
	return fieldError{&named}
}

// fieldError is a type error that keeps its message.
type fieldError struct{ te *json.UnmarshalTypeError }

func (e fieldError) Error() string { return e.te.Error() }

func (e fieldError) Unwrap() error { return e.te }
