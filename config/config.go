// Package config reads destemu's configuration from flags with DESTEMU_*
// environment fallbacks: a flag wins over the environment, which wins over
// the default. One function, Load, does it all, so tests call exactly what
// main calls.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/destemu/destemu/server"
)

// EnvPrefix prefixes every environment variable destemu reads.
const EnvPrefix = "DESTEMU_"

// Config is everything the destemu binary can be told.
type Config struct {
	Addr          string
	Strict        bool
	BodyLimit     int64
	LogCapacity   int
	LogLevel      slog.Level
	LogFormat     string // text or json
	AdminToken    string
	ShutdownGrace time.Duration
	RandomSeed    uint64
	// StateFile, when set, is loaded at start and saved every
	// StateInterval (zero: only at stop) and at a graceful stop.
	StateFile     string
	StateInterval time.Duration
	// SnapshotLimit bounds an imported snapshot in bytes.
	SnapshotLimit int64
	// ReadTimeout, WriteTimeout, IdleTimeout and MaxHeaderBytes bound the
	// HTTP server's connections (server.Server.HTTPServer).
	ReadTimeout    time.Duration
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration
	MaxHeaderBytes int64
	// Seeds are scenario files whose setup is applied at start, into the
	// default namespace, before /readyz answers 200.
	Seeds []string
}

// Server returns the server part of the configuration.
func (c Config) Server() server.Config {
	return server.Config{Strict: c.Strict, BodyLimit: c.BodyLimit, LogCapacity: c.LogCapacity, AdminToken: c.AdminToken,
		RandomSeed: c.RandomSeed, SnapshotLimit: c.SnapshotLimit, ReadTimeout: c.ReadTimeout, WriteTimeout: c.WriteTimeout,
		IdleTimeout: c.IdleTimeout, MaxHeaderBytes: int(c.MaxHeaderBytes)}
}

