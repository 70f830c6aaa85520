package server_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/testkit"
)

// TestRetentionInEveryDestination: each destination that stores events
// keeps at most its retention (plus the 1/8 slack) however many arrive, the
// trimmed state still survives a snapshot round trip, and /metrics shows
// the stored events, users and accounts (#13 item 9).
func TestRetentionInEveryDestination(t *testing.T) {
	t.Parallel()
	for _, dest := range soakDestinations {
		t.Run(dest, func(t *testing.T) {
			t.Parallel()
			srv := testkit.BenchServer(t, testkit.WithConfig(func(c *serverConfig) { c.Retention.Events = 40 }))
			h := srv.Handler()
			body := soakSetup(t, srv, dest)
			for i := range 300 {
				req := httptest.NewRequest(http.MethodPost, "/"+dest, bytes.NewReader(body(i)))
				req.Header = testkit.SegmentHeader("soak-key", nil)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
				}
			}
			ns, _ := srv.World().Namespace(emulators.DefaultNamespace, false)
			a, _ := ns.Account(dest, "soak")
			users, events, ok := a.Stored()
			if !ok || events < 40 || events > 45 || users == 0 {
				t.Fatalf("stores %d events of %d users (ok %v), want 40 to 45", events, users, ok)
			}
			metrics := scrape(t, h)
			for name, want := range map[string]int{"destemu_stored_events": events, "destemu_users": users, "destemu_accounts": 1} {
				re := regexp.MustCompile(name + `\{destination="` + dest + `"\} (\d+)`)
				m := re.FindStringSubmatch(metrics)
				if m == nil || m[1] != strconv.Itoa(want) {
					t.Errorf("/metrics %s for %s: %v, want %d", name, dest, m, want)
				}
			}
			snap, err := srv.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Restore(snap); err != nil {
				t.Fatalf("the trimmed state does not load again: %v", err)
			}
		})
	}
}

// scrape returns what /metrics answers.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	b, _ := io.ReadAll(w.Body)
	return string(b)
}
