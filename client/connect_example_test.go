package client_test

import (
	"context"
	"fmt"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// A Connect environment receives an identify and a track; the test reads
// the user and the events view back through the typed client.
func ExampleConnectAccount_EventCounts() {
	srv, err := testkit.New()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()
	c := srv.Client()
	if _, err := c.CreateAccount(ctx, "connect", client.AccountSpec{
		ID: "production", Keys: []client.KeySpec{{Value: "private-key"}},
	}); err != nil {
		panic(err)
	}
	if _, err := c.FreezeClockAt(ctx, time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)); err != nil {
		panic(err)
	}
	ident := client.Identify("019mr8mf4r", map[string]any{
		"name": "Michael Bolton", "email": "mbolton@initech.com", "timezone": "America/New_York",
	}).WithContext(map[string]any{"device": map[string]any{"type": "ios", "token": "XXXYYYZZZ"}})
	for _, m := range []client.Message{ident, client.Track("019mr8mf4r", "Signed Up", map[string]any{"plan": "Startup"})} {
		if _, err := c.Send(ctx, "connect", "private-key", nil, m); err != nil {
			panic(err)
		}
	}

	env := c.Connect("production")
	u, _ := env.User(ctx, "019mr8mf4r")
	fmt.Println(u.FirstName, u.LastName, u.Email, u.Timezone, u.APNS, len(u.Events))
	counts, _ := env.EventCounts(ctx, nil)
	for _, row := range counts {
		fmt.Println(row.Name, row.Last24h, row.LastReceivedAt.Format(time.RFC3339))
	}
	// Output:
	// Michael Bolton mbolton@initech.com America/New_York [XXXYYYZZZ] 1
	// Signed Up 1 2025-03-14T09:00:00Z
}
