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
	body := testkit.Must(json.Marshal(client.Track("u1", "Order Completed", map[string]any{"total": 30, "currency": "USD"})))(b)
	testkit.ServeBenchmark(b, h, "/promoter", testkit.SegmentHeader("bench-key", nil), testkit.SameBody(body))
}

// BenchmarkLookupPromoter (#18) looks one contact up through the control
// plane, by email, by the contact route and its custom events by userId,
// in an account of 10,000 contacts (and as many events), and of 1,000,000
// with DESTEMU_BENCH_SCALE=1. An index answers every one, so the two sizes
// should cost alike.
func BenchmarkLookupPromoter(b *testing.B) {
	testkit.LookupBenchmark(b, "promoter", "contacts", promoter.SeedContacts,
		testkit.Lookup{Name: "email", Target: "contacts?email=u-%d@example.com"},
		testkit.Lookup{Name: "get", Target: "contacts/u-%d"},
		testkit.Lookup{Name: "events_userId", Target: "custom-events?userId=u-%d"})
}

// BenchmarkTrackPromoterScale (#18) is the track path to an existing
// contact of an account of 10,000 contacts, and of 1,000,000 with
// DESTEMU_BENCH_SCALE=1: the contact is found by its key, so the two
// should cost alike.
func BenchmarkTrackPromoterScale(b *testing.B) {
	testkit.ScaleBenchmark(b, "promoter", "contacts", promoter.SeedContacts)
}
