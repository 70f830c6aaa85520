package promoter

import (
	"time"

	"github.com/destemu/destemu/emulators"
)

// Stored reports the account's contacts and custom events
// (emulators.Retainer).
func (*Destination) Stored(s *State) (users, events int) {
	return s.Contacts.Len(), s.CustomEvents.Len()
}

// TrimEvents drops the oldest custom events beyond keep, and those received
// before before (emulators.Retainer). It reads only the events whose age it
// checks; the links by user of the rest stay as they are.
func (*Destination) TrimEvents(s *State, keep int, before time.Time) int {
	drop := emulators.ExpiredIn(&s.CustomEvents, keep, before, func(e CustomEvent) time.Time { return e.ReceivedAt })
	s.CustomEvents.Drop(drop)
	s.eventsByUser.Drop(drop)
	return drop
}

// The platform trims the events of a long-running sandbox through these.
var _ emulators.Retainer[*State] = (*Destination)(nil)
