package usercom_test

import (
	"context"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// The seed's own example: custom_integer is defined as a number and
// custom_integer_new is not defined yet.
func Example() {
	gin.SetMode(gin.ReleaseMode) // keep Gin's route listing out of the output
	srv, err := testkit.New()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()
	c := srv.Client()
	_, err = c.CreateAccount(ctx, "usercom", client.AccountSpec{ID: "acme",
		Keys: []client.KeySpec{{Value: "example-key"}},
		Config: client.UsercomConfig{Attributes: []client.UsercomAttributeSpec{
			{ContentType: "user", Name: "custom_integer", Type: "number"},
		}}})
	if err != nil {
		panic(err)
	}
	res, err := c.Send(ctx, "usercom", "example-key", nil,
		client.Identify("u1", map[string]any{"custom_integer": "123", "custom_integer_new": 999}))
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Actions)
	u, err := c.Usercom("acme").User(ctx, "u1")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%v %q\n", u.Attributes["custom_integer"], u.Attributes["custom_integer_new"])
	// Output:
	// [created user "u1" defined user attribute "custom_integer_new" as string (first sight) set custom_integer, custom_integer_new on user "u1"]
	// 123 "999"
}
