package startdeliver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/emulators/startdeliver"
	"github.com/destemu/destemu/server"
)

// BenchmarkWebhookStartdeliver measures the track path of the classic
// destination against accounts of 10,000 and 1,000,000 users. Matching
// goes through the custom field index, so the two figures should be close.
func BenchmarkWebhookStartdeliver(b *testing.B) {
	gin.SetMode(gin.ReleaseMode) // no route dump per server
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("track/users=%d", n), func(b *testing.B) {
			srv, err := server.New(server.Config{})
			if err != nil {
				b.Fatal(err)
			}
			h := srv.Handler()
			spec := client.AccountSpec{ID: "acme", Settings: matchOn("externalId"), Config: externalID(),
				Keys: []client.KeySpec{{Value: "bench-key"}}}
			body, _ := json.Marshal(spec)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/_emulator/startdeliver/accounts", bytes.NewReader(body)))
			if rec.Code != http.StatusCreated && rec.Code != http.StatusOK {
				b.Fatalf("create account: %d %s", rec.Code, rec.Body)
			}
			ns, _ := srv.World().Namespace(emulators.DefaultNamespace, false)
			acct, err := ns.Account("startdeliver", "acme")
			if err != nil {
				b.Fatal(err)
			}
			acct.WithState(func(st emulators.State) (any, error) {
				startdeliver.SeedUsers(st, "externalId", n)
				return nil, nil
			})
			// Existing users spread over the whole account, no messageId (so
			// no dedupe): every request matches a user and stores an event.
			bodies := make([][]byte, 1024)
			for i := range bodies {
				bodies[i] = fmt.Appendf(nil, `{"type":"track","userId":"u-%d","event":"Login Button Clicked","properties":{"plan":"pro","seats":3}}`, (i*7919)%n)
			}
			auth := client.BasicAuth("bench-key")
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/startdeliver", bytes.NewReader(bodies[i%len(bodies)]))
				req.Header.Set("Authorization", auth)
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("webhook: %d %s", w.Code, w.Body)
				}
				i++
			}
		})
	}
}
