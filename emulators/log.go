package emulators

import (
	"context"
	"slices"
	"sync"

	"github.com/destemu/destemu/wire"
)

// Outcomes of a webhook request in the request log.
const (
	OutcomeOK        = "ok"        // applied
	OutcomeIgnored   = "ignored"   // answered 200, not applied (Request.Ignore)
	OutcomeDuplicate = "duplicate" // answered 200, messageId already applied (G-10)
	OutcomeRefused   = "refused"   // answered 4xx/5xx by the emulated vendor
	OutcomeFaulted   = "faulted"   // answered by a fault rule
)

// Entry is one webhook request in the request log (G-14); its JSON form is
// the client's (wire.Entry).
type Entry = wire.Entry

// Filter selects log entries; zero fields match everything.
type Filter struct {
	Destination string
	Account     string
	Status      int
	Outcome     string
	Type        string
	UserID      string // matches userId or anonymousId
	Event       string
	AfterID     uint64 // only entries with a larger ID
}

// Match reports whether e passes the filter.
func (f *Filter) Match(e *Entry) bool {
	return (f.Destination == "" || e.Destination == f.Destination) &&
		(f.Account == "" || e.Account == f.Account) &&
		(f.Status == 0 || e.Status == f.Status) &&
		(f.Outcome == "" || e.Outcome == f.Outcome) &&
		(f.Type == "" || e.Type == f.Type) &&
		(f.UserID == "" || e.UserID == f.UserID || e.AnonymousID == f.UserID) &&
		(f.Event == "" || e.Event == f.Event) &&
		e.ID > f.AfterID
}

// Log is a namespace's request log: a ring of the newest entries, so memory
// stays bounded under any load, with a wait for entries to arrive. The ring
// grows as it fills, so an idle namespace costs next to nothing (#18); the
// bodies it keeps are bounded in bytes too (see NewLog).
type Log struct {
	mu        sync.Mutex // guards the fields below
	ring      []*Entry   // grows up to capacity, then wraps
	capacity  int
	next      int    // where the next entry goes (len(ring) until full)
	full      bool   // whether the ring has wrapped
	lastID    uint64 // the newest entry's ID
	bodyLimit int    // bytes of bodies kept at most; 0 keeps every body
	bodyBytes int    // bytes of bodies kept now
	// bodyTail is how many entries, counted from the oldest, have had
	// their body dropped for the byte budget, so dropping is amortised O(1).
	bodyTail int
	// waiters are the long-polls blocked in Wait; each new entry is matched
	// once against each of them, so a waiter costs an append one Match and
	// never a rescan of the ring.
	waiters []*waiter
	feed    Feed // live viewers, fed by Append (feed.go)
}

// waiter is one blocked Wait: its filter and how many entries in the ring
// match it now.
type waiter struct {
	f     Filter
	need  int
	count int
	done  chan struct{} // closed, and set to nil, once count reaches need
}

// NewLog returns a log that keeps the newest capacity entries, and of their
// bodies at most bodyLimit bytes, the newest first (no byte bound when
// bodyLimit is not positive).
func NewLog(capacity, bodyLimit int) *Log {
	return &Log{capacity: max(capacity, 1), bodyLimit: max(bodyLimit, 0)}
}

// Append adds an entry, giving it the next ID.
func (l *Log) Append(e *Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lastID++
	e.ID = l.lastID
	var evicted *Entry
	if l.full {
		evicted = l.ring[l.next]
		l.bodyBytes -= len(evicted.Body) + len(evicted.BodyText)
		l.ring[l.next] = e
		l.next = (l.next + 1) % len(l.ring)
		l.bodyTail = max(l.bodyTail-1, 0)
	} else {
		l.growLocked()
		l.ring = append(l.ring, e)
		l.next = len(l.ring)
		if l.next == l.capacity {
			l.next, l.full = 0, true
		}
	}
	l.bodyBytes += len(e.Body) + len(e.BodyText)
	l.trimBodiesLocked()
	for _, w := range l.waiters {
		if evicted != nil && w.f.Match(evicted) {
			w.count--
		}
		if w.f.Match(e) {
			w.count++
			if w.count >= w.need && w.done != nil {
				close(w.done)
				w.done = nil // woken once; Wait counts again itself
			}
		}
	}
	// Under l.mu, so viewers see entries in ID order; publishing never blocks.
	l.feed.publish(e)
}

