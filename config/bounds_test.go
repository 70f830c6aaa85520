package config

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/server"
)

// TestLoadServerBounds: the HTTP server's timeouts, header limit and the
// snapshot limit have defaults, DESTEMU_* variables and flags, flag over
// environment over default, and reach the server's Config (#13 items 5, 6).
func TestLoadServerBounds(t *testing.T) {
	t.Parallel()
	c, err := Load("destemu", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := server.Config{ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10, SnapshotLimit: 1 << 30}
	if got := c.Server(); got.ReadTimeout != want.ReadTimeout || got.WriteTimeout != want.WriteTimeout ||
		got.IdleTimeout != want.IdleTimeout || got.MaxHeaderBytes != want.MaxHeaderBytes || got.SnapshotLimit != want.SnapshotLimit {
		t.Fatalf("defaults: %+v", got)
	}
	e := env(map[string]string{"DESTEMU_READ_TIMEOUT": "5s", "DESTEMU_WRITE_TIMEOUT": "6s", "DESTEMU_IDLE_TIMEOUT": "0",
		"DESTEMU_MAX_HEADER_BYTES": "8KiB", "DESTEMU_SNAPSHOT_LIMIT": "1MiB"})
	c, err = Load("destemu", nil, e, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Server(); got.ReadTimeout != 5*time.Second || got.WriteTimeout != 6*time.Second || got.IdleTimeout != 0 ||
		got.MaxHeaderBytes != 8<<10 || got.SnapshotLimit != 1<<20 {
		t.Fatalf("env: %+v", got)
	}
	c, err = Load("destemu", []string{"--read-timeout", "1s", "--write-timeout", "2m", "--idle-timeout", "3s",
		"--max-header-bytes", "1000", "--snapshot-limit", "2MiB"}, e, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Server(); got.ReadTimeout != time.Second || got.WriteTimeout != 2*time.Minute || got.IdleTimeout != 3*time.Second ||
		got.MaxHeaderBytes != 1000 || got.SnapshotLimit != 2<<20 {
		t.Fatalf("flags: %+v", got)
	}
	for _, args := range [][]string{{"--read-timeout", "soon"}, {"--write-timeout", "-1s"}, {"--max-header-bytes", "0"}, {"--snapshot-limit", "big"}} {
		if _, err := Load("destemu", args, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")) {
			t.Errorf("%v: %v, want an error naming the flag", args, err)
		}
	}
}
