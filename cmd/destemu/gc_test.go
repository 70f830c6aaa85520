package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestGCPercentBoundsTheSpareHeap(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, scan uint64
		want       int
	}{
		{0, 0, 400}, {10 * mib, 10 * mib, 400}, {64 * mib, 64 * mib, 400},
		{128 * mib, 128 * mib, 200}, {200 * mib, 200 * mib, 128},
		// A heap made of pointers: Go's default pace.
		{256 * mib, 256 * mib, 100}, {4096 * mib, 4096 * mib, 100},
		// Mostly bytes: the spare follows the scannable part, not below
		// the headroom.
		{1024 * mib, 300 * mib, 29}, {1024 * mib, 100 * mib, 25}, {512 * mib, 10 * mib, 50},
		{100 << 30, 1 << 30, 1},
	} {
		got := gcPercent(c.live, c.scan)
		if got != c.want {
			t.Errorf("gcPercent(%d MiB, %d MiB scannable) = %d, want %d", c.live/mib, c.scan/mib, got, c.want)
		}
		// The heap may grow by at most max(min(headroom, 4×live), scan) before a collection.
		if spare := c.live * uint64(got) / 100; c.live > 0 && spare > max(min(gcHeadroom, 4*c.live), c.scan) {
			t.Errorf("live %d MiB: %d MiB spare", c.live/mib, spare/mib)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the flusher's goroutine.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String(), s.writes
}

func TestLogBufferBatchesLinesAndLosesNone(t *testing.T) {
	var out syncBuffer
	lb := newLogBuffer(&out)
	for range 100 {
		lb.Write([]byte("level=INFO msg=webhook\n"))
	}
	// Within the flush interval the lines arrive, in far fewer writes.
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, writes := out.String()
		if strings.Count(got, "\n") == 100 {
			if writes > 10 {
				t.Errorf("100 lines took %d writes", writes)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lines not flushed: %d of 100", strings.Count(got, "\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A full buffer is written at once; Close writes the rest.
	big := bytes.Repeat([]byte("x"), logBufferSize)
	lb.Write(big)
	lb.Write([]byte("last\n"))
	if err := lb.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := out.String(); !strings.HasSuffix(got, "last\n") || len(got) != 100*23+logBufferSize+5 {
		t.Errorf("after Close: %d bytes, tail %q", len(got), got[max(0, len(got)-10):])
	}
}
