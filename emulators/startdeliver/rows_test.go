package startdeliver

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/destemu/destemu/emulators"
)

// TestRowsCompact: a user changed over and over is appended again each
// time, and the records left behind are copied away once they outnumber
// the users: the table never holds more than about twice as many records
// as users (plus minCompact), and every user reads back as last saved.
func TestRowsCompact(t *testing.T) {
	t.Parallel()
	a := newState()
	if err := a.addField(CustomField{Alias: "plan", Type: TypeText, Entity: EntityUser}); err != nil {
		t.Fatal(err)
	}
	const n = 50
	for range n {
		a.Users.save(a.newUser(time.Time{}))
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.FixedZone("", 7200))
	for i := range 40 * n {
		u := a.user(int64(i%n + 1))
		a.setUserField(u, "plan", "p-"+strconv.Itoa(i))
		a.setUserField(u, "name", "n-"+strconv.Itoa(i))
		u.Updated = at.Add(time.Duration(i))
		a.Users.save(u)
		if got := a.Users.Records.Len(); got > 2*n+minCompact {
			t.Fatalf("after %d changes the table holds %d records for %d users", i+1, got, n)
		}
	}
	for id := int64(1); id <= n; id++ {
		i := 39*n + int(id) - 1
		u := a.user(id)
		if v, _ := u.CustomFields.Get("plan"); v != "p-"+strconv.Itoa(i) || u.Name != "n-"+strconv.Itoa(i) || !u.Updated.Equal(at.Add(time.Duration(i))) {
			t.Fatalf("user %d reads %+v after its change %d", id, u, i)
		}
		if found := a.userBy("plan", "p-"+strconv.Itoa(i)); found == nil || found.ID != id {
			t.Fatalf("user %d is not found by its value: %+v", id, found)
		}
	}
	// Saving a user unchanged but for its update time writes no record.
	before := a.Users.Records.Len()
	u := a.user(1)
	u.Updated = at.Add(time.Hour)
	a.Users.save(u)
	if a.Users.Records.Len() != before || !a.user(1).Updated.Equal(at.Add(time.Hour)) {
		t.Fatalf("an update of the time alone wrote a record (%d → %d) or was lost", before, a.Users.Records.Len())
	}
}

// TestRowsHolds: a track checks what the index names against the
// record's bytes; values of every kind compare as their index keys do.
func TestRowsHolds(t *testing.T) {
	t.Parallel()
	st, err := emulators.Register(NewV2()).LoadState(json.RawMessage(`{"users":[
		{"id":1,"customFields":{"t":"a","n":1.50,"b":true,"f":false,"z":null,"o":{"k":1}}},
		{"id":2,"customFields":{"t":"b"}}],"customers":[{"id":1,"customFields":{"n":7}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	a := st.(*State)
	for _, tc := range []struct {
		id       int64
		alias, k string
		want     bool
	}{
		{1, "t", "a", true}, {1, "t", "b", false}, {2, "t", "b", true},
		{1, "n", "1.5", true}, {1, "n", "1.50", false}, {1, "b", "true", true}, {1, "f", "false", true},
		{1, "z", "", true}, {1, "o", valueKey(map[string]any{"k": json.Number("1")}), true},
		{1, "missing", "", false}, {2, "n", "1.5", false},
	} {
		if got := a.Users.holds(tc.id, tc.alias, tc.k); got != tc.want {
			t.Errorf("user %d holds %s=%q: %v, want %v", tc.id, tc.alias, tc.k, got, tc.want)
		}
	}
	if !a.Customers.holds(1, "n", "7") || a.Customers.holds(1, "n", "8") {
		t.Error("the customer's number does not compare as its key")
	}
}

// TestRowsNull: users and customers read from null are written as null
// while empty, as the slices they were kept in before.
func TestRowsNull(t *testing.T) {
	t.Parallel()
	st, err := emulators.Register(New()).LoadState(json.RawMessage(`{"users":null,"customers":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(st)
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil || string(doc["users"]) != "null" || string(doc["customers"]) != "[]" {
		t.Fatalf("%s, %v", b, err)
	}
	if _, err := emulators.Register(New()).LoadState(json.RawMessage(`{"users":[null]}`)); err == nil {
		t.Fatal("a null user was loaded")
	}
	if _, err := emulators.Register(New()).LoadState(json.RawMessage(`{"users":[{"id":1,"customerId":2}],"customers":[{"id":1}]}`)); err == nil {
		t.Fatal("a user of a customer that does not exist was loaded")
	}
}
