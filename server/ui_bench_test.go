package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/testkit"
)

// BenchmarkWebhookViewers is BenchmarkWebhookNoop with live viewers of the
// request log connected over real sockets: none, 20 that keep up (each a
// browser tab or `destemu tail`), and 20 stalled ones that never read (their
// sockets fill, the server drops them). The webhook path must cost about
// the same in all three: it hands each entry to each viewer without waiting.
func BenchmarkWebhookViewers(b *testing.B) {
	for _, bc := range []struct {
		name    string
		viewers int
		read    bool
	}{{"none", 0, true}, {"20-reading", 20, true}, {"20-stalled", 20, false}} {
		b.Run(bc.name, func(b *testing.B) {
			srv := testkit.BenchServer(b, testkit.WithEmulators(emulators.Register(noop{})))
			h := srv.Handler()
			testkit.BenchAccount(b, h, "noop", client.AccountSpec{ID: "a", Keys: []client.KeySpec{{Value: "bench-key"}}})
			hs := httptest.NewServer(h)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for range bc.viewers {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, hs.URL+"/_emulator/requests/stream", nil)
				resp, err := http.DefaultClient.Do(req) // answers once subscribed
				if err != nil {
					b.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer resp.Body.Close()
					if bc.read {
						_, _ = io.Copy(io.Discard, resp.Body)
						return
					}
					<-ctx.Done() // never reads
				}()
			}
			b.Cleanup(func() {
				cancel()
				srv.CloseStreams()
				wg.Wait()
				hs.Close()
			})
			body := bytes.Replace(benchBody, []byte(`"messageId":"m-1",`), nil, 1)
			testkit.ServeBenchmark(b, h, "/noop", testkit.SegmentHeader("bench-key", nil), testkit.SameBody(body))
			ns, err := srv.World().Namespace("default", false)
			if err != nil {
				b.Fatal(err)
			}
			// Subscribed viewers at the end: a stalled one is dropped.
			b.ReportMetric(float64(ns.Log.Subscribers()), "viewers-left")
		})
	}
}
