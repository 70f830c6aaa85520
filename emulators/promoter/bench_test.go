package promoter_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/emulators/promoter"
	"github.com/destemu/destemu/testkit"
)

// BenchmarkWebhookPromoter measures POST /promoter for a track that matches
// an activated campaign, for an identified contact, in-process through the
// server's handler. After the first survey the contact is within the
// 24-hour rule, so each iteration stores the custom event, checks the
// campaign and records why no survey was sent: the whole track path.
func BenchmarkWebhookPromoter(b *testing.B) {
	h := testkit.BenchServer(b, testkit.WithEmulators(emulators.Register(promoter.New()))).Handler()
	limit := 1 << 40 // high enough for any b.N
	testkit.BenchAccount(b, h, "promoter", client.AccountSpec{ID: "bench",
		Keys: []client.KeySpec{{Value: "bench-key"}},
		Config: client.PromoterConfig{DailyLimit: &limit, Campaigns: []client.PromoterCampaignSpec{
			{Name: "Post purchase", TriggerEvent: "Order Completed", DeliveryDelayDays: 7, ThrottleDays: 30, ReminderDays: 3, Activate: true},
		}}})
	identify := client.Identify("u1", map[string]any{"email": "u1@example.com", "firstName": "Ted"})
	if _, err := testkit.HandlerClient(h).Send(context.Background(), "promoter", "bench-key", nil, identify); err != nil {
		b.Fatal(err)
	}
	body, err := json.Marshal(client.Track("u1", "Order Completed", map[string]any{"total": 30, "currency": "USD"}))
	if err != nil {
		b.Fatal(err)
	}
	testkit.ServeBenchmark(b, h, "/promoter", testkit.SegmentHeader("bench-key", nil), testkit.SameBody(body))
}
