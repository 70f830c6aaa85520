package main

import (
	"io"
	"sync"
	"time"
)

// logBuffer batches the server's log lines into few writes: a webhook
// logs a line per request, and a write to stderr per line cost a system
// call per request. Lines reach w within logFlushEvery, at once when
// logBufferSize bytes wait, and all of them on Close.
type logBuffer struct {
	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	err  error
	stop chan struct{}
	done chan struct{}
}

const (
	logFlushEvery = 100 * time.Millisecond
	logBufferSize = 32 << 10
)

func newLogBuffer(w io.Writer) *logBuffer {
	b := &logBuffer{w: w, buf: make([]byte, 0, logBufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushEvery(logFlushEvery)
	return b
}

// Write keeps p (a whole log record, as slog writes them) for the next
// flush. A failed write to w is reported by the writes that follow.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) >= logBufferSize {
		b.flushLocked()
	}
	return len(p), nil
}

func (b *logBuffer) flushLocked() {
	if len(b.buf) == 0 || b.err != nil {
		return
	}
	_, b.err = b.w.Write(b.buf)
	b.buf = b.buf[:0]
}

func (b *logBuffer) flushEvery(d time.Duration) {
	defer close(b.done)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.mu.Lock()
			b.flushLocked()
			b.mu.Unlock()
		}
	}
}

// Close writes what waits and stops the flushing; w stays open.
func (b *logBuffer) Close() error {
	close(b.stop)
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	return b.err
}
