package promoter

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/destemu/destemu/emulators"
)

// TestContactsKeptAsRecords: an identify that changes only UpdatedAt
// writes no record; one that changes the contact appends it again, and
// the records left behind are compacted away once they are as many as the
// contacts, every contact still found by userId and email and read as
// last saved.
func TestContactsKeptAsRecords(t *testing.T) {
	t.Parallel()
	s := newState()
	identify := func(i, round int, traits map[string]any) {
		u := fmt.Sprintf("u%d", i)
		send(t, s, base.Add(dayDur(round)), map[string]any{"type": "identify", "userId": u, "traits": traits})
	}
	const n = 300
	for i := range n {
		identify(i, 0, map[string]any{"email": fmt.Sprintf("u%d@example.com", i), "plan": "free"})
	}
	for i := range n {
		identify(i, 1, map[string]any{"plan": "free"}) // nothing but UpdatedAt changes
	}
	if got := s.Contacts.Records.Len(); got != n || s.Contacts.Len() != n {
		t.Fatalf("%d records for %d contacts after identifies that changed nothing, want %d", got, s.Contacts.Len(), n)
	}
	for round := 2; round < 6; round++ {
		for i := range n {
			identify(i, round, map[string]any{"email": fmt.Sprintf("u%d-%d@example.com", i, round), "plan": fmt.Sprint(round)})
		}
	}
	if got := s.Contacts.Records.Len(); got > 2*n || s.Contacts.Len() != n {
		t.Fatalf("%d records for %d contacts: the records left behind were not compacted", got, s.Contacts.Len())
	}
	for i := range n {
		ord, ok := s.Contacts.find(fmt.Sprintf("u%d", i))
		if !ok {
			t.Fatalf("u%d not found", i)
		}
		c := s.Contacts.contact(ord)
		if want := fmt.Sprintf("u%d-5@example.com", i); c.Email != want || !c.UpdatedAt.Equal(base.Add(dayDur(5))) || !c.CreatedAt.Equal(base) {
			t.Fatalf("u%d reads %+v", i, c)
		}
		if plan, _ := c.Attributes.Get("plan"); plan != "5" {
			t.Fatalf("u%d's plan is %v", i, plan)
		}
		if got, _ := s.Contacts.emails.Get(c.Email); len(got) != 1 || got[0] != ord {
			t.Fatalf("email %s finds %v, want [%d]", c.Email, got, ord)
		}
		if got, _ := s.Contacts.emails.Get(fmt.Sprintf("u%d-4@example.com", i)); len(got) != 0 {
			t.Fatalf("u%d's old email still finds %v", i, got)
		}
	}
}

// TestContactsLoadAsTheMap: a state document's contacts read as
// encoding/json read them into a map: a later userId replaces an earlier
// one and its null forgets it (which the load refuses), the key is the
// userId, a contact of the empty userId is kept and found, and errors say
// what they said.
func TestContactsLoadAsTheMap(t *testing.T) {
	t.Parallel()
	load := func(doc string) (*State, error) {
		st, err := emulators.Register(New()).LoadState(json.RawMessage(doc))
		if err != nil {
			return nil, err
		}
		return st.(*State), nil
	}
	s, err := load(`{"contacts":{"u1":{"email":"a@example.com"},"u2":{"userId":"x","email":"b@example.com"},"u1":{"email":"c@example.com"},"":{"email":"d@example.com"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(&s.Contacts)
	want := `{"":{"userId":"","email":"d@example.com","attributes":{},"updatedAt":"0001-01-01T00:00:00Z"},` +
		`"u1":{"userId":"u1","email":"c@example.com","attributes":{},"updatedAt":"0001-01-01T00:00:00Z"},` +
		`"u2":{"userId":"u2","email":"b@example.com","attributes":{},"updatedAt":"0001-01-01T00:00:00Z"}}`
	if string(data) != want {
		t.Errorf("contacts written as\n%s\nwant\n%s", data, want)
	}
	if ord, ok := s.Contacts.find(""); !ok || s.Contacts.email(ord) != "d@example.com" || s.Contacts.Len() != 3 {
		t.Errorf("the contact of the empty userId: %d, %v of %d contacts", ord, ok, s.Contacts.Len())
	}
	if got, _ := s.Contacts.emails.Get("a@example.com"); len(got) != 0 {
		t.Errorf("the replaced contact's email finds %v", got)
	}
	if s, err := load(`{"contacts":{"u1":null,"u1":{"email":"a@example.com"}}}`); err != nil || s.Contacts.Len() != 1 {
		t.Errorf("a null replaced by a contact: %v", err)
	}
	if s, err := load(`{"contacts":{"u1":{"email":"a@example.com"}},"contacts":null}`); err != nil || s.Contacts.Len() != 0 {
		t.Errorf("contacts null after contacts: %v", err)
	}
	for doc, msg := range map[string]string{
		`{"contacts":{"u1":{"email":"a@example.com"},"u1":null}}`: `promoter state: contacts["u1"] is null`,
		`{"contacts":{"u1":{"email":5}}}`:                         `promoter state: json: cannot unmarshal number into Go struct field Contact.contacts.email of type string`,
		`{"contacts":{"u1":5}}`:                                   `promoter state: json: cannot unmarshal number into Go struct field State.contacts of type promoter.Contact`,
		`{"contacts":"u1"}`:                                       `promoter state: json: cannot unmarshal string into Go struct field State.contacts of type map[string]*promoter.Contact`,
	} {
		if _, err := load(doc); err == nil || err.Error() != msg {
			t.Errorf("%s: %v, want %s", doc, err, msg)
		}
	}
}
