package connect

import (
	"slices"
	"time"

	"github.com/destemu/destemu/emulators"
)

// Stored reports the environment's users and events (emulators.Retainer).
// Events are numbered in arrival order and only a trim removes them, so
// their count is the count at the last trim plus the numbers given since.
func (*Destination) Stored(s *State) (users, events int) {
	if !s.counted {
		s.countEvents()
	}
	return len(s.Users), s.events + int(s.LastEventID-s.countedAt)
}

// countEvents counts the stored events once, for Stored.
func (s *State) countEvents() {
	s.events = 0
	for _, u := range s.Users {
		s.events += len(u.Events)
	}
	s.countedAt, s.counted = s.LastEventID, true
}

// TrimEvents drops the oldest events beyond keep, and those received before
// before, from every user, and rebuilds the events view's index from what
// is left: its totals then count the stored events (emulators.Retainer).
func (c *Destination) TrimEvents(s *State, keep int, before time.Time) int {
	_, stored := c.Stored(s)
	// Events are numbered 1, 2, ... in arrival order: the oldest to keep is
	// the keep-th newest number.
	cut := s.LastEventID - int64(keep)
	dropped := 0
	for _, u := range s.Users {
		i := 0
		for i < len(u.Events) && (u.Events[i].ID <= cut || !before.IsZero() && u.Events[i].ReceivedAt.Before(before)) {
			i++
		}
		if i > 0 {
			u.Events = append([]Event{}, u.Events[i:]...) // a fresh array frees the dropped ones
			dropped += i
		}
	}
	if dropped == 0 {
		return 0
	}
	s.received = make(map[string][]time.Time, len(s.received))
	for _, u := range s.Users {
		for _, ev := range u.Events {
			s.received[ev.Name] = append(s.received[ev.Name], ev.ReceivedAt)
		}
	}
	for _, times := range s.received { // users interleave: sort once, not insert each
		slices.SortFunc(times, time.Time.Compare)
	}
	s.events, s.countedAt, s.counted = stored-dropped, s.LastEventID, true
	return dropped
}

// The platform trims the events of a long-running sandbox through these.
var _ emulators.Retainer[*State] = (*Destination)(nil)
