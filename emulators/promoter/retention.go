package promoter

import (
	"time"

	"github.com/destemu/destemu/emulators"
)

// Stored reports the account's contacts and custom events
// (emulators.Retainer).
func (*Destination) Stored(s *State) (users, events int) {
	return len(s.Contacts), len(s.CustomEvents)
}

// TrimEvents drops the oldest custom events beyond keep, and those received
// before before (emulators.Retainer).
func (*Destination) TrimEvents(s *State, keep int, before time.Time) int {
	kept, drop := emulators.Trim(s.CustomEvents, keep, before, func(e *CustomEvent) time.Time { return e.ReceivedAt })
	if drop > 0 {
		s.CustomEvents = kept
		s.indexEvents()
	}
	return drop
}

// The platform trims the events of a long-running sandbox through these.
var _ emulators.Retainer[*State] = (*Destination)(nil)
