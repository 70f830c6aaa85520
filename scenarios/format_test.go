package scenarios_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/destemu/destemu/scenarios"
	"github.com/destemu/destemu/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/format")

// TestFormatGolden parses each file of testdata/format, prints it, and
// compares the print with the file's .golden twin (go test -update
// rewrites them). Printing freezes the canonical layout.
func TestFormatGolden(t *testing.T) {
	t.Parallel()
	for _, f := range files(t, "testdata/format/*.yaml") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			got := testkit.Must(scenarios.Format(testkit.Must(scenarios.ParseFile(f))(t)))(t)
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("printed %s differs from %s:\n%s", f, golden, got)
			}
		})
	}
}

// TestRoundTrip checks, for the format testdata and every library file,
// that what Format prints parses again and prints the same bytes: parse
// and print agree on every field.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, f := range append(files(t, "testdata/format/*.yaml"), libraryFiles(t)...) {
		s := testkit.Must(scenarios.ParseFile(f))(t)
		first := testkit.Must(scenarios.Format(s))(t)
		again, err := scenarios.Parse(f+" (printed)", first)
		if err != nil {
			t.Fatalf("%s: the print does not parse: %v\n%s", f, err, first)
		}
		second := testkit.Must(scenarios.Format(again))(t)
		if !bytes.Equal(first, second) {
			t.Errorf("%s: printing is not stable:\n--- first\n%s\n--- second\n%s", f, first, second)
		}
		if len(again.Steps) != len(s.Steps) || len(again.Setup.Accounts) != len(s.Setup.Accounts) {
			t.Errorf("%s: the print lost steps or accounts", f)
		}
	}
}
