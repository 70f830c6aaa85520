package testkit_test

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/scenarios"
	"github.com/destemu/destemu/testkit"
	"github.com/destemu/destemu/testkit/container"
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
		if ctr, ok := e.(*container.Container); ok {
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
