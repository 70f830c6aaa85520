package startdeliver

import (
	"slices"
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
	a.Users.Slots = slices.Grow(a.Users.Slots, n*slotWords)
	if x := a.users[alias]; x == nil || x.Len() == 0 {
		a.users[alias] = newValueIndex(n) // sized once: growing it costs more than the users
	}
	for i := range n {
		u := a.newUser(time.Time{})
		a.setUserField(u, alias, "u-"+strconv.Itoa(i))
		a.Users.save(u)
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
	for id := int64(1); id <= int64(a.Users.Len()); id++ {
		a.addEvent(&UsageEvent{Type: "page", SegmentType: "page", Name: "Pricing", Properties: props,
			Timestamp: at, Received: at, UserID: id, MessageID: "seed-" + strconv.FormatInt(id, 10)})
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
	for i := range n {
		u := a.user(int64(a.Users.Len() - n + i + 1))
		a.setUserField(u, emailField, "u-"+strconv.Itoa(i)+"@example.com")
		a.Users.save(u)
	}
	SeedEvents(st)
}
