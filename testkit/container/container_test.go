package container_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mobyclient "github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/emulators/promoter"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
	"github.com/destemu/destemu/testkit/container"
)

// image returns the image under test, or skips the test saying why there is
// none (DESTEMU_IMAGE unset, no Docker daemon, image not built). testkit's
// own tests run the end-to-end bodies against the image too.
func image(t *testing.T) string {
	t.Helper()
	img, err := container.ImageFromEnv(context.Background())
	if err != nil {
		t.Skip(err)
	}
	return img
}

// run starts a container for one test; it is terminated when the test ends.
func run(t *testing.T, img string, opts ...testcontainers.ContainerCustomizer) *container.Container {
	t.Helper()
	c, err := container.Run(context.Background(), img, opts...)
	testcontainers.CleanupContainer(t, c)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestContainerLifecycle: the image's HEALTHCHECK (destemu healthcheck)
// reports healthy, and docker stop ends destemu within 2 seconds, cleanly:
// it shuts down on SIGTERM rather than waiting for the SIGKILL.
func TestContainerLifecycle(t *testing.T) {
	t.Parallel()
	c := run(t, image(t))
	ctx := context.Background()
	// The first check runs one interval (5s) after the start.
	if err := wait.ForHealthCheck().WithStartupTimeout(30*time.Second).WaitUntilReady(ctx, c); err != nil {
		t.Fatalf("HEALTHCHECK: %v", err)
	}
	grace := 10 * time.Second
	start := time.Now()
	if err := c.Stop(ctx, &grace); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("docker stop took %v, want under 2s", took)
	}
	st, err := c.State(ctx)
	if err != nil || st.Running || st.ExitCode != 0 {
		t.Fatalf("after stop: %+v, %v; want exited with 0", st, err)
	}
}

// TestRunRejects: options that change Go values inside the server cannot
// reach a container, and Run says which one instead of ignoring it; a
// missing seed file stops Run before any container is made.
func TestRunRejects(t *testing.T) {
	t.Parallel()
	for _, opt := range []testkit.Option{testkit.WithEmulators(emulators.Register(promoter.New())), testkit.WithConfig(func(*server.Config) {})} {
		c, err := container.Run(context.Background(), container.DefaultImage, container.With(opt))
		if c != nil || err == nil || !strings.HasPrefix(err.Error(), "run destemu: ") || !strings.Contains(err.Error(), "in-process only") {
			t.Errorf("Run: %v, %v; want a run destemu error naming the option", c, err)
		}
	}
	if _, err := container.Run(context.Background(), container.DefaultImage, container.With(testkit.WithSeed("no/such/file.yaml"))); err == nil {
		t.Error("Run with a missing seed file: no error")
	}
}

// TestDefaultImageNotSubstituted: a Docker Hub mirror prefix
// (TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX) must not turn the local image
// into mirror.example.com/destemu.local/destemu:dev, which no one can pull.
func TestDefaultImageNotSubstituted(t *testing.T) {
	if os.Getenv("TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX") != "" {
		t.Skip("the substitutor defers to TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX when it is set")
	}
	hub := testcontainers.NewCustomHubSubstitutor("mirror.example.com")
	for image, want := range map[string]string{
		container.DefaultImage:               container.DefaultImage,
		container.PublishedImage + ":v1.0.0": container.PublishedImage + ":v1.0.0",
		"destemu/destemu:dev":                "mirror.example.com/destemu/destemu:dev", // why the dotted host matters
	} {
		if got, err := hub.Substitute(image); err != nil || got != want {
			t.Errorf("Substitute(%s) = %s, %v; want %s", image, got, err, want)
		}
	}
}

// TestBuildImage builds the image from this checkout as a user testing
// their own changes would, under a throwaway tag, and runs it.
func TestBuildImage(t *testing.T) {
	t.Parallel()
	image(t) // container mode only: it needs Docker and takes seconds
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	tag := "destemu.local/destemu:buildimage-" + hex.EncodeToString(rnd[:])
	ctx := context.Background()
	repo, err := filepath.Abs("../..") // it writes ../../dist/destemu, as .ci/image does
	if err != nil {
		t.Fatal(err)
	}
	if err := container.BuildImage(ctx, repo, tag); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cli, err := testcontainers.NewDockerClientWithOpts(ctx)
		if err == nil {
			_, err = cli.ImageRemove(ctx, tag, mobyclient.ImageRemoveOptions{PruneChildren: true})
		}
		if err != nil {
			t.Errorf("remove %s: %v", tag, err)
		}
	})
	c, err := container.Run(ctx, tag)
	testcontainers.CleanupContainer(t, c) // registered after the image's removal, so it runs before it
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Client().Ready(ctx); err != nil {
		t.Fatal(err)
	}
}
