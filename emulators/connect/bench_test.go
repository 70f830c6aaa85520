package connect_test

import (
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/emulators/connect"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

// BenchmarkWebhookConnect measures the identify path end to end in process:
// Gin, the webhook contract, and Connect's identify with a name to split,
// email, phone, an iOS device token, a timezone and a few free traits.
// Each message has its own messageId (G-10) and one of 1024 users.
func BenchmarkWebhookConnect(b *testing.B) {
	h := testkit.BenchServer(b, testkit.WithStrict()).Handler()
	testkit.BenchAccount(b, h, "connect", client.AccountSpec{ID: "production",
		Config: map[string]any{"environment": "production"}, Keys: []client.KeySpec{{Value: "bench-key"}}})
	body := testkit.NumberedBodies(`{"type":"identify","messageId":"bench-`, `","userId":"user-`,
		`","traits":{"name":"Michael Bolton","email":"mbolton@initech.com","phone":"1234567890",`+
			`"timezone":"America/Argentina/Buenos_Aires","plan":"Startup","seats":12,"trial":false},`+
			`"context":{"device":{"type":"ios","token":"XXXYYYZZZ"}},"timestamp":"2025-03-14T09:26:53Z"}`,
		func(i int) int { return i % 1024 })
	testkit.ServeBenchmark(b, h, "/connect", testkit.SegmentHeader("bench-key", nil), body)
}

// BenchmarkLookupConnect (#18) looks one user up through the control
// plane, by each indexed filter and by the user route, in an environment of
// 10,000 users, and of 1,000,000 with DESTEMU_BENCH_SCALE=1. An index
// answers every one, so the two sizes should cost alike.
func BenchmarkLookupConnect(b *testing.B) {
	testkit.LookupBenchmark(b, "connect", "users", connect.SeedUsers,
		testkit.Lookup{Name: "email", Target: "users?email=u-%d@example.com"},
		testkit.Lookup{Name: "last_name", Target: "users?last_name=Last-%d"},
		testkit.Lookup{Name: "phone_number", Target: "users?phone_number=%%2B1+555+%d"},
		testkit.Lookup{Name: "apns", Target: "users?apns=apns-%d"},
		testkit.Lookup{Name: "get", Target: "users/u-%d"})
}

// BenchmarkTrackConnectScale (#18) is the track path to an existing
// user of an account of 10,000 users, and of 1,000,000 with
// DESTEMU_BENCH_SCALE=1, each with one stored event (retention off, so
// that the million stay): the user is found by its key, so the two should
// cost alike.
func BenchmarkTrackConnectScale(b *testing.B) {
	testkit.ScaleBenchmark(b, "connect", "users", func(st emulators.State, n int) {
		connect.SeedUsers(st, n)
		connect.SeedEvents(st)
	}, testkit.WithConfig(func(c *server.Config) { c.Retention.Events = -1 }))
}
