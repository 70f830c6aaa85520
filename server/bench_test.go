package server_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
	"github.com/destemu/destemu/testkit"
)

// noop accepts every call and does nothing: it measures the platform alone.
type noop struct{}

func (noop) Info() emulators.Info {
	return emulators.Info{Slug: "noop", Name: "Noop", Accepts: segment.Types}
}
func (noop) NewState(json.RawMessage) (*struct{}, error) { return &struct{}{}, nil }
func (noop) Provision(emulators.Settings) *struct{}      { return &struct{}{} }
func (noop) Reindex(*struct{}) error                     { return nil }
func (noop) Resources() []emulators.Resource[*struct{}]  { return nil }
func (noop) Handle(r *emulators.Request, _ *struct{}) error {
	r.Did("nothing")
	return nil
}

// benchBody is a typical identify: a few traits and a browser context.
var benchBody = []byte(`{"type":"identify","userId":"019mr8mf4r","messageId":"m-1",
"timestamp":"2026-01-02T03:04:05Z","traits":{"email":"ada@example.com","firstName":"Ada",
"lastName":"Lovelace","plan":"pro","logins":42},"context":{"ip":"203.0.113.9","locale":"en-GB",
"userAgent":"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36","page":{"url":"https://example.com/a"}}}`)

// BenchmarkBareGin is the floor: a Gin handler that only decodes the JSON
// body and answers 200.
func BenchmarkBareGin(b *testing.B) {
	testkit.ServeBenchmark(b, bareGin(), "/bare", testkit.SegmentHeader("bench-key", nil), testkit.SameBody(benchBody))
}

// BenchmarkWebhookNoop is the whole webhook path (auth, settings, decode,
// validate, dedupe, the destination, the request log, metrics) with a
// destination that does nothing. The body carries no messageId, so every
// request is applied rather than answered as a duplicate.
func BenchmarkWebhookNoop(b *testing.B) {
	h := testkit.BenchServer(b, testkit.WithEmulators(emulators.Register(noop{}))).Handler()
	testkit.BenchAccount(b, h, "noop", client.AccountSpec{ID: "a", Keys: []client.KeySpec{{Value: "bench-key"}}})
	body := bytes.Replace(benchBody, []byte(`"messageId":"m-1",`), nil, 1)
	testkit.ServeBenchmark(b, h, "/noop", testkit.SegmentHeader("bench-key", nil), testkit.SameBody(body))
}
