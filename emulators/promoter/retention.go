package promoter

import (
	"slices"
	"time"

	"github.com/destemu/destemu/emulators"
)

// Stored reports the account's contacts and custom events
// (emulators.Retainer).
func (*Emulator) Stored(st emulators.State) (users, events int) {
	s := st.(*State)
	return len(s.Contacts), len(s.CustomEvents)
}

// TrimEvents drops the oldest custom events beyond keep, and those received
// before before (emulators.Retainer).
func (*Emulator) TrimEvents(st emulators.State, keep int, before time.Time) int {
	s := st.(*State)
	drop := max(len(s.CustomEvents)-keep, 0)
	for !before.IsZero() && drop < len(s.CustomEvents) && s.CustomEvents[drop].ReceivedAt.Before(before) {
		drop++
	}
	if drop > 0 {
		s.CustomEvents = slices.Clone(s.CustomEvents[drop:]) // a fresh array frees the dropped ones
	}
	return drop
}
