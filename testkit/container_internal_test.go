package testkit

import (
	"log/slog"
	"slices"
	"testing"

	"github.com/testcontainers/testcontainers-go"
)

// TestContainerArgs: each option becomes the flag the binary reads, and a
// seed file is copied to /seed/<name> and named by --seed.
func TestContainerArgs(t *testing.T) {
	var o options
	for _, opt := range []Option{WithStrict(), WithAdminToken("tok"), WithLogLevel(slog.LevelDebug), WithSeed("testkit.go")} {
		if err := opt(&o); err != nil {
			t.Fatal(err)
		}
	}
	var req testcontainers.GenericContainerRequest
	for _, c := range o.containerArgs() {
		if err := c.Customize(&req); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"--strict", "--admin-token", "tok", "--log-level", "DEBUG", "--seed", "/seed/testkit.go"}
	if !slices.Equal(req.Cmd, want) {
		t.Errorf("cmd %q, want %q", req.Cmd, want)
	}
	if len(req.Files) != 1 || req.Files[0].HostFilePath != "testkit.go" || req.Files[0].ContainerFilePath != "/seed/testkit.go" {
		t.Errorf("files %+v", req.Files)
	}
	if err := o.checkSeeds(); err != nil {
		t.Error(err)
	}
	_ = WithSeed("../testkit/testkit.go")(&o)
	if err := o.checkSeeds(); err == nil {
		t.Error("two seed files named testkit.go: no error")
	}

	var none options
	if args := none.containerArgs(); len(args) != 0 {
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
