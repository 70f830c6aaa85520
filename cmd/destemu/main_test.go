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
	errb.Reset()
	if code := run([]string{"-h"}, noEnv, &out, &errb); code != 0 || !strings.Contains(errb.String(), "-strict") {
		t.Fatalf("-h: %d %q", code, errb.String())
	}
	if code := run([]string{"--log-format", "xml"}, noEnv, &out, &errb); code != 1 {
		t.Fatalf("bad flag: %d", code)
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
