package config

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadPrecedence(t *testing.T) {
	t.Parallel()
	// Defaults.
	c, err := Load("destemu", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.Strict || c.BodyLimit != 32<<10 || c.LogCapacity != 0 || c.LogLevel != slog.LevelInfo ||
		c.LogFormat != "text" || c.AdminToken != "" || c.ShutdownGrace != 1500*time.Millisecond {
		t.Fatalf("defaults: %+v", c)
	}
	// The environment over the defaults.
	e := env(map[string]string{"DESTEMU_ADDR": ":9000", "DESTEMU_STRICT": "true", "DESTEMU_BODY_LIMIT": "64KiB",
		"DESTEMU_LOG_CAPACITY": "50", "DESTEMU_LOG_LEVEL": "debug", "DESTEMU_LOG_FORMAT": "json", "DESTEMU_ADMIN_TOKEN": "t"})
	c, err = Load("destemu", nil, e, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || !c.Strict || c.BodyLimit != 64<<10 || c.LogCapacity != 50 || c.LogLevel != slog.LevelDebug ||
		c.LogFormat != "json" || c.AdminToken != "t" {
		t.Fatalf("env: %+v", c)
	}
	// Flags over the environment.
	c, err = Load("destemu", []string{"--addr", "127.0.0.1:1", "--strict=false", "--body-limit", "1000",
		"--log-capacity", "7", "--log-level", "warn", "--log-format", "text", "--admin-token", "f", "--seed-random", "42"}, e, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:1" || c.Strict || c.BodyLimit != 1000 || c.LogCapacity != 7 || c.LogLevel != slog.LevelWarn ||
		c.LogFormat != "text" || c.AdminToken != "f" {
		t.Fatalf("flags: %+v", c)
	}
	if s := c.Server(); s.Strict || s.BodyLimit != 1000 || s.LogCapacity != 7 || s.AdminToken != "f" || s.RandomSeed != 42 {
		t.Fatalf("server config: %+v", s)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"bad strict env":    {env: map[string]string{"DESTEMU_STRICT": "maybe"}},
		"bad capacity env":  {env: map[string]string{"DESTEMU_LOG_CAPACITY": "lots"}},
		"negative capacity": {args: []string{"--log-capacity", "-1"}},
		"bad body limit":    {args: []string{"--body-limit", "big"}},
		"zero body limit":   {args: []string{"--body-limit", "0"}},
		"bad level":         {args: []string{"--log-level", "loud"}},
		"bad format":        {args: []string{"--log-format", "xml"}},
		"bad grace":         {args: []string{"--shutdown-grace", "soon"}},
		"bad seed":          {args: []string{"--seed-random", "-3"}},
		"unknown flag":      {args: []string{"--colour"}},
		"stray argument":    {args: []string{"extra"}},
	} {
		if _, err := Load("destemu", tc.args, env(tc.env), io.Discard); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLoadStateFile(t *testing.T) {
	t.Parallel()
	c, err := Load("destemu", nil, env(nil), io.Discard)
	if err != nil || c.StateFile != "" || c.StateInterval != 30*time.Second {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	e := env(map[string]string{"DESTEMU_STATE_FILE": "/data/state.json", "DESTEMU_STATE_INTERVAL": "0"})
	if c, err = Load("destemu", nil, e, io.Discard); err != nil || c.StateFile != "/data/state.json" || c.StateInterval != 0 {
		t.Fatalf("env: %+v, %v", c, err)
	}
	if c, err = Load("destemu", []string{"--state-file", "s.json", "--state-interval", "5m"}, e, io.Discard); err != nil ||
		c.StateFile != "s.json" || c.StateInterval != 5*time.Minute {
		t.Fatalf("flags: %+v, %v", c, err)
	}
	for _, bad := range []string{"soon", "-1s"} {
		if _, err := Load("destemu", []string{"--state-interval", bad}, env(nil), io.Discard); err == nil {
			t.Errorf("--state-interval %s: no error", bad)
		}
	}
}

func TestSeeds(t *testing.T) {
	t.Parallel()
	c, err := Load("destemu", nil, env(map[string]string{"DESTEMU_SEED": "a.yaml, b.yaml"}), io.Discard)
	if err != nil || len(c.Seeds) != 2 || c.Seeds[0] != "a.yaml" || c.Seeds[1] != "b.yaml" {
		t.Fatalf("env: %v %v", c.Seeds, err)
	}
	c, err = Load("destemu", []string{"--seed", "c.yaml", "--seed", "d.yaml,e.yaml"}, env(map[string]string{"DESTEMU_SEED": "a.yaml"}), io.Discard)
	if err != nil || strings.Join(c.Seeds, " ") != "c.yaml d.yaml e.yaml" {
		t.Fatalf("flags over env: %v %v", c.Seeds, err)
	}
}

func TestLoadScenarioRun(t *testing.T) {
	t.Parallel()
	r, err := LoadScenarioRun([]string{"a.yaml", "--format", "junit", "b.yaml", "--url", "http://x:1", "c"},
		env(map[string]string{"DESTEMU_ADMIN_TOKEN": "tok", "DESTEMU_URL": "http://env"}), io.Discard)
	if err != nil || strings.Join(r.Files, " ") != "a.yaml b.yaml c" || r.Format != "junit" || r.URL != "http://x:1" || r.AdminToken != "tok" {
		t.Fatalf("%+v %v", r, err)
	}
	for _, args := range [][]string{nil, {"a.yaml", "--format", "xml"}, {"a.yaml", "--parallel", "0"}, {"--nope", "a"}} {
		if _, err := LoadScenarioRun(args, env(nil), io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestLoadLimits: --max-namespaces and --log-body-bytes, from flags or the
// environment, reach the server (#13 items 3 and 9).
func TestLoadLimits(t *testing.T) {
	t.Parallel()
	c, err := Load("destemu", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Server(); s.MaxNamespaces != DefaultMaxNamespaces || s.LogBodyBytes != 1<<20 {
		t.Fatalf("defaults: %+v", s)
	}
	if r := c.Server().Retention; r.Events != 100_000 || r.MaxAge != 0 {
		t.Fatalf("default retention: %+v", r)
	}
	e := env(map[string]string{"DESTEMU_MAX_NAMESPACES": "5", "DESTEMU_LOG_BODY_BYTES": "64KiB",
		"DESTEMU_RETAIN_EVENTS": "50", "DESTEMU_RETAIN_AGE": "7d"})
	if c, err = Load("destemu", nil, e, io.Discard); err != nil {
		t.Fatal(err)
	}
	if s := c.Server(); s.MaxNamespaces != 5 || s.LogBodyBytes != 64<<10 || s.Retention.Events != 50 || s.Retention.MaxAge != 7*24*time.Hour {
		t.Fatalf("env: %+v", s)
	}
	if c, err = Load("destemu", []string{"--max-namespaces", "0", "--log-body-bytes", "100", "--retain-events", "-1", "--retain-age", "0"}, e, io.Discard); err != nil {
		t.Fatal(err)
	}
	if s := c.Server(); s.MaxNamespaces != 0 || s.LogBodyBytes != 100 || s.Retention.Events != -1 || s.Retention.MaxAge != 0 {
		t.Fatalf("flags: %+v", s)
	}
	for _, args := range [][]string{{"--max-namespaces", "-1"}, {"--max-namespaces", "many"}, {"--log-body-bytes", "0"},
		{"--retain-events", "0"}, {"--retain-events", "-2"}, {"--retain-age", "soon"}} {
		if _, err := Load("destemu", args, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")) {
			t.Errorf("%v: %v", args, err)
		}
	}
}
