package emulators

import (
	"context"
	"encoding/json"
	"sync"
	"time"
)

// Outcomes of a webhook request in the request log.
const (
	OutcomeOK        = "ok"        // applied
	OutcomeIgnored   = "ignored"   // answered 200, not applied (Request.Ignore)
	OutcomeDuplicate = "duplicate" // answered 200, messageId already applied (G-10)
	OutcomeRefused   = "refused"   // answered 4xx/5xx by the emulated vendor
	OutcomeFaulted   = "faulted"   // answered by a fault rule
)

// Entry is one webhook request in the request log (G-14).
type Entry struct {
	ID          uint64          `json:"id"`
	Time        time.Time       `json:"time"` // namespace clock at arrival
	Namespace   string          `json:"namespace"`
	Destination string          `json:"destination"`
	Account     string          `json:"account,omitempty"`
	Key         string          `json:"key,omitempty"`
	Type        string          `json:"type,omitempty"`
	Event       string          `json:"event,omitempty"`
	UserID      string          `json:"userId,omitempty"`
	AnonymousID string          `json:"anonymousId,omitempty"`
	MessageID   string          `json:"messageId,omitempty"`
	Status      int             `json:"status"`
	Outcome     string          `json:"outcome"`
	Message     string          `json:"message,omitempty"` // the refusal or the reason it was ignored
	Actions     []string        `json:"actions,omitempty"`
	Warnings    []string        `json:"warnings,omitempty"`
	Fault       string          `json:"fault,omitempty"`
	Latency     float64         `json:"latencyMs"` // real time spent handling it
	Body        json.RawMessage `json:"body,omitempty"`
	// Tracking links a message of the tracking API and its deliveries.
	Tracking *Tracking `json:"tracking,omitempty"`
}

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
// stays bounded under any load, with a wait for entries to arrive.
type Log struct {
	mu      sync.Mutex // guards the fields below
	ring    []*Entry
	next    int           // where the next entry goes
	full    bool          // whether the ring has wrapped
	lastID  uint64        // the newest entry's ID
	waiters int           // goroutines blocked in Wait
	changed chan struct{} // closed and replaced on append while waiters > 0
	feed    Feed          // live viewers, fed by Append (feed.go)
}

// NewLog returns a log that keeps the newest capacity entries.
func NewLog(capacity int) *Log {
	return &Log{ring: make([]*Entry, capacity), changed: make(chan struct{})}
}

// Append adds an entry, giving it the next ID.
func (l *Log) Append(e *Entry) {
	l.mu.Lock()
	l.lastID++
	e.ID = l.lastID
	l.ring[l.next] = e
	l.next++
	if l.next == len(l.ring) {
		l.next, l.full = 0, true
	}
	if l.waiters > 0 {
		close(l.changed)
		l.changed = make(chan struct{})
	}
	// Under l.mu, so viewers see entries in ID order; publishing never blocks.
	l.feed.publish(e)
	l.mu.Unlock()
}

// Subscribe starts a live subscription to the entries appended from now
// on (see Feed); buffer bounds how far its viewer may fall behind.
func (l *Log) Subscribe(buffer int) *Subscription { return l.feed.Subscribe(buffer) }

// Subscribers reports how many live viewers the log has.
func (l *Log) Subscribers() int { return l.feed.Subscribers() }

// Clear empties the log; IDs keep counting up.
func (l *Log) Clear() {
	l.mu.Lock()
	clear(l.ring)
	l.next, l.full = 0, false
	l.mu.Unlock()
}

// List returns up to limit matching entries, newest first (all when limit
// is not positive), and how many match in all.
func (l *Log) List(f Filter, limit int) ([]Entry, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.listLocked(f, limit)
}

func (l *Log) listLocked(f Filter, limit int) ([]Entry, int) {
	var out []Entry
	total := 0
	n := l.next
	if l.full {
		n = len(l.ring)
	}
	for i := 0; i < n; i++ {
		idx := (l.next - 1 - i + len(l.ring)) % len(l.ring)
		e := l.ring[idx]
		if !f.Match(e) {
			continue
		}
		total++
		if limit <= 0 || len(out) < limit {
			out = append(out, *e)
		}
	}
	return out, total
}

// Wait blocks until at least n entries match the filter or ctx ends, and
// returns the matching entries, newest first. It never sleeps: each append
// wakes it to count again.
func (l *Log) Wait(ctx context.Context, f Filter, n int) ([]Entry, error) {
	l.mu.Lock()
	for {
		out, total := l.listLocked(f, 0)
		if total >= n {
			l.mu.Unlock()
			return out, nil
		}
		ch := l.changed
		l.waiters++
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			l.mu.Lock()
			l.waiters--
			out, _ = l.listLocked(f, 0)
			l.mu.Unlock()
			return out, ctx.Err()
		}
		l.mu.Lock()
		l.waiters--
	}
}
