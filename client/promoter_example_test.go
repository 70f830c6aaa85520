package client_test

import (
	"context"
	"fmt"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// A Segment campaign in Promoter delays its survey by seven days: moving the
// emulator clock is all it takes to see it delivered.
func ExampleClient_Promoter() {
	srv, err := testkit.New(testkit.WithFrozenClock(time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC)))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx, c := context.Background(), srv.Client()

	_, err = c.CreateAccount(ctx, "promoter", client.AccountSpec{ID: "acme",
		Keys: []client.KeySpec{{Value: "promoter-key"}},
		Config: client.PromoterConfig{Campaigns: []client.PromoterCampaignSpec{
			{Name: "Trial end", TriggerEvent: "Trial Started", DeliveryDelayDays: 7, Activate: true},
		}}})
	if err != nil {
		panic(err)
	}
	_, _ = c.Send(ctx, "promoter", "promoter-key", nil, client.Identify("u1", map[string]any{"email": "ted@example.com"}))
	_, _ = c.Send(ctx, "promoter", "promoter-key", nil, client.Track("u1", "Trial Started", nil))

	p := c.Promoter("acme")
	surveys, _ := p.Surveys(ctx, client.Query{"contact": "u1"})
	fmt.Println(surveys[0].Status, surveys[0].ScheduledFor.Format(time.DateOnly))

	_, _ = c.AdvanceClock(ctx, 7*24*time.Hour)
	s, _ := p.Survey(ctx, surveys[0].ID)
	fmt.Println(s.Status)
	// Output:
	// scheduled 2025-03-17
	// delivered
}
