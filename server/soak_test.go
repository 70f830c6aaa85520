package server_test

import (
	"runtime"
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
// runs in process, with no socket. Run it with a count, e.g.
//
//	go test -run XXX -bench Soak -benchtime 300000x ./server/
//
// and it reports, after a final GC, the live heap (MB), the events stored
// and the heap per stored event. With retention at its default the stored
// events stop at 100,000 per account and the heap levels off; the figures
// in docs/operations.md come from this benchmark.
func BenchmarkSoak(b *testing.B) {
	for _, dest := range soakDestinations {
		b.Run("dest="+dest, func(b *testing.B) {
			srv := testkit.BenchServer(b)
			body := soakSetup(b, srv, dest)
			testkit.ServeBenchmark(b, srv.Handler(), "/"+dest, testkit.SegmentHeader("soak-key", nil), body)
			b.StopTimer()
			reportHeld(b, srv, dest)
		})
	}
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

// reportHeld reports the live heap after a GC and the events stored.
func reportHeld(b *testing.B, srv *server.Server, dest string) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	ns, _ := srv.World().Namespace(emulators.DefaultNamespace, false)
	a, err := ns.Account(dest, "soak")
	if err != nil {
		b.Fatal(err)
	}
	users, events, _ := a.Stored()
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
	b.ReportMetric(float64(events), "events")
	b.ReportMetric(float64(users), "users")
	if events > 0 {
		b.ReportMetric(float64(ms.HeapAlloc)/float64(events), "heap-B/event")
	}
}
