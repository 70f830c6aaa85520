package connect

import (
	"slices"
	"sort"
	"time"

	"github.com/destemu/destemu/emulators"
)

// Stored reports the environment's users and events (emulators.Retainer).
func (*Destination) Stored(s *State) (users, events int) {
	return s.userCount, s.Events.Len()
}

// TrimEvents drops the oldest events beyond keep, and those received before
// before, whichever users they belong to (emulators.Retainer). It reads
// only the events whose age or id it checks: the users' links and the
// events view's index keep the numbers of the rest. Events go oldest
// first, as every destination's do: (decision) after a clock set back, an
// event received before before stays while an older one received later
// does (when users held their events, each user's were trimmed apart).
func (c *Destination) TrimEvents(s *State, keep int, before time.Time) int {
	// Events are numbered 1, 2, ... in arrival order: the oldest to keep
	// is the keep-th newest number, and those before it are the ones at
	// or below cut (numbers loaded from a snapshot may have gaps).
	cut := s.LastEventID - int64(keep)
	older := sort.Search(s.Events.Len(), func(i int) bool { return s.Events.At(i).ID > cut })
	drop := emulators.ExpiredIn(&s.Events, s.Events.Len()-older, before, func(ev EventItem) time.Time { return ev.ReceivedAt })
	if drop == 0 {
		return 0
	}
	s.Events.Drop(drop)
	s.EventLinks = slices.Clone(s.EventLinks[drop:])
	s.dropped += int64(drop)
	s.trimReceived()
	return drop
}

// The platform trims the events of a long-running sandbox through these.
var _ emulators.Retainer[*State] = (*Destination)(nil)
