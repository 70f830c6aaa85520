package container

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/testcontainers/testcontainers-go"

	"github.com/destemu/destemu/testkit"
)

// TestContainerArgs: each option becomes the flag the binary reads, and a
// seed file is copied to /seed/<name> and named by --seed.
func TestContainerArgs(t *testing.T) {
	o, err := testkit.Resolve(testkit.WithStrict(), testkit.WithAdminToken("tok"), testkit.WithLogLevel(slog.LevelDebug),
		testkit.WithSeed("container.go"))
	if err != nil {
		t.Fatal(err)
	}
	var req testcontainers.GenericContainerRequest
	for _, c := range containerArgs(o) {
		if err := c.Customize(&req); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"--strict", "--admin-token", "tok", "--log-level", "DEBUG", "--seed", "/seed/container.go"}
	if !slices.Equal(req.Cmd, want) {
		t.Errorf("cmd %q, want %q", req.Cmd, want)
	}
	if len(req.Files) != 1 || req.Files[0].HostFilePath != "container.go" || req.Files[0].ContainerFilePath != "/seed/container.go" {
		t.Errorf("files %+v", req.Files)
	}
	if err := checkSeeds(o.Seeds); err != nil {
		t.Error(err)
	}
	if err := checkSeeds(append(o.Seeds, "../container/container.go")); err == nil {
		t.Error("two seed files named container.go: no error")
	}

	if args := containerArgs(testkit.Settings{}); len(args) != 0 {
		t.Errorf("no options, customizers %v", args)
	}
}

func TestSplitTag(t *testing.T) {
	for tag, want := range map[string][2]string{
		"destemu.local/destemu:dev":   {"destemu.local/destemu", "dev"},
		"localhost:5000/destemu:v1.2": {"localhost:5000/destemu", "v1.2"},
		"destemu.local/destemu":       {},
		"localhost:5000/destemu":      {},
		"destemu:":                    {},
		":dev":                        {},
	} {
		repo, version, ok := splitTag(tag)
		if ok != (want != [2]string{}) || repo != want[0] || version != want[1] {
			t.Errorf("splitTag(%q) = %q, %q, %v; want %q", tag, repo, version, ok, want)
		}
	}
}

// TestExplainReaper: where testcontainers' reaper image cannot be pulled,
// Run's error starts with what to set and why, and keeps the registry
// error underneath; other errors, or a disabled reaper, are left alone.
func TestExplainReaper(t *testing.T) {
	pull := errors.New(`create container: reaper: new reaper: run container: create container: pull image "testcontainers/ryuk:0.14.0": ` +
		`Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host`)
	err := fmt.Errorf("run destemu: %w", explainReaper(pull, false))
	for _, want := range []string{"could not start its reaper", "TESTCONTAINERS_RYUK_DISABLED=true", "cannot be pulled",
		"removed only by Terminate", "no such host"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nwants %q", err, want)
		}
	}
	if !errors.Is(err, errReaper) || !errors.Is(err, pull) {
		t.Errorf("%v: does not wrap both the explanation and the cause", err)
	}
	if got := explainReaper(pull, true); got != pull {
		t.Errorf("with the reaper disabled: %v", got)
	}
	other := errors.New("create container: image not found")
	if got := explainReaper(other, false); got != other {
		t.Errorf("another error: %v", got)
	}
}
