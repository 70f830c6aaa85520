package testkit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mobyclient "github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/emulators/promoter"
	"github.com/destemu/destemu/scenarios"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

// TestOptions starts destemu in both modes with the same options: strict
// mode refuses an unknown key with 401 (G-11), the control plane wants the
// admin token (which the returned client sends), and the default
// namespace's clock starts frozen.
func TestOptions(t *testing.T) {
	opts := []testkit.Option{testkit.WithStrict(), testkit.WithAdminToken("s3cret"), testkit.WithFrozenClock(t0),
		testkit.WithLogLevel(slog.LevelDebug)}
	eachModeWith(t, opts, func(t *testing.T, e testkit.Emulator) {
		ctx, c := context.Background(), e.Client()
		info, err := c.Info(ctx)
		if err != nil || !info.Strict {
			t.Fatalf("info %+v, %v; want strict", info, err)
		}
		_, err = c.Send(ctx, "promoter", "unknown-key", nil, client.Track("u1", "Clicked", nil))
		if client.StatusOf(err) != http.StatusUnauthorized {
			t.Fatalf("unknown key in strict mode: %v, want 401", err)
		}
		if _, err := client.New(e.URL()).Info(ctx); client.StatusOf(err) != http.StatusUnauthorized {
			t.Fatalf("control plane without the admin token: %v, want 401", err)
		}
		if st, err := c.Clock(ctx); err != nil || !st.Frozen || !st.Now.Equal(t0) {
			t.Fatalf("clock %+v, %v; want frozen at %v", st, err, t0)
		}
		// In a container, the log level is a flag: debug shows each request.
		if ctr, ok := e.(*testkit.Container); ok {
			if err := wait.ForLog("msg=request").WithStartupTimeout(10*time.Second).WaitUntilReady(ctx, ctr); err != nil {
				t.Fatalf("no debug request log line: %v", err)
			}
		}
	})
}

// TestSeed: a scenario file's setup is in place when the server is handed
// over, in both modes: the account it names answers its key as written,
// in strict mode where an unknown key would be 401 (G-11).
func TestSeed(t *testing.T) {
	opts := []testkit.Option{testkit.WithSeed("../scenarios/testdata/format/seed-only.yaml"), testkit.WithStrict()}
	eachModeWith(t, opts, func(t *testing.T, e testkit.Emulator) {
		res, err := e.Client().Send(context.Background(), "promoter", "pk_sandbox", nil,
			client.Identify("ted", map[string]any{"email": "ted@example.com"}))
		if err != nil || res.Account != "sandbox" {
			t.Fatalf("send with the seeded key: %+v, %v; want account sandbox", res, err)
		}
	})
}

// TestContainerLifecycle: the image's HEALTHCHECK (destemu healthcheck)
// reports healthy, and docker stop ends destemu within 2 seconds, cleanly:
// it shuts down on SIGTERM rather than waiting for the SIGKILL.
func TestContainerLifecycle(t *testing.T) {
	t.Parallel()
	c := run(t)
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
		c, err := testkit.Run(context.Background(), testkit.DefaultImage, opt)
		if c != nil || err == nil || !strings.HasPrefix(err.Error(), "run destemu: ") || !strings.Contains(err.Error(), "in-process only") {
			t.Errorf("Run: %v, %v; want a run destemu error naming the option", c, err)
		}
	}
	if _, err := testkit.Run(context.Background(), testkit.DefaultImage, testkit.WithSeed("no/such/file.yaml")); err == nil {
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
		testkit.DefaultImage:               testkit.DefaultImage,
		testkit.PublishedImage + ":v1.0.0": testkit.PublishedImage + ":v1.0.0",
		"destemu/destemu:dev":              "mirror.example.com/destemu/destemu:dev", // why the dotted host matters
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
	box.Image(t) // container mode only: it needs Docker and takes seconds
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	tag := "destemu.local/destemu:buildimage-" + hex.EncodeToString(rnd[:])
	ctx := context.Background()
	repo, err := filepath.Abs("..") // it writes ../dist/destemu, as .ci/image does
	if err != nil {
		t.Fatal(err)
	}
	if err := testkit.BuildImage(ctx, repo, tag); err != nil {
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
	c, err := testkit.Run(ctx, tag)
	testcontainers.CleanupContainer(t, c) // registered after the image's removal, so it runs before it
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Client().Ready(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestScenarioLibrary runs every bundled scenario (one per behaviour ID)
// against the shared container, in parallel, each in a namespace of its
// own; scenarios' own TestLibrary runs them in-process. A file that needs
// strict mode reports itself skipped here.
func TestScenarioLibrary(t *testing.T) {
	emu := box.Shared(t)
	files, err := filepath.Glob("../scenarios/library/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no library files: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			t.Parallel()
			rep, err := scenarios.RunFile(context.Background(), emu.Client(), f)
			if err != nil || !rep.Passed() {
				var b strings.Builder
				_ = scenarios.WriteReports(&b, scenarios.FormatText, []scenarios.Report{rep})
				t.Fatalf("%v\n%s", err, b.String())
			}
		})
	}
}
