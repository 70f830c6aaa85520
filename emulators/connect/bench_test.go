package connect_test

import (
	"testing"

	"github.com/destemu/destemu/client"
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
