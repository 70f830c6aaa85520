package startdeliver

import (
	"time"

	"github.com/destemu/destemu/emulators"
)

// Stored reports the account's users and usage events (emulators.Retainer).
func (*Destination) Stored(a *State) (users, events int) {
	return a.Users.Len(), a.Events.Len()
}

// TrimEvents drops the oldest usage events beyond keep, and those received
// before before (emulators.Retainer). It reads only the events whose age
// it checks; the index by user keeps the ids of the rest.
func (*Destination) TrimEvents(a *State, keep int, before time.Time) int {
	drop := emulators.ExpiredIn(&a.Events, keep, before, func(e UsageEvent) time.Time { return e.Received })
	if drop == 0 {
		return 0
	}
	a.Events.Drop(drop)
	a.eventsByUser.drop(drop)
	a.EventsDropped += int64(drop)
	return drop
}

// The platform trims the events of a long-running sandbox through these.
var _ emulators.Retainer[*State] = (*Destination)(nil)
