// Package testkit starts destemu for a Go test: in-process (Start, no
// Docker, an httptest server on 127.0.0.1:0) or, later, as a container. Both
// satisfy Emulator, so one test body runs against either; Isolated gives
// each parallel test a fresh namespace of its own (its own accounts and its
// own clock) on a shared server.
package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/server"
)

// Emulator is a running destemu: its address and a client for it.
type Emulator interface {
	URL() string
	Client() *client.Client
}

// Server is an in-process destemu behind an httptest server.
type Server struct {
	srv    *server.Server
	hs     *httptest.Server
	client *client.Client
}

type options struct {
	cfg    server.Config
	frozen *time.Time
}

// Option configures an in-process server.
type Option func(*options)

// WithStrict refuses unknown API keys with 401 (G-11).
func WithStrict() Option { return func(o *options) { o.cfg.Strict = true } }

// WithAdminToken requires the admin token on the control plane; the
// returned client sends it.
func WithAdminToken(token string) Option { return func(o *options) { o.cfg.AdminToken = token } }

// WithEmulators replaces the built-in destinations (for tests of the
// platform with a destination of their own).
func WithEmulators(e ...emulators.Emulator) Option {
	return func(o *options) { o.cfg.Emulators = e }
}

// WithFrozenClock freezes the default namespace's clock at t.
func WithFrozenClock(t time.Time) Option { return func(o *options) { o.frozen = &t } }

// WithConfig adjusts the server configuration directly.
func WithConfig(f func(*server.Config)) Option { return func(o *options) { f(&o.cfg) } }

// quietGin puts gin in release mode once, unless GIN_MODE says otherwise:
// in debug mode every server a test starts prints its whole route table.
// The server package leaves the mode alone (it is gin's global); testkit is
// test tooling, where the noise hides the test's own output.
var quietGin = sync.OnceFunc(func() {
	if os.Getenv(gin.EnvGinMode) == "" {
		gin.SetMode(gin.ReleaseMode)
	}
})

// New starts an in-process server; Close stops it. Use it from TestMain to
// share one server between tests; in a test, Start is simpler.
func New(opts ...Option) (*Server, error) {
	quietGin()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	srv, err := server.New(o.cfg)
	if err != nil {
		return nil, err
	}
	if o.frozen != nil {
		ns, _ := srv.World().Namespace(emulators.DefaultNamespace, false)
		ns.Clock.Freeze()
		ns.Clock.Set(*o.frozen)
	}
	hs := httptest.NewServer(srv.Handler())
	var copts []client.Option
	if o.cfg.AdminToken != "" {
		copts = append(copts, client.WithAdminToken(o.cfg.AdminToken))
	}
	return &Server{srv: srv, hs: hs, client: client.New(hs.URL, copts...)}, nil
}

// Start starts an in-process server for the test and stops it when the
// test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatalf("testkit: start destemu: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// URL returns the server's base URL (http://127.0.0.1:port).
func (s *Server) URL() string { return s.hs.URL }

// Client returns a client for the server's default namespace.
func (s *Server) Client() *client.Client { return s.client }

// Server returns the destemu server itself, for in-process inspection.
func (s *Server) Server() *server.Server { return s.srv }

// Close stops the server.
func (s *Server) Close() { s.hs.Close() }

// Namespace is a fresh namespace on a shared emulator; it is itself an
// Emulator whose client is scoped to it.
type Namespace struct {
	Name   string
	url    string
	client *client.Client
}

// URL returns the shared server's base URL.
func (n *Namespace) URL() string { return n.url }

// Client returns a client scoped to the namespace.
func (n *Namespace) Client() *client.Client { return n.client }

// Isolated creates a fresh namespace on e for the test, named after it, and
// deletes it when the test ends. Parallel tests each get their own accounts,
// request log and clock, so one can advance its clock by a week while
// another runs in real time.
func Isolated(t testing.TB, e Emulator) *Namespace {
	t.Helper()
	name := namespaceName(t.Name())
	c := e.Client().Namespace(name)
	ctx := context.Background()
	if _, err := c.CreateNamespace(ctx, name); err != nil {
		t.Fatalf("testkit: create namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := e.Client().DeleteNamespace(context.Background(), name); err != nil && client.StatusOf(err) != 404 {
			t.Errorf("testkit: delete namespace %s: %v", name, err)
		}
	})
	return &Namespace{Name: name, url: e.URL(), client: c}
}

// namespaceName makes a valid, unique namespace name from a test name.
func namespaceName(test string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(test) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	prefix := strings.Trim(b.String(), "-._")
	if len(prefix) > 40 {
		prefix = prefix[:40]
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	if prefix == "" {
		prefix = "t"
	}
	return prefix + "-" + hex.EncodeToString(rnd[:])
}

// ExpectRequests waits (no sleeping) until n requests matching f are in the
// emulator's request log, up to timeout, and fails the test with what did
// arrive when they do not come.
func ExpectRequests(t testing.TB, e Emulator, f client.RequestFilter, n int, timeout time.Duration) []client.Entry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	got, err := e.Client().WaitFor(ctx, f, n)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return got
}
