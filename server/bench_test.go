package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
	"github.com/destemu/destemu/server"
)

// noop accepts every call and does nothing: it measures the platform alone.
type noop struct{}

func (noop) Info() emulators.Info {
	return emulators.Info{Slug: "noop", Name: "Noop", Accepts: segment.Types}
}
func (noop) NewState(json.RawMessage) (emulators.State, error)  { return struct{}{}, nil }
func (noop) Provision(emulators.Settings) emulators.State       { return struct{}{} }
func (noop) LoadState(json.RawMessage) (emulators.State, error) { return struct{}{}, nil }
func (noop) Resources() []emulators.Resource                    { return nil }
func (noop) Handle(r *emulators.Request, _ emulators.State) error {
	r.Did("nothing")
	return nil
}

// benchBody is a typical identify: a few traits and a browser context.
var benchBody = []byte(`{"type":"identify","userId":"019mr8mf4r","messageId":"m-1",
"timestamp":"2026-01-02T03:04:05Z","traits":{"email":"ada@example.com","firstName":"Ada",
"lastName":"Lovelace","plan":"pro","logins":42},"context":{"ip":"203.0.113.9","locale":"en-GB",
"userAgent":"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36","page":{"url":"https://example.com/a"}}}`)

// benchServe drives a handler in-process, as the server would on a socket,
// with a fresh request per iteration (bodies are read once).
func benchServe(b *testing.B, h http.Handler, path string, header http.Header, body []byte) {
	b.Helper()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	rd := bytes.NewReader(body)
	req := httptest.NewRequest(http.MethodPost, path, rd)
	req.Header = header
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rd.Reset(body)
		req.Body = io.NopCloser(rd)
		req.ContentLength = int64(len(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkBareGin is the floor: a Gin handler that only decodes the JSON
// body and answers 200.
func BenchmarkBareGin(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/bare", func(c *gin.Context) {
		var m map[string]any
		if err := c.ShouldBindJSON(&m); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"message": err.Error()})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	benchServe(b, r, "/bare", http.Header{"Content-Type": {"application/json"}}, benchBody)
}

// BenchmarkWebhookNoop is the whole webhook path (auth, settings, decode,
// validate, dedupe, the destination, the request log, metrics) with a
// destination that does nothing. The body carries no messageId, so every
// request is applied rather than answered as a duplicate.
func BenchmarkWebhookNoop(b *testing.B) {
	h := noopServer(b)
	body := bytes.Replace(benchBody, []byte(`"messageId":"m-1",`), nil, 1)
	benchServe(b, h, "/noop", segmentHeader("bench-key"), body)
}

func noopServer(b *testing.B) http.Handler {
	b.Helper()
	gin.SetMode(gin.ReleaseMode)
	s, err := server.New(server.Config{Emulators: []emulators.Emulator{noop{}}})
	if err != nil {
		b.Fatal(err)
	}
	ns, _ := s.World().Namespace(emulators.DefaultNamespace, false)
	if _, err := s.World().CreateAccount(ns, "noop", emulators.AccountSpec{ID: "a", Keys: []emulators.KeySpec{{Value: "bench-key"}}}); err != nil {
		b.Fatal(err)
	}
	return s.Handler()
}

// segmentHeader is what Segment sends with every webhook.
func segmentHeader(key string) http.Header {
	return http.Header{
		"Content-Type":       {"application/json"},
		"User-Agent":         {"Segment.io/1.0"},
		"Authorization":      {client.BasicAuth(key)},
		"X-Segment-Settings": {"e30="}, // base64("{}")
	}
}
