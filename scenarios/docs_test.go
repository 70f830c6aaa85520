package scenarios_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/destemu/destemu/scenarios"
	"github.com/destemu/destemu/testkit"
)

// TestDocExamples runs the examples of docs/scenarios.md and the README,
// so the scenarios a reader pastes work.
func TestDocExamples(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	for _, ex := range []struct{ file, heading string }{
		{"../docs/scenarios.md", "### A complete example"},
		{"../README.md", "## Scenarios"},
	} {
		doc, err := os.ReadFile(ex.file)
		if err != nil {
			t.Fatal(err)
		}
		_, after, ok := strings.Cut(string(doc), ex.heading)
		_, block, ok2 := strings.Cut(after, "```yaml") // "```yaml file=nps.yaml" too
		_, block, _ = strings.Cut(block, "\n")
		example, _, ok3 := strings.Cut(block, "```")
		if !ok || !ok2 || !ok3 {
			t.Fatalf("%s has no YAML example under %q", ex.file, ex.heading)
		}
		s, err := scenarios.Parse(ex.file+" example", []byte(example))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := scenarios.Run(context.Background(), srv.Client(), s)
		if err != nil || rep.Result != scenarios.Pass {
			t.Fatalf("%v\n%s", err, failed(rep))
		}
	}
}