// Subscribe starts a live subscription to the entries appended from now
// on (see Feed); buffer bounds how far its viewer may fall behind.
func (l *Log) Subscribe(buffer int) *Subscription { return l.feed.Subscribe(buffer) }

// Subscribers reports how many live viewers the log has.
func (l *Log) Subscribers() int { return l.feed.Subscribers() }

// growLocked makes room for one more entry, doubling up to the capacity.
func (l *Log) growLocked() {
	if len(l.ring) < cap(l.ring) {
		return
	}
	grown := make([]*Entry, len(l.ring), min(max(2*cap(l.ring), 16), l.capacity))
	copy(grown, l.ring)
	l.ring = grown
}

// trimBodiesLocked drops the bodies of the oldest entries until the bodies
// kept fit the byte budget; the entries themselves stay, marked.
func (l *Log) trimBodiesLocked() {
	for l.bodyLimit > 0 && l.bodyBytes > l.bodyLimit && l.bodyTail < len(l.ring) {
		i := (l.oldestLocked() + l.bodyTail) % len(l.ring)
		l.bodyTail++
		if n := len(l.ring[i].Body) + len(l.ring[i].BodyText); n > 0 {
			l.bodyBytes -= n
			// A copy: an appended entry never changes, for the live feed
			// and the webhook's answer still read it.
			c := *l.ring[i]
			c.Body, c.BodyText, c.BodyDropped = nil, "", true
			l.ring[i] = &c
		}
	}
}

// oldestLocked is the ring position of the oldest entry.
func (l *Log) oldestLocked() int {
	if l.full {
		return l.next
	}
	return 0
}

// Clear empties the log; IDs keep counting up.
func (l *Log) Clear() {
	l.mu.Lock()
	l.ring = nil
	l.next, l.full, l.bodyBytes, l.bodyTail = 0, false, 0, 0
	for _, w := range l.waiters {
		w.count = 0
	}
	l.mu.Unlock()
}

// LogStats are a log's sizes, for /metrics.
type LogStats struct {
	Entries   int // entries held
	BodyBytes int // bytes of bodies kept
	Waiters   int // long-polls blocked in Wait
}

// Stats returns the log's sizes now.
func (l *Log) Stats() LogStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return LogStats{Entries: len(l.ring), BodyBytes: l.bodyBytes, Waiters: len(l.waiters)}
}

// List returns up to limit matching entries, newest first (all when limit
// is not positive), and how many match in all.
func (l *Log) List(f Filter, limit int) ([]Entry, int) { return l.Page(f, 0, limit) }

// Page is List after skipping the offset newest matching entries.
func (l *Log) Page(f Filter, offset, limit int) ([]Entry, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.listLocked(f, offset, limit)
}

func (l *Log) listLocked(f Filter, offset, limit int) ([]Entry, int) {
	var out []Entry
	total := 0
	n := len(l.ring)
	for i := 0; i < n; i++ {
		e := l.ring[(l.next-1-i+n)%n]
		if !f.Match(e) {
			continue
		}
		if total >= offset && (limit <= 0 || len(out) < limit) {
			out = append(out, *e)
		}
		total++
	}
	return out, total
}

// Wait blocks until at least n entries match the filter or ctx ends, and
// returns the matching entries, newest first. It never sleeps and never
// rescans on an append: Append counts matches for it and wakes it only when
// the count reaches n.
func (l *Log) Wait(ctx context.Context, f Filter, n int) ([]Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		out, total := l.listLocked(f, 0, 0)
		if total >= n {
			return out, nil
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		done := make(chan struct{})
		w := &waiter{f: f, need: n, count: total, done: done}
		l.waiters = append(l.waiters, w)
		l.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
		}
		l.mu.Lock()
		l.waiters = slices.DeleteFunc(l.waiters, func(o *waiter) bool { return o == w })
	}
}
