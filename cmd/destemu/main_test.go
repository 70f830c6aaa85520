package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func noEnv(string) string { return "" }

func TestVersionAndUsage(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := run([]string{"version"}, noEnv, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "destemu ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	if code := run([]string{"frobnicate"}, noEnv, &out, &errb); code != 1 || !strings.Contains(errb.String(), "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"-h"}, noEnv, &out, &errb); code != 0 || !strings.Contains(out.String(), "-strict") {
		t.Fatalf("-h: %d %q", code, out.String())
	}
	if code := run([]string{"--log-format", "xml"}, noEnv, &out, &errb); code != 1 {
		t.Fatalf("bad flag: %d", code)
	}
}

// TestHelp: --help lists every sub-command before the server's flags, and
// each sub-command answers --help with exit status 0.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}, {"serve", "--help"}} {
		var out, errb bytes.Buffer
		code := run(args, noEnv, &out, &errb)
		for _, want := range []string{"destemu scenario run", "destemu scenario validate", "destemu tail", "destemu healthcheck", "destemu version", "-addr", "DESTEMU_ADDR"} {
			if code != 0 || !strings.Contains(out.String(), want) {
				t.Errorf("%q: exit %d, output lacks %q:\n%s%s", args, code, want, out.String(), errb.String())
			}
		}
	}
	for args, want := range map[string]string{
		"scenario --help":          "destemu scenario validate FILE|FOLDER...",
		"scenario help":            "destemu scenario run FILE|FOLDER...",
		"scenario run --help":      "usage: destemu scenario run FILE|FOLDER... [flags]",
		"scenario validate --help": "without running them",
		"healthcheck --help":       "-url",
	} {
		var out, errb bytes.Buffer
		if code := run(strings.Fields(args), noEnv, &out, &errb); code != 0 || !strings.Contains(out.String()+errb.String(), want) {
			t.Errorf("destemu %s: exit %d, want 0 and %q in:\n%s%s", args, code, want, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"scenario"}, noEnv, &out, &errb); code != 1 || !strings.Contains(errb.String(), "destemu scenario --help says more") {
		t.Errorf("destemu scenario: exit %d, %q", code, errb.String())
	}
	if code := run([]string{"frobnicate"}, noEnv, &out, &errb); code != 1 || !strings.Contains(errb.String(), "destemu --help says more") {
		t.Errorf("unknown command: exit %d, %q", code, errb.String())
	}
}

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	var status atomic.Int32
	status.Store(http.StatusOK)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(int(status.Load())) }))
	defer hs.Close()
	var out, errb bytes.Buffer
	if code := run([]string{"healthcheck", "--url", hs.URL + "/readyz"}, noEnv, &out, &errb); code != 0 {
		t.Fatalf("healthy server: %d %s", code, errb.String())
	}
	status.Store(http.StatusServiceUnavailable)
	if code := run([]string{"healthcheck", "--url", hs.URL + "/readyz"}, noEnv, &out, &errb); code != 1 {
		t.Fatalf("unready server: %d", code)
	}
	if code := run([]string{"healthcheck", "--url", "http://127.0.0.1:1/readyz"}, noEnv, &out, &errb); code != 1 {
		t.Fatalf("no server: %d", code)
	}
}
