package emulators

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestLogGrowsAsItFills: an empty log holds no ring (#18 item 5), and a
// full one holds exactly its capacity, newest first.
func TestLogGrowsAsItFills(t *testing.T) {
	t.Parallel()
	l := NewLog(1000, 0)
	if cap(l.ring) != 0 {
		t.Fatalf("an empty log pre-allocates %d slots", cap(l.ring))
	}
	for i := 0; i < 3; i++ {
		l.Append(&Entry{})
	}
	if cap(l.ring) > 16 {
		t.Fatalf("a log of 3 entries holds %d slots", cap(l.ring))
	}
	for i := 0; i < 2500; i++ {
		l.Append(&Entry{})
	}
	if cap(l.ring) != 1000 || l.Stats().Entries != 1000 {
		t.Fatalf("a full log holds %d slots, %d entries", cap(l.ring), l.Stats().Entries)
	}
	got, total := l.List(Filter{}, 0)
	if total != 1000 || got[0].ID != 2503 || got[999].ID != 1504 {
		t.Fatalf("newest %d, oldest %d, total %d", got[0].ID, got[999].ID, total)
	}
	l.Clear()
	if cap(l.ring) != 0 || l.Stats().Entries != 0 {
		t.Fatal("a cleared log keeps its ring")
	}
}

// TestLogBodiesWithinBudget: the bodies a log keeps stay within its byte
// budget, the oldest dropped first and marked; the entries stay.
func TestLogBodiesWithinBudget(t *testing.T) {
	t.Parallel()
	l := NewLog(10, 250)
	body := json.RawMessage(`{"k":"` + strings.Repeat("x", 92) + `"}`) // 100 bytes
	for i := 0; i < 25; i++ {
		l.Append(&Entry{Body: body})
		if l.bodyBytes > 250 {
			t.Fatalf("after %d appends the log keeps %d bytes of bodies", i+1, l.bodyBytes)
		}
	}
	got, _ := l.List(Filter{}, 0)
	for i, e := range got {
		kept := i < 2
		if (len(e.Body) > 0) != kept || e.BodyDropped == kept {
			t.Fatalf("entry %d (newest first): body %d bytes, dropped %v", i, len(e.Body), e.BodyDropped)
		}
	}
	if l.bodyBytes != 200 {
		t.Fatalf("keeps %d bytes of bodies, want 200", l.bodyBytes)
	}
}

// TestWaitersMatchEachEntryOnce: an append matches the new entry against
// each waiter once, counts evictions and Clear, and wakes a waiter only
// when its count is reached (#13 item 7).
func TestWaitersMatchEachEntryOnce(t *testing.T) {
	t.Parallel()
	l := NewLog(3, 0)
	l.Append(&Entry{Event: "A"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	results := make([][]Entry, 2)
	for i, ev := range []string{"A", "B"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = l.Wait(ctx, Filter{Event: ev}, 3)
		}()
	}
	waitFor(t, l, 2)
	l.mu.Lock()
	for _, w := range l.waiters {
		if want := map[string]int{"A": 1, "B": 0}[w.f.Event]; w.count != want {
			t.Errorf("waiter %s counts %d, want %d", w.f.Event, w.count, want)
		}
	}
	l.mu.Unlock()
	l.Append(&Entry{Event: "A"})
	l.Append(&Entry{Event: "B"})
	l.Append(&Entry{Event: "A"}) // evicts the first A: A still counts 2
	l.mu.Lock()
	for _, w := range l.waiters {
		if want := map[string]int{"A": 2, "B": 1}[w.f.Event]; w.count != want {
			t.Errorf("waiter %s counts %d, want %d", w.f.Event, w.count, want)
		}
	}
	l.mu.Unlock()
	l.Clear()
	for _, ev := range []string{"A", "A", "A"} {
		l.Append(&Entry{Event: ev})
	}
	waitFor(t, l, 1) // A is satisfied and gone; B still waits
	cancel()
	wg.Wait()
	if len(results[0]) != 3 || len(results[1]) != 0 {
		t.Fatalf("A got %d entries, B %d", len(results[0]), len(results[1]))
	}
}

// waitFor blocks until n waiters are registered, yielding to them.
func waitFor(t *testing.T, l *Log, n int) {
	t.Helper()
	for {
		l.mu.Lock()
		got := len(l.waiters)
		l.mu.Unlock()
		if got == n {
			return
		}
		runtime.Gosched() // no sleep: the waiters only need to be scheduled

	}
}

func basic(key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"))
}

// TestLogKeepsUnencodableBodiesAsText: a body that is not JSON, has
// trailing data or nests too deep is kept as text, so the log's entries
// always encode (#13 item 1).
func TestLogKeepsUnencodableBodiesAsText(t *testing.T) {
	t.Parallel()
	w, err := NewWorld(Config{Emulators: []Emulator{Register(nop{})}})
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("[", 9990) + strings.Repeat("]", 9990)
	for name, body := range map[string]string{
		"not JSON":      "hello <b>",
		"trailing data": `{"type":"track"} x`,
		"too deep":      `{"type":"track","properties":{"a":` + deep + `}}`,
		"bad UTF-8":     "{\"type\":\"tr\xffack\"}",
	} {
		ans := w.Deliver(&Delivery{Destination: "nop", Authorization: basic("k"), Body: []byte(body)})
		if ans.Status != http.StatusBadRequest {
			t.Errorf("%s: status %d", name, ans.Status)
		}
		if ans.Entry.Body != nil || ans.Entry.BodyText == "" {
			t.Errorf("%s: logged body %d bytes as JSON, %d as text", name, len(ans.Entry.Body), len(ans.Entry.BodyText))
		}
	}
	ns, _ := w.Namespace(DefaultNamespace, false)
	items, _ := ns.Log.List(Filter{}, 0)
	if b, err := json.Marshal(map[string]any{"items": items}); err != nil || len(b) == 0 {
		t.Fatalf("the log does not encode: %v", err)
	}
	ok := w.Deliver(&Delivery{Destination: "nop", Authorization: basic("k"), Body: []byte(`{"type":"track","event":"E","userId":"u"}`)})
	if ok.Status != 200 || string(ok.Entry.Body) != `{"type":"track","event":"E","userId":"u"}` || ok.Entry.BodyText != "" {
		t.Fatalf("a JSON body is logged as %s / %q", ok.Entry.Body, ok.Entry.BodyText)
	}
}

// BenchmarkLogAppendWaiters measures an append with long-polls waiting that
// never complete: each costs the append one filter match (#13 item 7).
func BenchmarkLogAppendWaiters(b *testing.B) {
	for _, waiters := range []int{0, 50} {
		b.Run("waiters="+strconv.Itoa(waiters), func(b *testing.B) {
			l := NewLog(1000, DefaultLogBodyBytes)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			for range waiters {
				go func() { _, _ = l.Wait(ctx, Filter{Event: "Never"}, 1) }()
			}
			for l.Stats().Waiters < waiters {
				runtime.Gosched()
			}
			e := Entry{Destination: "d", Type: "track", Event: "E", UserID: "u", Status: 200, Outcome: OutcomeOK}
			b.ReportAllocs()
			for b.Loop() {
				c := e
				l.Append(&c)
			}
		})
	}
}
