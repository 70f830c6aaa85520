package emulators

import (
	"fmt"
	"sync"
	"testing"
)

func TestFeedDeliversInOrder(t *testing.T) {
	t.Parallel()
	l := NewLog(10)
	sub := l.Subscribe(100)
	defer sub.Close()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Append(&Entry{Destination: fmt.Sprint("d", i)})
		}()
	}
	wg.Wait()
	var last uint64
	for range 50 {
		e := (<-sub.C).Entry
		if e.ID != last+1 {
			t.Fatalf("entry %d after %d: want IDs in order", e.ID, last)
		}
		last = e.ID
	}
	if sub.Dropped() {
		t.Fatal("a subscriber that kept up was dropped")
	}
}

// A viewer that stops reading is dropped once its buffer is full; the
// appends go on without waiting, and other viewers keep their entries.
func TestFeedDropsStalledViewer(t *testing.T) {
	t.Parallel()
	l := NewLog(10)
	stalled := l.Subscribe(2)
	live := l.Subscribe(100)
	defer live.Close()
	for range 5 { // would block on the third if publishing waited
		l.Append(&Entry{})
	}
	n := 0
	for range stalled.C { // closed after the two it could hold
		n++
	}
	if n != 2 || !stalled.Dropped() {
		t.Fatalf("stalled viewer: got %d entries, dropped %v; want 2, true", n, stalled.Dropped())
	}
	if len(live.C) != 5 || live.Dropped() {
		t.Fatalf("live viewer holds %d entries (dropped %v), want 5", len(live.C), live.Dropped())
	}
	if got := l.Subscribers(); got != 1 {
		t.Fatalf("Subscribers() = %d, want 1", got)
	}
	stalled.Close() // after the drop: no panic, no double close
	live.Close()
	live.Close()
	if got := l.Subscribers(); got != 0 {
		t.Fatalf("Subscribers() = %d after Close, want 0", got)
	}
}

func TestFeedEndsWhenNamespaceIsDeleted(t *testing.T) {
	t.Parallel()
	w, err := NewWorld(Config{Emulators: []Emulator{Register(nop{})}})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := w.Namespace("gone", true)
	if err != nil {
		t.Fatal(err)
	}
	sub := ns.Log.Subscribe(1)
	if err := w.DeleteNamespace("gone"); err != nil {
		t.Fatal(err)
	}
	if _, open := <-sub.C; open {
		t.Fatal("the subscription outlived its namespace")
	}
	if sub.Dropped() {
		t.Fatal("a deleted namespace is not a slow viewer")
	}
}

// BenchmarkLogAppend is what a webhook pays to log its entry, with no live
// viewer, with 20 that keep up, and with 20 that never read (dropped once
// their buffers fill).
func BenchmarkLogAppend(b *testing.B) {
	for _, name := range []string{"none", "20-reading", "20-stalled"} {
		viewers, read := map[bool]int{true: 0, false: 20}[name == "none"], name != "20-stalled"
		b.Run(name, func(b *testing.B) {
			l := NewLog(1000)
			var wg sync.WaitGroup
			for range viewers {
				// Readers get room enough never to be dropped: this measures
				// the fan-out itself; stalled ones get the usual buffer.
				sub := l.Subscribe(map[bool]int{true: 1 << 20, false: 0}[read])
				if read {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range sub.C {
						}
					}()
				}
				b.Cleanup(sub.Close)
			}
			b.ReportAllocs()
			for b.Loop() {
				l.Append(&Entry{Destination: "d"})
			}
			b.StopTimer()
			b.ReportMetric(float64(l.Subscribers()), "viewers-left")
			l.feed.closeAll()
			wg.Wait()
		})
	}
}
