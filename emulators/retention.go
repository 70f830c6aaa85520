package emulators

import (
	"slices"
	"time"
)

// DefaultRetainEvents is how many stored events an account keeps by
// default, the newest: with 10,000 users it keeps a sandbox that receives
// 10 requests a second for 30 days under 1 GiB (docs/operations.md).
const DefaultRetainEvents = 100_000

// Retention bounds what a long-running sandbox stores (#13 item 9).
type Retention struct {
	// Events is how many stored events each account keeps, the newest
	// (DefaultRetainEvents when zero, no bound when negative).
	Events int
	// MaxAge drops stored events that arrived longer ago than this on the
	// namespace clock (zero keeps events of any age).
	MaxAge time.Duration
}

// Retainer is implemented by a destination that stores events, typed by its
// state as Destination is, so that the platform can keep their number
// bounded. Both methods run with the account's lock held.
type Retainer[S any] interface {
	// Stored reports how many users (or contacts) and events the state
	// holds. It must be cheap: it is asked after every applied message.
	Stored(s S) (users, events int)
	// TrimEvents drops the oldest events until at most keep remain, and
	// those that arrived before before (unless it is zero), and returns how
	// many it dropped. Users stay.
	TrimEvents(s S, keep int, before time.Time) int
}

// retainer is what the platform sees of a Retainer through Register's
// adapter; ok is false for a destination that stores no events.
type retainer interface {
	stored(st State) (users, events int, ok bool)
	trimEvents(st State, keep int, before time.Time)
}

func (t typed[S]) stored(st State) (users, events int, ok bool) {
	r, ok := t.d.(Retainer[S])
	s, err := t.state(st)
	if !ok || err != nil {
		return 0, 0, false
	}
	users, events = r.Stored(s)
	return users, events, true
}

func (t typed[S]) trimEvents(st State, keep int, before time.Time) {
	if r, ok := t.d.(Retainer[S]); ok {
		if s, err := t.state(st); err == nil {
			r.TrimEvents(s, keep, before)
		}
	}
}

// retainLocked trims the account's events after a message was applied. It
// lets the count run 1/8 over the bound before trimming back to it, and
// looks at ages at most 64 times per MaxAge, so a trim that rebuilds a
// destination's indexes costs amortised O(1) per message.
func (a *Account) retainLocked(now time.Time, r Retention) {
	ret, ok := a.emu.(retainer)
	if !ok {
		return
	}
	var before time.Time
	if r.MaxAge > 0 && now.Sub(a.agedAt) >= r.MaxAge/64 {
		before, a.agedAt = now.Add(-r.MaxAge), now
	}
	keep, slack := r.Events, r.Events/8
	if keep < 0 { // keep all: no count ever passes the bound (nor overflows it)
		keep, slack = int(^uint(0)>>1), 0
	}
	if _, n, ok := ret.stored(a.state); !ok || n-slack <= keep && before.IsZero() {
		return
	}
	ret.trimEvents(a.state, keep, before)
}

// Stored reports the account's users (or contacts) and stored events, for
// /metrics; ok is false for a destination that stores no events.
func (a *Account) Stored() (users, events int, ok bool) {
	ret, ok := a.emu.(retainer)
	if !ok {
		return 0, 0, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return ret.stored(a.state)
}

// Expired counts the items at the front of an oldest-first list that a trim
// drops: those beyond the newest keep, then the ones after them whose time
// (at) is before before. It is the count every Retainer's TrimEvents needs.
func Expired[T any](items []T, keep int, before time.Time, at func(T) time.Time) int {
	return ExpiredIn(Slice[T](items), keep, before, at)
}

// ExpiredIn is Expired over items read by position (Records): it reads no
// item beyond the first one it keeps.
func ExpiredIn[T any](items Indexed[T], keep int, before time.Time, at func(T) time.Time) int {
	n := max(items.Len()-keep, 0)
	return n + olderFrom(items, n, before, at)
}

// Trim drops what Expired counts from an oldest-first list and returns
// what is left, in a fresh array when it dropped any (so the dropped items
// are freed), and how many it dropped: the whole of a TrimEvents over one
// list of events.
func Trim[T any](items []T, keep int, before time.Time, at func(T) time.Time) ([]T, int) {
	drop := Expired(items, keep, before, at)
	if drop == 0 {
		return items, 0
	}
	return slices.Clone(items[drop:]), drop
}

// Older counts the leading items of an oldest-first list whose time (at) is
// before before; a zero before counts none.
func Older[T any](items []T, before time.Time, at func(T) time.Time) int {
	return olderFrom(Slice[T](items), 0, before, at)
}

// olderFrom counts the items from position from on whose time is before
// before, up to the first that is not.
func olderFrom[T any](items Indexed[T], from int, before time.Time, at func(T) time.Time) int {
	if before.IsZero() {
		return 0
	}
	n := 0
	for from+n < items.Len() && at(items.At(from+n)).Before(before) {
		n++
	}
	return n
}
