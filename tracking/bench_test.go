package tracking_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// benchTrack is a typical track call; %d is the user, cycling over 1000.
const benchTrack = `{"type":"track","userId":"user-%d","event":"Order Completed","timestamp":"2026-01-02T03:04:05Z",` +
	`"properties":{"orderId":"o-%d","total":42.5,"currency":"EUR"},"context":{"ip":"203.0.113.9","locale":"en-GB"}}`

const benchBatchSize = 100

// BenchmarkFanOut measures messages per second through the tracking API
// to two destinations (Connect and User.com), against the same messages
// sent straight to both webhooks as Segment would deliver them. Both run
// in-process with no socket (testkit.ServeBenchmark's reasoning); the
// msgs/s metric counts messages, each delivered to both destinations.
func BenchmarkFanOut(b *testing.B) {
	b.Run("tracking-batch", func(b *testing.B) {
		h := testkit.BenchServer(b, testkit.WithFrozenClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))).Handler()
		c := testkit.HandlerClient(h)
		if _, err := c.CreateSource(b.Context(), client.Source{WriteKey: "wk_bench", Connections: []client.Connection{
			{Destination: "connect", APIKey: "cn_bench"}, {Destination: "usercom", APIKey: "uc_bench"}}}); err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		n := 0
		body := func(int) []byte {
			buf.Reset()
			buf.WriteString(`{"sentAt":"2026-01-02T03:04:05Z","context":{"library":{"name":"analytics-go","version":"3.1.0"}},"batch":[`)
			for j := range benchBatchSize {
				if j > 0 {
					buf.WriteByte(',')
				}
				fmt.Fprintf(&buf, benchTrack, n%1000, n)
				n++
			}
			buf.WriteString(`]}`)
			return buf.Bytes()
		}
		header := http.Header{"Content-Type": {"application/json"}, "Authorization": {client.BasicAuth("wk_bench")}}
		testkit.ServeBenchmark(b, h, "/v1/batch", header, body)
		b.ReportMetric(float64(b.N*benchBatchSize)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("direct-webhooks", func(b *testing.B) {
		h := testkit.BenchServer(b, testkit.WithFrozenClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))).Handler()
		headers := []http.Header{testkit.SegmentHeader("cn_bench", nil), testkit.SegmentHeader("uc_bench", nil)}
		paths := []string{"/connect", "/usercom"}
		var buf bytes.Buffer
		n := 0
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			// The messageId Segment would have given it, so G-10 applies each once.
			fmt.Fprintf(&buf, `{"messageId":"api-%d",`, n)
			fmt.Fprintf(&buf, benchTrack[1:], n%1000, n)
			n++
			for k, p := range paths {
				req := httptest.NewRequest(http.MethodPost, p, bytes.NewReader(buf.Bytes()))
				req.Header = headers[k]
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s answered %d: %s", p, w.Code, w.Body)
				}
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}
