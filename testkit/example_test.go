package testkit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// A test that starts destemu in-process, sends what a pipeline would send to
// Promoter, moves the clock a week and reads the survey that became due.
func TestPromoterSurveyIsDeliveredAfterAWeek(t *testing.T) {
	ctx := context.Background()
	emu := testkit.Start(t)        // in-process, 127.0.0.1:0, stopped at test end
	ns := testkit.Isolated(t, emu) // a fresh namespace: own accounts, own clock
	c := ns.Client()
	key := ns.Name + "-key" // keys are unique across the server

	_, err := c.CreateAccount(ctx, "promoter", client.AccountSpec{
		ID:   "acme",
		Keys: []client.KeySpec{{Value: key}},
		Config: map[string]any{"campaigns": []map[string]any{{
			"id": "nps", "name": "NPS", "triggerEvent": "Order Completed",
			"deliveryDelayDays": 7, "activate": true,
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FreezeClock(ctx); err != nil {
		t.Fatal(err)
	}
	// Your pipeline would send these; here the client sends them as Segment does.
	if _, err := c.Send(ctx, "promoter", key, nil, client.Identify("u1", map[string]any{"email": "ada@example.com"})); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, "promoter", key, nil, client.Track("u1", "Order Completed", nil)); err != nil {
		t.Fatal(err)
	}
	testkit.ExpectRequests(t, ns, client.RequestFilter{Destination: "promoter", Type: "track"}, 1, 5*time.Second)

	if _, err := c.AdvanceClock(ctx, 7*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	surveys, err := c.Promoter("acme").Surveys(ctx, client.Query{"status": "delivered"})
	if err != nil || len(surveys) != 1 {
		t.Fatalf("delivered surveys: %+v, %v", surveys, err)
	}
}

// ExampleStart shows the shortest way in: start, send, read the log.
func ExampleStart() {
	srv, err := testkit.New() // testkit.Start(t) in a test
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()
	c := srv.Client()
	res, err := c.Send(ctx, "usercom", "my-key", nil, client.Identify("u1", map[string]any{"email": "ada@example.com"}))
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.Account)
	log, _ := c.Requests(ctx, client.RequestFilter{Destination: "usercom"})
	fmt.Println(len(log), log[0].Status)
	// Output:
	// ok my-key
	// 1 200
}
