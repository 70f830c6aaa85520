package config

import (
	"io"
	"log/slog"
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
