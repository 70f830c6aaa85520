package testkit_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestInProcessNeedsNoContainers: importing testkit for testkit.Start
// compiles only the server and its libraries. Docker's and testcontainers'
// modules belong to testkit/container; were testkit to import them again,
// every in-process user would pay for them (86 more requirements in their
// go.mod and minutes of first compile).
func TestInProcessNeedsNoContainers(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "github.com/destemu/destemu/testkit").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for _, p := range deps {
		for _, banned := range []string{"github.com/testcontainers/", "github.com/moby/", "github.com/docker/", "github.com/containerd/", "go.opentelemetry.io/"} {
			if strings.HasPrefix(p, banned) {
				t.Errorf("testkit depends on %s", p)
			}
		}
	}
	if len(deps) < 10 || !slices.Contains(deps, "github.com/destemu/destemu/server") {
		t.Fatalf("go list -deps listed %d packages, without the server: %q", len(deps), deps)
	}
}
