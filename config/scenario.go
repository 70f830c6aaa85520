package config

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
)

// ScenarioRun is what `destemu scenario run` can be told.
type ScenarioRun struct {
	// Files are the scenario files and folders (every .yaml, .yml and
	// .json file in them) to run.
	Files []string
	// URL is the destemu to run against; empty starts one in-process.
	URL string
	// Format is how the report is written: text, json or junit.
	Format     string
	AdminToken string
	// Parallel is how many scenarios run at once.
	Parallel int
	// Keep leaves each run's namespace on the server.
	Keep bool
	// Strict starts the in-process server in strict key mode.
	Strict bool
}

// LoadScenarioRun parses the arguments of `destemu scenario run`: files and
// flags in any order, flags with DESTEMU_* fallbacks.
func LoadScenarioRun(args []string, getenv func(string) string, out io.Writer) (ScenarioRun, error) {
	fs := flag.NewFlagSet("destemu scenario run", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: destemu scenario run FILE|FOLDER... [flags]")
		fs.PrintDefaults()
	}
	env := func(key, def string) string {
		if v := getenv(EnvPrefix + key); v != "" {
			return v
		}
		return def
	}
	var r ScenarioRun
	fs.StringVar(&r.URL, "url", env("URL", ""), "the destemu to run against, e.g. http://localhost:8080; empty starts one in-process (DESTEMU_URL)")
	fs.StringVar(&r.Format, "format", env("FORMAT", "text"), "report format: text, json or junit (DESTEMU_FORMAT)")
	fs.StringVar(&r.AdminToken, "admin-token", env("ADMIN_TOKEN", ""), "the control plane's admin token (DESTEMU_ADMIN_TOKEN)")
	fs.IntVar(&r.Parallel, "parallel", runtime.GOMAXPROCS(0), "how many scenarios run at once, each in a namespace of its own")
	fs.BoolVar(&r.Keep, "keep", false, "keep each run's namespace on the server, to look at its state afterwards")
	fs.BoolVar(&r.Strict, "strict", false, "start the in-process server in strict key mode (no effect with --url)")
	if v := getenv(EnvPrefix + "STRICT"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return r, fmt.Errorf("%sSTRICT=%q: want true or false", EnvPrefix, v)
		}
		r.Strict = b
	}
	// Files may come before, between or after the flags.
	for {
		if err := fs.Parse(args); err != nil {
			return r, err
		}
		if fs.NArg() == 0 {
			break
		}
		r.Files = append(r.Files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(r.Files) == 0 {
		fs.Usage()
		return r, fmt.Errorf("no scenario files given")
	}
	if r.Format != "text" && r.Format != "json" && r.Format != "junit" {
		return r, fmt.Errorf("format %q: want text, json or junit", r.Format)
	}
	if r.Parallel < 1 {
		return r, fmt.Errorf("parallel must be at least 1")
	}
	return r, nil
}
