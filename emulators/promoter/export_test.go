package promoter

import (
	"math"
	"strconv"
	"time"

	"github.com/destemu/destemu/emulators"
)

// SeedContacts adds n contacts to an account's state, each with one custom
// event, without going through HTTP, as the webhook would index them:
// contact "u-<i>" has email "u-<i>@example.com". The lookup benchmark
// needs a million of them. It lifts the daily limit, so that a benchmark's
// tracks are never refused (PR-13) however many it sends.
func SeedContacts(st emulators.State, n int) {
	s := st.(*State)
	s.DailyLimit = math.MaxInt
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		is := strconv.Itoa(i)
		c := &Contact{UserID: "u-" + is, Email: "u-" + is + "@example.com", CreatedAt: t0.Add(time.Duration(i) * time.Second)}
		s.Contacts.save(s.Contacts.add(c.UserID), c)
		s.Seq.CustomEvent++
		s.addEvent(&CustomEvent{ID: idPrefix + strconv.Itoa(s.Seq.CustomEvent), Event: "Signed Up", UserID: c.UserID, Timestamp: c.CreatedAt, ReceivedAt: c.CreatedAt})
	}
}