// Logger builds the slog logger the configuration asks for.
func (c Config) Logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Load parses args (without the program name) with getenv as the
// environment. -h is reported as flag.ErrHelp after usage is printed to out.
func Load(name string, args []string, getenv func(string) string, out io.Writer) (Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	env := func(key, def string) string {
		if v := getenv(EnvPrefix + key); v != "" {
			return v
		}
		return def
	}
	var c Config
	var level, limit, grace, seed, interval string
	fs.StringVar(&c.Addr, "addr", env("ADDR", ":8080"), "listen address (DESTEMU_ADDR)")
	fs.BoolVar(&c.Strict, "strict", false, "refuse unknown API keys with 401 instead of provisioning an account (DESTEMU_STRICT)")
	fs.StringVar(&limit, "body-limit", env("BODY_LIMIT", strconv.Itoa(server.DefaultBodyLimit)), "largest webhook body in bytes; suffixes KiB and MiB allowed (DESTEMU_BODY_LIMIT)")
	fs.IntVar(&c.LogCapacity, "log-capacity", 0, "request-log entries kept per namespace (DESTEMU_LOG_CAPACITY, default 1000)")
	fs.StringVar(&level, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (DESTEMU_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("LOG_FORMAT", "text"), "text or json (DESTEMU_LOG_FORMAT)")
	fs.StringVar(&c.AdminToken, "admin-token", env("ADMIN_TOKEN", ""), "require Authorization: Bearer <token> on the control plane (DESTEMU_ADMIN_TOKEN)")
	fs.StringVar(&seed, "seed-random", env("SEED_RANDOM", ""), "seed of fault probabilities and jitter, to replay a run exactly; random when unset (DESTEMU_SEED_RANDOM)")
	fs.StringVar(&grace, "shutdown-grace", env("SHUTDOWN_GRACE", "1500ms"), "how long in-flight requests may take to finish at shutdown (DESTEMU_SHUTDOWN_GRACE)")
	fs.StringVar(&c.StateFile, "state-file", env("STATE_FILE", ""), "load all state from this file at start (a missing file starts empty) and save it there (DESTEMU_STATE_FILE)")
	seeds := newList(env("SEED", ""))
	fs.Var(seeds, "seed", "a scenario file whose setup is applied at start; repeat it for more (DESTEMU_SEED, a comma-separated list)")
	fs.StringVar(&interval, "state-interval", env("STATE_INTERVAL", "30s"), "how often to save the state file; 0 saves only at a graceful stop (DESTEMU_STATE_INTERVAL)")
	var snapLimit, readTO, writeTO, idleTO, headerBytes string
	fs.StringVar(&snapLimit, "snapshot-limit", env("SNAPSHOT_LIMIT", "1024MiB"), "largest snapshot PUT /_emulator/snapshot imports; suffixes KiB and MiB allowed (DESTEMU_SNAPSHOT_LIMIT)")
	fs.StringVar(&readTO, "read-timeout", env("READ_TIMEOUT", server.DefaultReadTimeout.String()), "time to read a whole request, headers and body; 0 for none (DESTEMU_READ_TIMEOUT)")
	fs.StringVar(&writeTO, "write-timeout", env("WRITE_TIMEOUT", server.DefaultWriteTimeout.String()), "time to write an answer; long-polls and fault latencies get theirs on top; 0 for none (DESTEMU_WRITE_TIMEOUT)")
	fs.StringVar(&idleTO, "idle-timeout", env("IDLE_TIMEOUT", server.DefaultIdleTimeout.String()), "how long an idle keep-alive connection stays open; 0 for none (DESTEMU_IDLE_TIMEOUT)")
	fs.StringVar(&headerBytes, "max-header-bytes", env("MAX_HEADER_BYTES", "64KiB"), "largest request headers; larger ones are answered 431 (DESTEMU_MAX_HEADER_BYTES)")

	if v := getenv(EnvPrefix + "STRICT"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("%sSTRICT=%q: want true or false", EnvPrefix, v)
		}
		c.Strict = b
	}
	if v := getenv(EnvPrefix + "LOG_CAPACITY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("%sLOG_CAPACITY=%q: want a whole number", EnvPrefix, v)
		}
		c.LogCapacity = n
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.Seeds = seeds.values
	var err error
	if c.BodyLimit, err = parseSize(limit); err != nil {
		return c, fmt.Errorf("body-limit: %w", err)
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return c, fmt.Errorf("log-level %q: want debug, info, warn or error", level)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("log-format %q: want text or json", c.LogFormat)
	}
	if c.LogCapacity < 0 {
		return c, errors.New("log-capacity must not be negative")
	}
	if seed != "" {
		if c.RandomSeed, err = strconv.ParseUint(seed, 10, 64); err != nil || c.RandomSeed == 0 {
			return c, fmt.Errorf("seed-random %q: want a whole number above 0", seed)
		}
	}
	if c.ShutdownGrace, err = time.ParseDuration(grace); err != nil || c.ShutdownGrace < 0 {
		return c, fmt.Errorf("shutdown-grace %q: want a duration such as 2s", grace)
	}
	if c.StateInterval, err = time.ParseDuration(interval); err != nil || c.StateInterval < 0 {
		return c, fmt.Errorf("state-interval %q: want a duration such as 30s, or 0 to save only at stop", interval)
	}
	if c.SnapshotLimit, err = parseSize(snapLimit); err != nil {
		return c, fmt.Errorf("snapshot-limit: %w", err)
	}
	if c.MaxHeaderBytes, err = parseSize(headerBytes); err != nil {
		return c, fmt.Errorf("max-header-bytes: %w", err)
	}
	for _, t := range []struct {
		name, value string
		dst         *time.Duration
	}{{"read-timeout", readTO, &c.ReadTimeout}, {"write-timeout", writeTO, &c.WriteTimeout}, {"idle-timeout", idleTO, &c.IdleTimeout}} {
		if *t.dst, err = time.ParseDuration(t.value); err != nil || *t.dst < 0 {
			return c, fmt.Errorf("%s %q: want a duration such as 30s, or 0 for none", t.name, t.value)
		}
	}
	return c, nil
}

// parseSize reads a byte count with an optional KiB/MiB suffix.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	t := strings.TrimSpace(s)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "KB": 1000, "MB": 1000 * 1000} {
		if strings.HasSuffix(t, suffix) {
			t, mult = strings.TrimSuffix(t, suffix), m
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a positive size", s)
	}
	return n * mult, nil
}
