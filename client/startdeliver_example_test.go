package client_test

import (
	"context"
	"fmt"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// The example of Startdeliver's Segment documentation: a user whose custom
// field externalId holds 97980cfea0067 exists; a track of "Login Button
// Clicked" with that userId attaches to that user and shows on the user's
// customer.
func ExampleClient_Startdeliver() {
	srv, err := testkit.New()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()
	c := srv.Client()

	_, err = c.CreateAccount(ctx, "startdeliver", client.AccountSpec{
		ID:       "acme",
		Settings: map[string]any{"startdeliverUserCustomFieldToMatchOn": "externalId"},
		Keys:     []client.KeySpec{{Value: "sd-key"}},
		Config: client.StartdeliverConfig{
			CustomFields: []client.StartdeliverCustomField{{Alias: "externalId", Type: "text", Entity: "user"}},
			Customers:    []client.StartdeliverCustomerSpec{{Name: "Acme Inc"}},
			Users: []client.StartdeliverUserSpec{{Name: "Ada", CustomerID: 1,
				CustomFields: map[string]any{"externalId": "97980cfea0067"}}},
		},
	})
	if err != nil {
		panic(err)
	}
	res, err := c.Send(ctx, "startdeliver", "sd-key", nil, client.Track("97980cfea0067", "Login Button Clicked", nil))
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.Actions)

	sd := c.Startdeliver("acme")
	user, _ := sd.User(ctx, 1)
	customer, _ := sd.Customer(ctx, 1)
	fmt.Println(user.Name, user.UsageEvents[0].Type, user.UsageEvents[0].Name)
	fmt.Println(customer.Name, customer.UsageEvents[0].Name)
	// Output:
	// ok [stored track event "Login Button Clicked" as usage event 1 of user 1 and customer 1]
	// Ada track Login Button Clicked
	// Acme Inc Login Button Clicked
}
