package promoter_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/emulators/promoter"
	"github.com/destemu/destemu/server"
)

// BenchmarkWebhookPromoter measures POST /promoter for a track that matches
// an activated campaign, for an identified contact, in-process through the
// server's handler. After the first survey the contact is within the
// 24-hour rule, so each iteration stores the custom event, checks the
// campaign and records why no survey was sent: the whole track path.
func BenchmarkWebhookPromoter(b *testing.B) {
	srv, err := server.New(server.Config{Emulators: []emulators.Emulator{promoter.New()}})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	auth := client.BasicAuth("bench-key")
	do := func(method, path string, body any, want int) {
		data, _ := json.Marshal(body)
		req := httptest.NewRequest(method, path, bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		if path == "/promoter" {
			req.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != want {
			b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
	}
	limit := 1 << 40 // high enough for any b.N
	do(http.MethodPost, "/_emulator/promoter/accounts", client.AccountSpec{ID: "bench",
		Keys: []client.KeySpec{{Value: "bench-key"}},
		Config: client.PromoterConfig{DailyLimit: &limit, Campaigns: []client.PromoterCampaignSpec{
			{Name: "Post purchase", TriggerEvent: "Order Completed", DeliveryDelayDays: 7, ThrottleDays: 30, ReminderDays: 3, Activate: true},
		}}}, http.StatusCreated)
	do(http.MethodPost, "/promoter", client.Identify("u1", map[string]any{"email": "u1@example.com", "firstName": "Ted"}), http.StatusOK)
	body, _ := json.Marshal(client.Track("u1", "Order Completed", map[string]any{"total": 30, "currency": "USD"}))

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/promoter", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("track: %d %s", w.Code, w.Body)
		}
	}
}
