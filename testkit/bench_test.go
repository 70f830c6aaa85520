package testkit_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// The in-process client drives the server's handler with no listener: an
// account, a webhook and the request log all go through it.
func TestHandlerClient(t *testing.T) {
	t.Parallel()
	h := testkit.BenchServer(t, testkit.WithStrict()).Handler()
	testkit.BenchAccount(t, h, "usercom", client.AccountSpec{ID: "acme", Keys: []client.KeySpec{{Value: "k"}}})
	c := testkit.HandlerClient(h)
	ctx := context.Background()
	if _, err := c.Send(ctx, "usercom", "k", nil, client.Identify("u1", map[string]any{"email": "ada@example.com"})); err != nil {
		t.Fatal(err)
	}
	log, err := c.Requests(ctx, client.RequestFilter{Destination: "usercom"})
	if err != nil || len(log) != 1 || log[0].Status != 200 || log[0].Account != "acme" {
		t.Fatalf("request log %+v, %v", log, err)
	}
	if _, err := c.Send(ctx, "usercom", "unknown", nil, client.Identify("u1", nil)); client.StatusOf(err) != 401 {
		t.Fatalf("unknown key in strict mode: %v, want 401", err)
	}
}

// ExampleSegmentHeader shows what Segment sends with a webhook, with and
// without settings.
func ExampleSegmentHeader() {
	h := testkit.SegmentHeader("my-key", nil)
	fmt.Println(h.Get("Authorization"), h.Get("X-Segment-Settings"), h.Get("User-Agent"))
	fmt.Println(testkit.SegmentHeader("my-key", map[string]any{"region": "eu"}).Get("X-Segment-Settings"))
	// Output:
	// Basic bXkta2V5Og== e30= Segment.io/1.0
	// eyJyZWdpb24iOiJldSJ9
}

// ExampleServeBenchmark is a destination's webhook benchmark: a server with
// no socket, an account, and one body sent again and again. Its figures
// compare with server's BenchmarkBareGin, measured by the same harness.
func ExampleServeBenchmark() {
	res := testing.Benchmark(func(b *testing.B) {
		h := testkit.BenchServer(b).Handler()
		testkit.BenchAccount(b, h, "usercom", client.AccountSpec{ID: "bench", Keys: []client.KeySpec{{Value: "bench-key"}}})
		body := []byte(`{"type":"identify","userId":"u1","traits":{"email":"ada@example.com"}}`)
		testkit.ServeBenchmark(b, h, "/usercom", testkit.SegmentHeader("bench-key", nil), testkit.SameBody(body))
	})
	fmt.Println(res, res.MemString())
}
