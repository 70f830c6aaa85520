package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// logWriter collects the server's log and hands over the address it says it
// listens on, so a test can run the real binary's code on port 0.
type logWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string
}

var listening = regexp.MustCompile(`msg="destemu listening" addr=(\S+)`)

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if m := listening.FindSubmatch(p); m != nil {
		w.addr <- string(m[1])
	}
	return w.buf.Write(p)
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// start runs destemu serve until the returned stop is called, which
// returns the exit code.
func start(t *testing.T, args ...string) (*client.Client, func() int, *logWriter) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &logWriter{addr: make(chan string, 1)}
	code := make(chan int, 1)
	go func() {
		code <- runContext(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), noEnv, &bytes.Buffer{}, logs)
	}()
	select {
	case addr := <-logs.addr:
		return client.New("http://" + addr), func() int { cancel(); return <-code }, logs
	case c := <-code:
		cancel()
		t.Fatalf("destemu exited with %d before listening: %s", c, logs)
		return nil, nil, nil
	}
}

// TestStateFileAcrossRestart runs the command twice on one state file: what
// the first run was told is there in the second, saved at the graceful
// stop (--state-interval 0 saves only then).
func TestStateFileAcrossRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	ctx := context.Background()

	c, stop, logs := start(t, "--state-file", path, "--state-interval", "0")
	testkit.Must(c.CreateAccount(ctx, "promoter", client.AccountSpec{ID: "acme", Keys: []client.KeySpec{{Value: "k-acme"}}}))(t)
	testkit.Must(c.Send(ctx, "promoter", "k-acme", nil, client.Identify("u1", map[string]any{"email": "ada@example.com"}).WithID("m-1")))(t)
	if _, err := os.Stat(path); err == nil {
		t.Fatal("the state file was written before the stop with --state-interval 0")
	}
	if code := stop(); code != 0 {
		t.Fatalf("first run exited %d: %s", code, logs)
	}

	c, stop, logs = start(t, "--state-file", path)
	defer func() {
		if code := stop(); code != 0 {
			t.Errorf("second run exited %d: %s", code, logs)
		}
	}()
	contact, err := c.Promoter("acme").Contact(ctx, "u1")
	if err != nil || contact.Email != "ada@example.com" {
		t.Fatalf("after the restart: %+v, %v", contact, err)
	}
	res, err := c.Send(ctx, "promoter", "k-acme", nil, client.Identify("u1", nil).WithID("m-1"))
	if err != nil || res.Status != "duplicate" {
		t.Fatalf("a retry after the restart: %+v, %v", res, err)
	}
	if !strings.Contains(logs.String(), "state loaded") {
		t.Errorf("the log does not say the state was loaded: %s", logs)
	}
}

// TestBrokenStateFileStopsStartup: a truncated state file makes the command
// exit 1 with a message naming the file, and leaves the file as it was.
func TestBrokenStateFileStopsStartup(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	broken := []byte(`{"version":1,"namespaces":[{"name":"default","clock":{"now":"2030-01-01T00:00:00Z","frozen":tr`)
	if err := os.WriteFile(path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := runContext(context.Background(), []string{"--addr", "127.0.0.1:0", "--state-file", path}, noEnv, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "destemu: state file "+path) || !strings.Contains(errb.String(), "truncated") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if strings.Contains(errb.String(), "listening") {
		t.Fatalf("it listened before failing: %s", errb.String())
	}
	if data, _ := os.ReadFile(path); !bytes.Equal(data, broken) {
		t.Fatalf("the file changed: %q", data)
	}
}
