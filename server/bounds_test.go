package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

// safety bounds how long a test waits for the server to end something it
// must end by itself; it detects a hang, it measures nothing.
const safety = 20 * time.Second

// serveBounded runs a server on a real listener through HTTPServer, as the
// binary does, so that its timeouts apply. tune, when set, adjusts each
// accepted connection.
func serveBounded(t *testing.T, cfg server.Config, tune func(*net.TCPConn)) (*server.Server, string) {
	t.Helper()
	if cfg.Emulators == nil {
		cfg.Emulators = append(server.DefaultEmulators(), emulators.Register(probe{}))
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(tunedListener{ln, tune}) }()
	t.Cleanup(func() { _ = hs.Close() })
	return srv, ln.Addr().String()
}

type tunedListener struct {
	net.Listener
	tune func(*net.TCPConn)
}

func (l tunedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && l.tune != nil {
		l.tune(tc)
	}
	return c, err
}

// dial opens a raw connection that fails the test if the server leaves it
// hanging past safety.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(safety))
	return conn
}

// closedByServer reads until the server closes the connection; a read that
// hits the safety deadline fails the test.
func closedByServer(t *testing.T, conn io.Reader, what string) []byte {
	t.Helper()
	data, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the server kept the connection open (read %q)", what, data)
	}
	return data
}

