package connect

import (
	"strconv"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// SeedUsers adds n users to an environment's state without going through
// HTTP, as identify would index them: user "u-<i>" has email
// "u-<i>@example.com", first name "First-<i/10>" (ten users share each),
// last name "Last-<i>", phone "+1 555 <i>" and APNs token "apns-<i>". The
// lookup and track benchmarks need a million of them.
func SeedUsers(st emulators.State, n int) {
	s := st.(*State)
	for i := range n {
		is := strconv.Itoa(i)
		u := s.newUser(Profile{
			ID: "u-" + is, Email: "u-" + is + "@example.com", FirstName: "First-" + strconv.Itoa(i/10),
			LastName: "Last-" + is, PhoneNumber: "+1 555 " + is, APNS: []string{"apns-" + is},
		})
		u.normalize()
		s.addLookups(u)
		s.save(u)
	}
}

// SeedEvents stores one event on each of the environment's users, a page
// with the perf traffic's properties, through the track path, so that the
// benchmark's requests meet a state of as many events as users.
func SeedEvents(st emulators.State) {
	s := st.(*State)
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	props := segment.NewObject(map[string]any{"path": "/pricing", "referrer": "https://www.google.com/", "search": "?plan=pro",
		"title": "Pricing", "url": "https://www.example.com/pricing?plan=pro", "plan": "premium"})
	for _, u := range s.usersByKey() {
		m := &segment.Message{Type: segment.Page, UserID: u.key, Name: "Pricing", Properties: props, Timestamp: at, MessageID: "seed-" + u.key}
		s.track(&emulators.Request{Now: at, Message: m}, "page", prefixed("[Segment Page]", m.Name))
	}
}
