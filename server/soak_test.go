package server_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

// BenchmarkSoak is a long-running sandbox compressed: each iteration is one
// request of a sandbox that receives 10 requests a second from 10,000
// distinct users (one identify in ten, the rest track calls, each with its
// own messageId), with the namespace clock moved 100 ms per request. It
// runs in process, with no socket. What it keeps fills up twice: the
// stored events reach the retention bound after about 111,000 requests,
// and the messageIds kept for deduplication (G-10, 24 hours) stop growing
// after 864,000 requests, a day of the namespace clock, their set reaching
// its largest size a quarter of a day later (expired ids are swept when it
// has grown by a quarter). Run it well past both, one destination per
// process so that the resident memory is that destination's, e.g.
//
//	go test -run XXX -bench 'Soak/dest=connect$' -benchtime 2000000x ./server/
//
// Every 10,000 requests it samples the live heap (after a GC) and the
// process's resident memory, and it reports them when the events first
// reach the bound (events-full-heap-MB), once everything is full, after a
// day and a quarter (full-heap-MB, full-rss-MB), the most any later sample
// saw (peak-heap-MB, peak-rss-MB) and at the end (heap-MB, rss-MB), with
// the events and users stored and the heap per stored event. The figures
// in docs/operations.md come from this benchmark.
func BenchmarkSoak(b *testing.B) {
	for _, dest := range soakDestinations {
		b.Run("dest="+dest, func(b *testing.B) {
			srv := testkit.BenchServer(b)
			body := soakSetup(b, srv, dest)
			acct := soakAccount(b, srv, dest)
			var eventsFull, full, peak heldSample
			step := func(i int) []byte {
				if i > 0 && i%soakSample == 0 {
					b.StopTimer()
					s := sampleHeld(acct)
					if eventsFull.heap == 0 && s.events >= emulators.DefaultRetainEvents {
						eventsFull = s
					}
					switch {
					case full.heap == 0 && eventsFull.heap != 0 && i >= soakFull:
						full = s
					case full.heap != 0:
						peak.heap, peak.rss = max(peak.heap, s.heap), max(peak.rss, s.rss)
					}
					b.StartTimer()
				}
				return body(i)
			}
			testkit.ServeBenchmark(b, srv.Handler(), "/"+dest, testkit.SegmentHeader("soak-key", nil), step)
			b.StopTimer()
			end := sampleHeld(acct)
			if eventsFull.heap != 0 {
				b.ReportMetric(mb(eventsFull.heap), "events-full-heap-MB")
			}
			if full.heap != 0 {
				b.ReportMetric(mb(full.heap), "full-heap-MB")
				b.ReportMetric(mb(full.rss), "full-rss-MB")
				b.ReportMetric(mb(max(peak.heap, end.heap)), "peak-heap-MB")
				b.ReportMetric(mb(max(peak.rss, end.rss)), "peak-rss-MB")
			}
			b.ReportMetric(mb(end.heap), "heap-MB")
			b.ReportMetric(mb(end.rss), "rss-MB")
			b.ReportMetric(float64(end.events), "events")
			b.ReportMetric(float64(end.users), "users")
			if end.events > 0 {
				b.ReportMetric(float64(end.heap)/float64(end.events), "heap-B/event")
			}
		})
	}
}

// soakFull is a day and a quarter of the soak's namespace clock, in
// requests: by then the messageIds of the last 24 hours are kept, and
// their set has reached its largest size.
const soakFull = 864_000 * 5 / 4

// soakSample is how many requests apart the soak samples memory.
const soakSample = 10_000

// heldSample is what a soak holds at one moment.
type heldSample struct {
	heap, rss     uint64
	users, events int
}

// sampleHeld collects the garbage and reads the live heap, the resident
// memory and what the account stores.
func sampleHeld(a *emulators.Account) heldSample {
	s := heldSample{heap: liveHeap(), rss: rss()}
	s.users, s.events, _ = a.Stored()
	return s
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// soakAccount is the soak's account of dest.
func soakAccount(tb testing.TB, srv *server.Server, dest string) *emulators.Account {
	tb.Helper()
	ns, _ := srv.World().Namespace(emulators.DefaultNamespace, false)
	a, err := ns.Account(dest, "soak")
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// soakDestinations are the destinations that store events.
var soakDestinations = []string{"connect", "promoter", "usercom", "startdeliver"}

// soakSetup creates account "soak" of dest, with key "soak-key", in srv's
// default namespace, freezes its clock, and returns the body of request i
// of the soak: each call moves the clock 100 ms (10 requests a second).
func soakSetup(tb testing.TB, srv *server.Server, dest string) func(i int) []byte {
	tb.Helper()
	spec := client.AccountSpec{ID: "soak", Keys: []client.KeySpec{{Value: "soak-key"}}}
	switch dest {
	case "promoter":
		limit := 1 << 40
		spec.Config = client.PromoterConfig{DailyLimit: &limit}
	case "startdeliver": // users exist up front: its webhook creates none
		spec.Settings = map[string]any{"startdeliverUserCustomFieldToMatchOn": "externalId"}
		cfg := client.StartdeliverConfig{CustomFields: []client.StartdeliverCustomField{{Alias: "externalId", Type: "text", Entity: "user"}}}
		for u := range 10_000 {
			cfg.Users = append(cfg.Users, client.StartdeliverUserSpec{Name: "u", CustomFields: map[string]any{"externalId": "u-" + strconv.Itoa(u)}})
		}
		spec.Config = cfg
	}
	testkit.BenchAccount(tb, srv.Handler(), dest, spec)
	ns, _ := srv.World().Namespace(emulators.DefaultNamespace, false)
	ns.Clock.Freeze()
	first := `{"type":"identify","messageId":"soak-`
	if dest == "startdeliver" {
		first = `{"type":"page","name":"Home","messageId":"soak-`
	}
	user := func(i int) int { return i % 10_000 }
	identify := testkit.NumberedBodies(first, `","userId":"u-`,
		`","traits":{"email":"soak@example.com","firstName":"Soak","plan":"pro"}}`, user)
	track := testkit.NumberedBodies(`{"type":"track","messageId":"soak-`, `","userId":"u-`,
		`","event":"Order Completed","properties":{"orderId":"o-1","total":30,"currency":"USD"}}`, user)
	return func(i int) []byte {
		if _, err := ns.Clock.Advance(100 * time.Millisecond); err != nil {
			tb.Fatal(err)
		}
		if i%10 == 0 {
			return identify(i)
		}
		return track(i)
	}
}
