package testkit_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// failures is a testing.TB whose fatal failures are written down and end
// only the goroutine, as t.Fatal does, so that a test can look at them.
type failures struct {
	testing.TB
	msgs []string
}

func (f *failures) Helper() {}

func (f *failures) Fatalf(format string, args ...any) {
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
	runtime.Goexit()
}

// TestTranscript: a transcript writes each answer down as it came, a
// golden file written with update is read back equal, and a difference
// fails naming the first line that differs.
func TestTranscript(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	golden := filepath.Join(t.TempDir(), "wire.golden")
	record := func(tb testing.TB, update bool, path string) {
		tr := testkit.NewTranscript(tb, srv.URL())
		tr.Get(path)
		tr.Record(http.MethodGet, "/_emulator/connect/accounts/nobody", nil)
		tr.Check(golden, update)
	}
	record(t, true, "/_emulator/connect/accounts")
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "== GET /_emulator/connect/accounts 200\n{") || !strings.Contains(string(data), "\n== GET /_emulator/connect/accounts/nobody 404\n{") {
		t.Errorf("transcript:\n%s", data)
	}
	record(t, false, "/_emulator/connect/accounts") // the same answers: no failure

	f := &failures{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		record(f, false, "/_emulator/promoter/accounts")
	}()
	<-done
	if len(f.msgs) != 1 || !strings.HasPrefix(f.msgs[0], "line 1 differs from "+golden) {
		t.Errorf("a different answer failed with %q", f.msgs)
	}
}

// TestTranscriptSend: a webhook message is sent with its key and its
// answer written down like any other.
func TestTranscriptSend(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	golden := filepath.Join(t.TempDir(), "wire.golden")
	tr := testkit.NewTranscript(t, srv.URL())
	tr.Send("promoter", "k-send", client.Track("u1", "Signed Up", nil).WithID("m-1"))
	tr.Check(golden, true)
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "== POST /promoter 200\n{") || !strings.Contains(string(data), `"status":"ok"`) {
		t.Errorf("transcript:\n%s", data)
	}
}
