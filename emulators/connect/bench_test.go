package connect_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/server"
)

// BenchmarkWebhookConnect measures the identify path end to end in process:
// Gin, the webhook contract, and Connect's identify with a name to split,
// email, phone, an iOS device token, a timezone and a few free traits.
// Each message has its own messageId (G-10) and one of 1024 users.
func BenchmarkWebhookConnect(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	srv, err := server.New(server.Config{Strict: true})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	create := httptest.NewRequest(http.MethodPost, "/_emulator/connect/accounts",
		bytes.NewReader([]byte(`{"id":"production","config":{"environment":"production"},"keys":[{"value":"bench-key"}]}`)))
	create.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, create)
	if w.Code != http.StatusCreated {
		b.Fatalf("creating the environment: %d %s", w.Code, w.Body)
	}

	head := []byte(`{"type":"identify","messageId":"bench-`)
	mid := []byte(`","userId":"user-`)
	tail := []byte(`","traits":{"name":"Michael Bolton","email":"mbolton@initech.com","phone":"1234567890",` +
		`"timezone":"America/Argentina/Buenos_Aires","plan":"Startup","seats":12,"trial":false},` +
		`"context":{"device":{"type":"ios","token":"XXXYYYZZZ"}},"timestamp":"2025-03-14T09:26:53Z"}`)
	body := make([]byte, 0, len(head)+len(mid)+len(tail)+40)

	// One request reused with a fresh body each time, as the platform's
	// BenchmarkBareGin and BenchmarkWebhookNoop (server/bench_test.go) do,
	// so that their figures compare.
	rd := bytes.NewReader(nil)
	req := httptest.NewRequest(http.MethodPost, "/connect", rd)
	req.Header = http.Header{
		"Content-Type":       {"application/json"},
		"User-Agent":         {"Segment.io/1.0"},
		"Authorization":      {client.BasicAuth("bench-key")},
		"X-Segment-Settings": {"e30="}, // base64("{}")
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body = append(body[:0], head...)
		body = strconv.AppendInt(body, int64(i), 10)
		body = append(body, mid...)
		body = strconv.AppendInt(body, int64(i%1024), 10)
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
}
