package tracking_test

import (
	"context"
	"strings"
	"testing"

	"github.com/destemu/destemu/scenarios"
	"github.com/destemu/destemu/testkit"
)

const sourceScenario = "../scenarios/testdata/format/source.yaml"

// TestScenarioThroughSource runs a scenario with setup.sources and source
// steps: a batch with Basic auth, a browser page with the write key in the
// body, the destination's state and the linked request log.
func TestScenarioThroughSource(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	rep, err := scenarios.RunFile(context.Background(), srv.Client(), sourceScenario)
	if err != nil || !rep.Passed() {
		var b strings.Builder
		_ = scenarios.WriteReports(&b, scenarios.FormatText, []scenarios.Report{rep})
		t.Fatalf("%v\n%s", err, b.String())
	}
}

// TestSeedSources: a seed file's sources exist at start with their write
// keys as written, so a sandbox's SDKs can send at once.
func TestSeedSources(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t, testkit.WithSeed(sourceScenario))
	src, err := srv.Client().Source(context.Background(), "wk_shop")
	if err != nil || len(src.Connections) != 2 || src.Connections[0].APIKey != "uc_shop" {
		t.Fatalf("seeded source = %+v, %v", src, err)
	}
}
