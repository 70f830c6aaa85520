package tracking_test

import (
	"context"
	"fmt"

	analytics "gopkg.in/segmentio/analytics-go.v3"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// Segment's Go library, pointed at destemu with Config.Endpoint: the
// messages reach the destinations connected to the write key, and they
// are there when Close returns.
func Example_analyticsGo() {
	srv, err := testkit.New() // or a destemu container, or go run ./cmd/destemu
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()
	c := srv.Client()
	_, err = c.CreateSource(ctx, client.Source{WriteKey: "wk_shop", Connections: []client.Connection{
		{Destination: "usercom", APIKey: "uc_shop"},
	}})
	if err != nil {
		panic(err)
	}

	sdk, err := analytics.NewWithConfig("wk_shop", analytics.Config{Endpoint: srv.URL()})
	if err != nil {
		panic(err)
	}
	_ = sdk.Enqueue(analytics.Identify{UserId: "ada", Traits: analytics.NewTraits().SetEmail("ada@example.com")})
	_ = sdk.Enqueue(analytics.Track{UserId: "ada", Event: "Order Completed"})
	_ = sdk.Close() // flushes

	u, err := c.Usercom("uc_shop").User(ctx, "ada")
	if err != nil {
		panic(err)
	}
	fmt.Println(u.Email, len(u.Events))
	// Output: ada@example.com 1
}
