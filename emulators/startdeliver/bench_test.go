package startdeliver_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/emulators/startdeliver"
	"github.com/destemu/destemu/server"
)

// BenchmarkWebhookStartdeliver measures the classic destination's track
// path end to end in process (Gin, the webhook contract, the match through
// the custom field index, the usage event) against accounts of 10,000 and
// 1,000,000 existing users. Matching never scans the users, so the two
// figures should be close. Each message has its own messageId (G-10) and
// names one of 1024 existing users spread over the whole account.
func BenchmarkWebhookStartdeliver(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("track/users=%d", n), func(b *testing.B) {
			h := seededServer(b, n)
			head := []byte(`{"type":"track","messageId":"bench-`)
			mid := []byte(`","userId":"u-`)
			tail := []byte(`","event":"Login Button Clicked","properties":{"plan":"pro","seats":3},"timestamp":"2025-03-14T09:26:53Z"}`)
			body := make([]byte, 0, len(head)+len(mid)+len(tail)+40)

			// One request reused with a fresh body each time, as
			// server/bench_test.go does, so that the figures compare.
			rd := bytes.NewReader(nil)
			req := httptest.NewRequest(http.MethodPost, "/startdeliver", rd)
			req.Header = http.Header{
				"Content-Type":       {"application/json"},
				"User-Agent":         {"Segment.io/1.0"},
				"Authorization":      {client.BasicAuth("bench-key")},
				"X-Segment-Settings": {"e30="}, // base64("{}"): the account stores the settings
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				body = append(body[:0], head...)
				body = strconv.AppendInt(body, int64(i), 10)
				body = append(body, mid...)
				body = strconv.AppendInt(body, int64((i%1024)*(n/1024)), 10)
				body = append(body, tail...)
				rd.Reset(body)
				req.Body = io.NopCloser(rd)
				req.ContentLength = int64(len(body))
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}

// seededServer returns a server with account "acme" holding n users, user i
// with externalId "u-<i>", seeded in memory rather than through HTTP.
func seededServer(b *testing.B, n int) http.Handler {
	b.Helper()
	gin.SetMode(gin.ReleaseMode)
	srv, err := server.New(server.Config{Strict: true})
	if err != nil {
		b.Fatal(err)
	}
	ns, _ := srv.World().Namespace(emulators.DefaultNamespace, false)
	if _, err := srv.World().CreateAccount(ns, "startdeliver", emulators.AccountSpec{ID: "acme",
		Settings: matchOn("externalId"),
		Config:   []byte(`{"customFields":[{"alias":"externalId","type":"text","entity":"user"}]}`),
		Keys:     []emulators.KeySpec{{Value: "bench-key"}}}); err != nil {
		b.Fatal(err)
	}
	acct, err := ns.Account("startdeliver", "acme")
	if err != nil {
		b.Fatal(err)
	}
	acct.WithState(func(st emulators.State) (any, error) {
		startdeliver.SeedUsers(st, "externalId", n)
		return nil, nil
	})
	runtime.GC() // collect the seeding's garbage before the clock starts
	return srv.Handler()
}
