package startdeliver_test

import (
	"fmt"
	"net/http"
	"runtime"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/emulators/startdeliver"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

// BenchmarkWebhookStartdeliver measures the classic destination's track
// path end to end in process (Gin, the webhook contract, the match through
// the custom field index, the usage event) against accounts of 10,000 and
// 1,000,000 existing users, each with one stored usage event. Matching
// never scans the users, and stored events are not memory the collector
// scans, so the two figures should be close. Each message has its own messageId (G-10) and
// names one of 1024 existing users spread over the whole account. The
// million runs with DESTEMU_BENCH_SCALE=1 (testkit.BenchSizes).
func BenchmarkWebhookStartdeliver(b *testing.B) {
	for _, n := range testkit.BenchSizes(10_000, 1_000_000) {
		b.Run(fmt.Sprintf("track/users=%d", n), func(b *testing.B) {
			h := seededServer(b, n)
			body := testkit.NumberedBodies(`{"type":"track","messageId":"bench-`, `","userId":"u-`,
				`","event":"Login Button Clicked","properties":{"plan":"pro","seats":3},"timestamp":"2025-03-14T09:26:53Z"}`,
				func(i int) int { return (i % 1024) * (n / 1024) })
			// The account stores the settings; the header sends none.
			testkit.ServeBenchmark(b, h, "/startdeliver", testkit.SegmentHeader("bench-key", nil), body)
		})
	}
}

// BenchmarkLookupStartdeliver (#18) looks one user up through the control
// plane, by each indexed filter, and a user's usage events (users/{id} is
// a position in a slice), in an account of 10,000 users, and of 1,000,000 with
// DESTEMU_BENCH_SCALE=1, each with a stored usage event. An index answers
// every one, so the two sizes should cost alike.
func BenchmarkLookupStartdeliver(b *testing.B) {
	testkit.LookupBenchmark(b, "startdeliver", "users", startdeliver.SeedLookupUsers,
		testkit.Lookup{Name: "email", Target: "users?email=u-%d@example.com"},
		testkit.Lookup{Name: "externalId", Target: "users?externalId=u-%d"},
		testkit.Lookup{Name: "usage-events", Target: "usage-events?userId=%d"})
}

// seededServer returns a server with account "acme" holding n users, user i
// with externalId "u-<i>", and a usage event of each, seeded in memory
// rather than through HTTP.
func seededServer(b *testing.B, n int) http.Handler {
	b.Helper()
	// Retention off: the account keeps its million events.
	srv := testkit.BenchServer(b, testkit.WithStrict(), testkit.WithConfig(func(c *server.Config) { c.Retention.Events = -1 }))
	testkit.BenchAccount(b, srv.Handler(), "startdeliver", client.AccountSpec{ID: "acme",
		Settings: matchOn("externalId"),
		Config: map[string]any{"customFields": []map[string]any{
			{"alias": "externalId", "type": "text", "entity": "user"}}},
		Keys: []client.KeySpec{{Value: "bench-key"}}})
	ns, _ := srv.World().Namespace(emulators.DefaultNamespace, false)
	acct, err := ns.Account("startdeliver", "acme")
	if err != nil {
		b.Fatal(err)
	}
	acct.WithState(func(st emulators.State) (any, error) {
		startdeliver.SeedUsers(st, "externalId", n)
		startdeliver.SeedEvents(st)
		return nil, nil
	})
	runtime.GC() // collect the seeding's garbage before the clock starts
	return srv.Handler()
}
