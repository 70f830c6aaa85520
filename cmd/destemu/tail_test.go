package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// lines collects written lines and hands each to a channel.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
	c   chan string
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.WriteString(line) // not a whole line yet
			return len(p), nil
		}
		l.c <- strings.TrimSuffix(line, "\n")
	}
}

// TestTail: destemu tail prints the newest -n logged requests, then each
// new one matching its filters, in the client's one-line form, and ends
// cleanly when stopped.
func TestTail(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := srv.Client()
	send := func(dest, user string) {
		t.Helper()
		testkit.Must(c.Send(ctx, dest, "k-"+dest, nil, client.Identify(user, map[string]any{"email": user + "@example.com"})))(t)
	}
	send("usercom", "old")
	send("usercom", "newest")
	out := &lines{c: make(chan string, 10)}
	var errb bytes.Buffer
	tctx, stop := context.WithCancel(ctx)
	done := make(chan int, 1)
	go func() {
		done <- runContext(tctx, []string{"tail", "--url", srv.URL(), "-n", "1", "--destination", "usercom"}, noEnv, out, &errb)
	}()
	next := func() string {
		t.Helper()
		select {
		case l := <-out.c:
			return l
		case <-ctx.Done():
			t.Fatalf("no line; stderr: %s", errb.String())
			return ""
		}
	}
	if l := next(); !strings.HasPrefix(l, "#2 200 ok usercom/k-usercom identify") || !strings.Contains(l, "user=newest") {
		t.Fatalf("first line %q, want the newest logged request", l)
	}
	send("promoter", "elsewhere") // filtered out
	send("usercom", "live")
	if l := next(); !strings.HasPrefix(l, "#4 200 ok usercom/") || !strings.Contains(l, "user=live") {
		t.Fatalf("live line %q", l)
	}
	stop()
	if code := <-done; code != 0 {
		t.Fatalf("tail ended with %d: %s", code, errb.String())
	}
	if code := run([]string{"tail", "--status", "abc"}, noEnv, out, &errb); code != 1 || !strings.Contains(errb.String(), "--status") {
		t.Fatalf("a bad status: %d %s", code, errb.String())
	}
}
