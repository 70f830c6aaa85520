package scenarios_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/scenarios"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

// libraryFiles lists the bundled scenarios.
func libraryFiles(t *testing.T) []string {
	t.Helper()
	return files(t, "library/*.yaml")
}

// files lists the files pattern names, and fails t when there are none.
func files(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s files: %v", pattern, err)
	}
	return files
}

// failed renders the failing reports for a test message.
func failed(reports ...scenarios.Report) string {
	var b strings.Builder
	for _, r := range reports {
		if !r.Passed() {
			_ = scenarios.WriteReports(&b, scenarios.FormatText, []scenarios.Report{r})
		}
	}
	return b.String()
}

// TestLibrary runs every bundled scenario in-process, each as its own
// parallel test on one shared server; the file name starts with the
// behaviour ID it shows, so `go test -run TestLibrary/PR-13` runs one.
func TestLibrary(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	for _, f := range libraryFiles(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rep, err := scenarios.RunFile(context.Background(), srv.Client(), f)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Passed() {
				t.Fatalf("\n%s", failed(rep))
			}
		})
	}
}

// TestLibraryStrict runs the library on a server in strict mode: the files
// that require it run, the ones that require the default mode are skipped.
func TestLibraryStrict(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t, testkit.WithStrict())
	ran := 0
	for _, f := range libraryFiles(t) {
		s, err := scenarios.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if s.Requires == nil || s.Requires.Strict == nil {
			continue
		}
		rep, err := scenarios.Run(context.Background(), srv.Client(), s)
		if err != nil || !rep.Passed() {
			t.Fatalf("%s: %v\n%s", f, err, failed(rep))
		}
		if want := map[bool]scenarios.Result{true: scenarios.Pass, false: scenarios.Skip}[*s.Requires.Strict]; rep.Result != want {
			t.Errorf("%s: %s on a strict server, want %s", f, rep.Result, want)
		}
		if rep.Result == scenarios.Pass {
			ran++
		}
	}
	if ran == 0 {
		t.Fatal("no library scenario requires strict mode")
	}
}

// TestLibraryTwiceInParallel runs the whole library at once against one
// server, twice over: every run has its own namespace, keys and clock, so
// all pass however their clock steps interleave.
func TestLibraryTwiceInParallel(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	files := libraryFiles(t)
	reports := make([]scenarios.Report, 2*len(files))
	errs := make([]error, len(reports))
	var wg sync.WaitGroup
	for i := range reports {
		wg.Go(func() {
			reports[i], errs[i] = scenarios.RunFile(context.Background(), srv.Client(), files[i%len(files)])
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s: %v", files[i%len(files)], err)
		}
	}
	if s := scenarios.Summarize(reports); !s.OK {
		t.Fatalf("%d failed:\n%s", s.Failed, failed(reports...))
	}
	namespaces, err := srv.Client().Namespaces(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(namespaces) != 1 {
		t.Errorf("runs left %d namespaces behind; want only default", len(namespaces)-1)
	}
}

// catalog is every behaviour ID the server implements, read from the
// families its destinations declare (emulators.Info.Behaviours) and the
// platform's own: a new destination's family is covered without touching
// this test.
func catalog() map[string]int {
	out := map[string]int{}
	families := emulators.ContractBehaviours()
	for _, e := range server.DefaultEmulators() {
		families = append(families, e.Info().Behaviours...)
	}
	for _, f := range families {
		out[f.Prefix] = max(out[f.Prefix], f.Count)
	}
	return out
}

// TestLibraryCoversCatalog checks that every behaviour ID has a library
// file whose name starts with it, and that every file names one.
func TestLibraryCoversCatalog(t *testing.T) {
	t.Parallel()
	have := map[string]bool{}
	for _, f := range libraryFiles(t) {
		base := filepath.Base(f)
		parts := strings.SplitN(base, "-", 3)
		if len(parts) < 3 {
			t.Errorf("%s: the name does not start with a behaviour ID", base)
			continue
		}
		have[parts[0]+"-"+parts[1]] = true
	}
	known := map[string]bool{}
	for family, count := range catalog() {
		for i := 1; i <= count; i++ {
			id := fmt.Sprintf("%s-%d", family, i)
			known[id] = true
			if !have[id] {
				t.Errorf("no library file for %s", id)
			}
		}
	}
	for id := range have {
		if !known[id] {
			t.Errorf("library file for %s, which the catalog does not have", id)
		}
	}
}