// TestServerTimeouts (#13 item 6): with short configured bounds, a body
// trickled a byte at a time is cut off, an idle keep-alive connection is
// closed, oversized headers are answered 431, and a long-poll still runs
// its whole timeout, past both the read and the write timeout.
func TestServerTimeouts(t *testing.T) {
	t.Parallel()
	_, addr := serveBounded(t, server.Config{ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond,
		IdleTimeout: 300 * time.Millisecond, MaxHeaderBytes: 2048}, nil)

	t.Run("a trickled body is cut off", func(t *testing.T) {
		t.Parallel()
		conn := dial(t, addr)
		fmt.Fprintf(conn, "POST /promoter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					if _, err := conn.Write([]byte(" ")); err != nil {
						return
					}
				}
			}
		}()
		closedByServer(t, conn, "a trickled body")
	})
	t.Run("an idle keep-alive connection is closed", func(t *testing.T) {
		t.Parallel()
		conn := dial(t, addr)
		fmt.Fprintf(conn, "GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
		r := bufio.NewReader(conn)
		resp, err := http.ReadResponse(r, nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("livez: %v %v", resp, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		if rest := closedByServer(t, r, "an idle connection"); len(rest) != 0 {
			t.Fatalf("unexpected bytes %q", rest)
		}
	})
	t.Run("oversized headers are 431", func(t *testing.T) {
		t.Parallel()
		conn := dial(t, addr)
		// net/http allows 4 KiB beyond MaxHeaderBytes.
		fmt.Fprintf(conn, "GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 8<<10))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("big headers: %v %v", resp, err)
		}
	})
	t.Run("a long-poll runs its whole timeout", func(t *testing.T) {
		t.Parallel()
		c := client.New("http://" + addr)
		_, err := c.WaitRequests(ctx, client.RequestFilter{Event: "Never"}, 1, 900*time.Millisecond)
		if client.StatusOf(err) != http.StatusRequestTimeout || !strings.Contains(err.Error(), "timed out after 900ms") {
			t.Fatalf("a wait longer than the read and write timeouts: %v", err)
		}
	})
	t.Run("a fault's latency outlasts the write timeout", func(t *testing.T) {
		t.Parallel()
		c := client.New("http://" + addr).Namespace("slow")
		if _, err := c.AddFault(ctx, client.FaultRule{Match: client.FaultMatch{Destination: "probe"},
			Action: client.FaultAction{Kind: "latency", Latency: "700ms"}}); err != nil {
			t.Fatal(err)
		}
		testkit.Must(c.CreateAccount(ctx, "probe", client.AccountSpec{ID: "a", Settings: regionEU, Keys: []client.KeySpec{{Value: "k-slow"}}}))(t)
		if res, err := c.Send(ctx, "probe", "k-slow", nil, client.Track("u", "E", nil)); err != nil || res.Status != "ok" {
			t.Fatalf("a webhook with 700 ms of fault latency: %+v, %v", res, err)
		}
	})
}

// syncBuffer is a log sink tests read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// manyAccounts is a snapshot document of n probe accounts, each holding a
// few events: a few MB that no socket buffer holds.
func manyAccounts(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"version":1,"namespaces":[{"name":"default","clock":{"now":"2030-01-01T00:00:00Z","frozen":true},"accounts":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"destination":"probe","id":"a%d","settings":{"region":"eu"},"keys":[{"value":"k%d"}],"state":{"events":[`, i, i)
		for j := range 5 {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"type":"track","user":"user-%d-%d","event":"Some Event With A Long Name %s"}`, i, j, strings.Repeat("x", 100))
		}
		b.WriteString(`]}}`)
	}
	b.WriteString(`]}]}`)
	return b.Bytes()
}

// TestSnapshotRoutesBounded (#13 item 5): an import larger than the limit
// by its Content-Length is refused before a byte of it is read, one
// without a length is cut at the limit, and an export to a client that
// never reads is abandoned after the write timeout instead of holding the
// server forever.
func TestSnapshotRoutesBounded(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	srv, addr := serveBounded(t, server.Config{SnapshotLimit: 8 << 20, WriteTimeout: 300 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil))},
		func(c *net.TCPConn) { _ = c.SetWriteBuffer(4 << 10) })
	doc := manyAccounts(2000)
	if err := srv.Restore(doc); err != nil {
		t.Fatal(err)
	}

	t.Run("PUT over the limit by Content-Length", func(t *testing.T) {
		conn := dial(t, addr)
		fmt.Fprintf(conn, "PUT /_emulator/snapshot HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n{", 8<<20+1)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("answered %v, %v; want 413 before the body is sent", resp, err)
		}
	})
	t.Run("PUT over the limit without a length", func(t *testing.T) {
		_, small := serveBounded(t, server.Config{SnapshotLimit: 1024}, nil)
		conn := dial(t, small)
		body := `{"version":1,"namespaces":[]}` + strings.Repeat(" ", 2048)
		fmt.Fprintf(conn, "PUT /_emulator/snapshot HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(body), body)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("a chunked import over the limit: %v, %v", resp, err)
		}
	})
	t.Run("GET to a client that never reads", func(t *testing.T) {
		conn := dial(t, addr)
		_ = conn.(*net.TCPConn).SetReadBuffer(4 << 10)
		fmt.Fprintf(conn, "GET /_emulator/snapshot HTTP/1.1\r\nHost: x\r\n\r\n")
		deadline := time.Now().Add(safety)
		for !strings.Contains(logs.String(), "snapshot export cut short") {
			if time.Now().After(deadline) {
				t.Fatal("the export still waits on a client that never reads")
			}
			time.Sleep(20 * time.Millisecond) // polling the log, not waiting for time to pass
		}
	})
	t.Run("a reading client gets the whole export", func(t *testing.T) {
		// A server of its own, whose write timeout a busy test machine
		// cannot outlast between two accounts.
		srv, addr := serveBounded(t, server.Config{WriteTimeout: 10 * time.Second}, nil)
		if err := srv.Restore(doc); err != nil {
			t.Fatal(err)
		}
		got, err := client.New("http://" + addr).Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var snap struct {
			Namespaces []struct{ Accounts []json.RawMessage }
		}
		if err := json.Unmarshal(got, &snap); err != nil || len(snap.Namespaces[0].Accounts) != 2000 {
			t.Fatalf("export of %d bytes: %v", len(got), err)
		}
	})
}

// TestStateFileSaveFailureCounted (#13 item 8): a save that fails shows in
// /metrics, and one that works too.
func TestStateFileSaveFailureCounted(t *testing.T) {
	t.Parallel()
	srv, addr := serveBounded(t, server.Config{}, nil)
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sf, err := srv.OpenStateFile(filepath.Join(dir, "state.json"), 0)
	if err != nil {
		t.Fatal(err)
	}
	c := client.New("http://" + addr)
	testkit.Must(c.Send(ctx, "promoter", "k", nil, client.Identify("u", map[string]any{"email": "u@example.com"})))(t)
	if err := sf.Save(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	testkit.Must(c.Send(ctx, "promoter", "k", nil, client.Identify("u2", map[string]any{"email": "u2@example.com"})))(t)
	if err := sf.Save(); err == nil {
		t.Fatal("a save into a removed directory worked")
	}
	_, body := get(t, http.DefaultClient, "http://"+addr+"/metrics")
	for _, want := range []string{"destemu_state_file_saves_total 1", "destemu_state_file_save_failures_total 1"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics does not say %q", want)
		}
	}
}
