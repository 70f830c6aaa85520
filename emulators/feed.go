package emulators

import (
	"encoding/json"
	"sync"
	"sync/atomic"
)

// Feed fans a log's new entries out to live viewers (the web UI, `destemu
// tail`). It is deliberately not the long-poll wait: a viewer is a consumer
// that may be slow or stalled, and the webhook that appends an entry must
// never wait for it. Each subscriber has a bounded buffer; publishing is a
// non-blocking send, and a subscriber whose buffer is full is dropped (its
// channel closed) rather than waited for. A dropped viewer reconnects and
// catches up from the log by entry ID.
type Feed struct {
	n    atomic.Int32 // subscriber count, read without the lock on every append
	mu   sync.Mutex   // guards subs; taken inside Log.mu by Append (lock order: Log.mu, then Feed.mu)
	subs map[*Subscription]struct{}
}

// Subscription is one live viewer of a Feed.
type Subscription struct {
	// C receives each new entry once, in ID order. It is closed when the
	// subscription ends: by Close, or because the viewer fell behind by more
	// than its buffer (Dropped then reports true).
	C       <-chan *FeedItem
	c       chan *FeedItem
	feed    *Feed
	dropped atomic.Bool
}

// FeedItem is one new entry as the feed hands it to every viewer. Its JSON
// is encoded once, by the first viewer that asks, and shared by the rest:
// twenty open tabs cost one encoding per entry, not twenty, and none of it
// on the webhook's goroutine.
type FeedItem struct {
	Entry *Entry // never changed after Append
	once  sync.Once
	data  []byte
}

// JSON returns the entry encoded as JSON.
func (it *FeedItem) JSON() []byte {
	it.once.Do(func() {
		it.data, _ = json.Marshal(it.Entry) // an Entry always encodes
	})
	return it.data
}

// DefaultFeedBuffer is how many entries a viewer may fall behind before it
// is dropped.
const DefaultFeedBuffer = 256

// Subscribe starts a subscription whose channel holds up to buffer entries
// (DefaultFeedBuffer when not positive).
func (f *Feed) Subscribe(buffer int) *Subscription {
	if buffer <= 0 {
		buffer = DefaultFeedBuffer
	}
	c := make(chan *FeedItem, buffer)
	s := &Subscription{C: c, c: c, feed: f}
	f.mu.Lock()
	if f.subs == nil {
		f.subs = map[*Subscription]struct{}{}
	}
	f.subs[s] = struct{}{}
	f.n.Store(int32(len(f.subs)))
	f.mu.Unlock()
	return s
}

// Subscribers reports how many viewers are subscribed.
func (f *Feed) Subscribers() int { return int(f.n.Load()) }

// Close ends the subscription; it is safe to call more than once and after
// the subscription was dropped.
func (s *Subscription) Close() {
	s.feed.remove(s)
}

// Dropped reports whether the subscription ended because its viewer fell
// behind.
func (s *Subscription) Dropped() bool { return s.dropped.Load() }

func (f *Feed) remove(s *Subscription) {
	f.mu.Lock()
	f.removeLocked(s)
	f.mu.Unlock()
}

func (f *Feed) removeLocked(s *Subscription) {
	if _, ok := f.subs[s]; !ok {
		return
	}
	delete(f.subs, s)
	close(s.c)
	f.n.Store(int32(len(f.subs)))
}

// publish hands e to every subscriber without blocking. With no
// subscribers it costs one atomic load.
func (f *Feed) publish(e *Entry) {
	if f.n.Load() == 0 {
		return
	}
	it := &FeedItem{Entry: e}
	f.mu.Lock()
	for s := range f.subs {
		select {
		case s.c <- it:
		default: // full: drop the viewer, never wait for it
			s.dropped.Store(true)
			f.removeLocked(s)
		}
	}
	f.mu.Unlock()
}

// closeAll ends every subscription (the namespace is gone).
func (f *Feed) closeAll() {
	f.mu.Lock()
	for s := range f.subs {
		f.removeLocked(s)
	}
	f.mu.Unlock()
}
