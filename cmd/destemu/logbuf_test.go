package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

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
