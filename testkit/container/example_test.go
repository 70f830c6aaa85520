package container_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/testcontainers/testcontainers-go"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
	"github.com/destemu/destemu/testkit/container"
)

// The Go example of docs/docker.md, as it is printed there: destemu in a
// container, in strict mode, with one User.com account.
func TestSignupReachesUsercom(t *testing.T) {
	ctx := context.Background()
	image, err := container.ImageFromEnv(ctx) // DESTEMU_IMAGE, e.g. ghcr.io/destemu/destemu:v0.1.0
	if err != nil {
		t.Skip(err) // no Docker daemon or no image here: skip rather than fail
	}
	emu, err := container.Run(ctx, image, container.With(testkit.WithStrict()))
	testcontainers.CleanupContainer(t, emu) // terminate it when the test ends
	if err != nil {
		t.Fatal(err)
	}

	c := emu.Client()
	_, err = c.CreateAccount(ctx, "usercom", client.AccountSpec{
		ID: "acme", Keys: []client.KeySpec{{Value: "uc-key"}},
	})
	if err != nil {
		t.Fatal(err)
	}

	// The code under test would be configured with emu.URL() as the
	// User.com endpoint; here the client sends what Segment would.
	_, err = c.Send(ctx, "usercom", "uc-key", nil,
		client.Identify("u1", map[string]any{"email": "ada@example.com"}))
	if err != nil {
		t.Fatal(err)
	}

	u, err := c.Usercom("acme").User(ctx, "u1")
	if err != nil || u.Email != "ada@example.com" {
		t.Fatalf("user %+v, %v", u, err)
	}
	_, err = c.Send(ctx, "usercom", "no-such-key", nil, client.Track("u1", "Signed Up", nil))
	if client.StatusOf(err) != 401 {
		t.Fatalf("an unknown key in strict mode: %v, want 401", err)
	}
}

// ExampleRun starts destemu in a container with the control plane behind an
// admin token; the client Run returns sends the token. (It needs Docker and
// the image, so go test compiles this example without running it.)
func ExampleRun() {
	ctx := context.Background()
	emu, err := container.Run(ctx, container.DefaultImage, container.With(testkit.WithAdminToken("s3cret")))
	defer func() { _ = testcontainers.TerminateContainer(emu) }()
	if err != nil {
		panic(err)
	}
	info, err := emu.Client().Info(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(emu.URL(), info.Version, len(info.Destinations))
}
