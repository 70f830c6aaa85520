package usercom

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/destemu/destemu/segment"
)

// TestUserRecord: a user reads back from its record and slot as it was
// stored, its repeated texts through the table of words and, once the
// table is full, in the record itself.
func TestUserRecord(t *testing.T) {
	t.Parallel()
	seen := time.Date(2026, 3, 2, 12, 0, 0, 123, time.FixedZone("", -5*3600))
	want := User{ID: 1, UserID: "u1", AnonymousID: "a1", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace",
		Country: "UK", UserAgent: "Mozilla/5.0", IPAddress: "203.0.113.7", Companies: []string{"acme", "initech"},
		Attributes: segment.NewObject(map[string]any{"plan": "pro", "logins": json.Number("42")}),
		PageViews:  3, LastSeen: &seen, CreatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		UpdatedAt: time.Date(2026, 3, 2, 0, 0, 0, 5, time.FixedZone("", 3600))}
	for _, full := range []bool{false, true} {
		var l userList
		if full {
			for i := range maxWords {
				l.appendWord(nil, "w"+strconv.Itoa(i))
			}
		}
		l.add(&want, nil)
		got := l.user(1)
		if a, b := mustMarshal(t, got), mustMarshal(t, &want); a != b {
			t.Errorf("table full %v: read back\n%s\nwant\n%s", full, a, b)
		}
		if n := len(l.Words); full && n != maxWords || !full && n != 6 {
			t.Errorf("table full %v: %d words", full, n)
		}
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestUserLabel: the label writes what strconv.Quote writes.
func TestUserLabel(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"u1", "", `a "b"`, `c\d`, "é", "\x00", "tab\t", "~ !"} {
		for _, u := range []User{{UserID: id}, {AnonymousID: id}} {
			want := strconv.Quote(id)
			if u.UserID == "" {
				want = "anonymous " + want
			}
			if got := fmt.Sprintf("%s", userLabel(&u)); got != want {
				t.Errorf("label of %+v: %s, want %s", u, got, want)
			}
		}
	}
}
