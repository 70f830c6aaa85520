package emulators

import (
	"hash/maphash"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSeenSet (G-10): the dedupe set answers when each id was applied,
// across a hash clash, a sweep that packs the ids' bytes, and instants a
// namespace clock can reach beyond what nanoseconds since 1970 hold.
func TestSeenSet(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2030, 3, 1, 9, 0, 0, 123, time.UTC)
	var s seenSet
	s.add("m-1", t0)
	s.add("m-2", t0.Add(time.Hour))
	// Make "m-3" clash with "m-1": its hash's slot holds m-1's bytes.
	s.byHash[maphash.String(s.seed, "m-3")] = s.byHash[maphash.String(s.seed, "m-1")]
	s.add("m-3", t0.Add(2*time.Hour))
	for id, want := range map[string]time.Time{"m-1": t0, "m-2": t0.Add(time.Hour), "m-3": t0.Add(2 * time.Hour)} {
		if at, ok := s.lookup(id); !ok || !at.Equal(want) {
			t.Fatalf("lookup %s = %v %v, want %v", id, at, ok, want)
		}
	}
	if _, ok := s.lookup("m-4"); ok {
		t.Fatal("an id never added was found")
	}
	got := map[string]time.Time{}
	s.each(func(id string, at time.Time) { got[id] = at })
	if len(got) != 3 || s.len() != 4 { // m-1 holds two slots (its own and m-3's)
		t.Fatalf("each gave %v, len %d", got, s.len())
	}
	// A day after m-1 was applied, a sweep drops m-1 (and the slot that
	// pointed at its bytes) and keeps the others, bytes packed.
	s.sweep(t0.Add(dedupeWindow))
	if _, ok := s.lookup("m-1"); ok {
		t.Fatal("m-1 outlived its day")
	}
	if at, ok := s.lookup("m-3"); !ok || !at.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("m-3 after the sweep: %v %v", at, ok)
	}
	if at, ok := s.lookup("m-2"); !ok || !at.Equal(t0.Add(time.Hour)) || string(s.ids) != "m-2" {
		t.Fatalf("m-2 after the sweep: %v %v, ids %q", at, ok, s.ids)
	}
	// m-3 applied again after its hash's first id expired: one entry.
	s.add("m-3", t0.Add(3*time.Hour))
	if at, _ := s.lookup("m-3"); !at.Equal(t0.Add(3*time.Hour)) || len(s.clashes) != 0 {
		t.Fatalf("m-3 re-applied: %v, clashes %v", at, s.clashes)
	}
	far := time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	s.put("far", far)
	if at, ok := s.lookup("far"); !ok || !at.Equal(far) {
		t.Fatalf("year 9999: %v %v", at, ok)
	}
}

// BenchmarkSeenSet holds a million ids (as the perf traffic numbers
// them) in the set, and beside it in the map of strings to times the set
// replaced: live heap per id, and how much of it is scannable (what the
// collector traces on every cycle).
func BenchmarkSeenSet(b *testing.B) {
	t0 := time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)
	ids := make([]string, 1_000_000)
	for i := range ids {
		ids[i] = "run-m" + strconv.Itoa(i)
	}
	measure := func(b *testing.B, fill func() any) {
		for b.Loop() {
			heap, scan := heapNow()
			kept := fill()
			heap2, scan2 := heapNow()
			b.ReportMetric(float64(heap2-heap)/float64(len(ids)), "heap-B/id")
			b.ReportMetric(float64(scan2-scan)/float64(len(ids)), "scan-B/id")
			runtime.KeepAlive(kept)
		}
	}
	b.Run("set", func(b *testing.B) {
		measure(b, func() any {
			s := &seenSet{}
			for _, id := range ids {
				s.add(id, t0)
			}
			return s
		})
	})
	b.Run("map", func(b *testing.B) {
		measure(b, func() any {
			m := map[string]time.Time{}
			for _, id := range ids {
				m[strings.Clone(id)] = t0 // the id's own string, as a request's
			}
			return m
		})
	})
}

// heapNow is the live heap and its scannable part after a collection.
func heapNow() (live, scan uint64) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/heap:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}
