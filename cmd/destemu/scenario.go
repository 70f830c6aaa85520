package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/config"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/scenarios"
	"github.com/destemu/destemu/server"
)

// errFailed is a run in which a scenario failed; the report says which.
var errFailed = errors.New("scenarios failed")

// scenarioUsage is what destemu scenario --help prints.
const scenarioUsage = `Scenarios are YAML files that set up accounts, send messages, move the
clock and check what happened (docs/scenarios.md).

  destemu scenario run FILE|FOLDER... [flags]   run them, each in a namespace of its own;
                                                 exit 0 only if all pass (--help: its flags)
  destemu scenario validate FILE|FOLDER...      check them (format, destinations, account
                                                 configs) without running them

A FOLDER stands for every .yaml, .yml and .json file in it.
`

func scenario(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("scenario: want a sub-command: run or validate (destemu scenario --help says more)")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, scenarioUsage)
		return nil
	case "run":
		return scenarioRun(ctx, args[1:], getenv, stdout, stderr)
	case "validate":
		if wantsHelp(args[1:]) {
			fmt.Fprint(stdout, scenarioUsage)
			return nil
		}
		return scenarioValidate(args[1:], stdout)
	}
	return fmt.Errorf("scenario: unknown sub-command %q (want run or validate)", args[0])
}

// scenarioRun runs files against --url, or against an in-process server
// reached in memory, each in a namespace of its own, --parallel at once,
// and writes one report. A file that does not parse fails like a scenario.
func scenarioRun(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.LoadScenarioRun(args, getenv, stderr)
	if err != nil {
		return err
	}
	files, err := scenarioFiles(cfg.Files)
	if err != nil {
		return err
	}
	var c *client.Client
	if cfg.URL != "" {
		c = client.New(cfg.URL, client.WithAdminToken(cfg.AdminToken))
	} else {
		gin.SetMode(gin.ReleaseMode)
		srv, err := server.New(server.Config{Strict: cfg.Strict, Version: version})
		if err != nil {
			return err
		}
		c = srv.Client()
	}
	reports := make([]scenarios.Report, len(files))
	sem := make(chan struct{}, cfg.Parallel)
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			s, err := scenarios.ParseFile(f)
			if err != nil {
				reports[i] = scenarios.Report{Name: f, File: f, Result: scenarios.Fail, Reason: err.Error()}
				return
			}
			reports[i], _ = scenarios.RunWith(ctx, c, s, scenarios.Options{KeepNamespace: cfg.Keep})
		})
	}
	wg.Wait()
	if err := scenarios.WriteReports(stdout, cfg.Format, reports); err != nil {
		return err
	}
	if sum := scenarios.Summarize(reports); !sum.OK {
		return fmt.Errorf("%w: %d of %d", errFailed, sum.Failed, len(reports))
	}
	return nil
}

// scenarioValidate parses files and checks their destinations against
// this build's, running nothing.
func scenarioValidate(args []string, stdout io.Writer) error {
	files, err := scenarioFiles(args)
	if err != nil {
		return err
	}
	var slugs []string
	bySlug := map[string]emulators.Emulator{}
	for _, e := range server.DefaultEmulators() {
		slugs = append(slugs, e.Info().Slug)
		bySlug[e.Info().Slug] = e
	}
	// A vendor config is read as the destination reads it when the account
	// is created, so a typo shows here, with its line, and not mid-run.
	checkConfig := func(dest string, config []byte) error {
		if e, ok := bySlug[dest]; ok {
			_, err := e.NewState(config)
			return err
		}
		return nil
	}
	var errs []error
	for _, f := range files {
		s, err := scenarios.ParseFile(f)
		if err == nil {
			err = s.Check(slugs)
		}
		if err == nil {
			err = s.CheckConfigs(checkConfig)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(stdout, "ok   %s\n", f)
	}
	return errors.Join(errs...)
}

// scenarioFiles expands folders into the scenario files in them.
func scenarioFiles(args []string) ([]string, error) {
	if len(args) == 0 {
		return nil, errors.New("no scenario files given")
	}
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		var in []string
		for _, e := range entries {
			if ext := strings.ToLower(filepath.Ext(e.Name())); !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
				in = append(in, filepath.Join(a, e.Name()))
			}
		}
		if len(in) == 0 {
			return nil, fmt.Errorf("%s holds no .yaml, .yml or .json files", a)
		}
		sort.Strings(in)
		out = append(out, in...)
	}
	return out, nil
}
