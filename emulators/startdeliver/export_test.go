package startdeliver

import (
	"strconv"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// SeedUsers adds n users to an account's state, user i holding "u-<i>" in
// the user custom field alias, without going through HTTP: the benchmark
// needs a million of them.
func SeedUsers(st emulators.State, alias string, n int) {
	a := st.(*State)
	a.Users = append(make([]*User, 0, len(a.Users)+n), a.Users...)
	if x := a.users[alias]; x == nil || x.Len() == 0 {
		a.users[alias] = newValueIndex(n) // sized once: growing it costs more than the users
	}
	for i := range n {
		u := a.newUser(time.Time{})
		a.setUserField(u, alias, "u-"+strconv.Itoa(i))
	}
}

// SeedEvents gives each of the account's users one stored usage event, a
// page with the perf traffic's properties, so that the benchmark's
// requests meet a state of as many events as users.
func SeedEvents(st emulators.State) {
	a := st.(*State)
	props := segment.NewObject(map[string]any{"path": "/pricing", "referrer": "https://www.google.com/", "search": "?plan=pro",
		"title": "Pricing", "url": "https://www.example.com/pricing?plan=pro", "plan": "premium"})
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, u := range a.Users {
		a.addEvent(&UsageEvent{Type: "page", SegmentType: "page", Name: "Pricing", Properties: props,
			Timestamp: at, Received: at, UserID: u.ID, MessageID: "seed-" + strconv.FormatInt(u.ID, 10)})
	}
}

// SeedLookupUsers adds the user custom field externalId to an account and
// n users, user i (id i+1) with externalId "u-<i>", email
// "u-<i>@example.com" and a stored usage event: the state the lookup
// benchmark reads.
func SeedLookupUsers(st emulators.State, n int) {
	a := st.(*State)
	if err := a.addField(CustomField{Alias: "externalId", Type: "text", Entity: EntityUser}); err != nil {
		panic(err)
	}
	SeedUsers(st, "externalId", n)
	for i, u := range a.Users[len(a.Users)-n:] {
		a.setUserField(u, emailField, "u-"+strconv.Itoa(i)+"@example.com")
	}
	SeedEvents(st)
}
