package startdeliver

import (
	"time"

	"github.com/destemu/destemu/emulators"
)

// Stored reports the account's users and usage events (emulators.Retainer).
func (*Destination) Stored(a *State) (users, events int) {
	return len(a.Users), len(a.Events)
}

// TrimEvents drops the oldest usage events beyond keep, and those received
// before before, then rebuilds the event indexes, which hold positions
// (emulators.Retainer).
func (*Destination) TrimEvents(a *State, keep int, before time.Time) int {
	kept, drop := emulators.Trim(a.Events, keep, before, func(e *UsageEvent) time.Time { return e.Received })
	if drop == 0 {
		return 0
	}
	a.Events = kept
	a.EventsDropped += int64(drop)
	a.eventsByUser = make(map[int64][]int)
	for i, ev := range a.Events {
		a.indexEvent(i, ev)
	}
	return drop
}

// The platform trims the events of a long-running sandbox through these.
var _ emulators.Retainer[*State] = (*Destination)(nil)
