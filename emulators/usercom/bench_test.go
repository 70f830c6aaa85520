package usercom_test

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
	"github.com/destemu/destemu/server"
)

// BenchmarkWebhookUsercom is the whole webhook path for the User.com
// identify: 10 traits (standard, address, defined and undefined custom
// attributes) and a full browser context, whose user agent is parsed. The
// body has no messageId, so every request is applied, to the same user.
func BenchmarkWebhookUsercom(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	s, err := server.New(server.Config{})
	if err != nil {
		b.Fatal(err)
	}
	ns, _ := s.World().Namespace(emulators.DefaultNamespace, false)
	cfg := json.RawMessage(`{"attributes":[{"content_type":"user","name":"logins","type":"number"},
		{"content_type":"user","name":"newsletter","type":"boolean"}]}`)
	if _, err := s.World().CreateAccount(ns, "usercom", emulators.AccountSpec{ID: "bench", Config: cfg,
		Keys: []emulators.KeySpec{{Value: "usercom-bench-key"}}}); err != nil {
		b.Fatal(err)
	}
	body, err := json.Marshal(client.Identify("019mr8mf4r", map[string]any{
		"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace", "phone": "+44 20 7946 0000",
		"gender": "female", "address": map[string]any{"city": "London", "state": "England", "country": "UK"},
		"plan": "pro", "logins": "42", "newsletter": true, "company_size": 50,
	}).WithContext(fullContext(uaChrome)))
	if err != nil {
		b.Fatal(err)
	}
	header := http.Header{
		"Content-Type":       {"application/json"},
		"User-Agent":         {"Segment.io/1.0"},
		"Authorization":      {client.BasicAuth("usercom-bench-key")},
		"X-Segment-Settings": {"e30="}, // base64("{}")
	}
	h := s.Handler()
	rd := bytes.NewReader(body)
	req := httptest.NewRequest(http.MethodPost, "/usercom", rd)
	req.Header = header
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
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
