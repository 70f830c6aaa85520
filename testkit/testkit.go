// Package testkit starts destemu for a Go test in-process (Start, no
// Docker, an httptest server on 127.0.0.1:0). Its sibling package
// testkit/container starts the image instead (container.Run, with
// testcontainers-go) and takes the same options; both satisfy Emulator, so
// one test body runs against either. Isolated gives each parallel test a
// fresh namespace of its own (its own accounts and its own clock) on a
// shared server.
//
// testkit needs only the server: importing it does not bring Docker's and
// testcontainers' modules into a user's build (a test keeps it so).
package testkit

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
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
	cfg    server.Config // Strict and AdminToken reach the container too
	frozen *time.Time
	level  *slog.Level
	seeds  []string // host paths of scenario files whose setup is applied at start
	// inProcessOnly names the first option given that a container cannot
	// honour (it changes Go values inside the server), so container.Run
	// can say so.
	inProcessOnly string
}

// Option configures an emulator started by Start or New, or by
// testkit/container's Run (wrapped by container.With).
type Option func(*options) error

// Settings is what a list of Options asks for, in the terms a server
// started outside this process can take (flags, files, a control-plane
// call): testkit/container turns it into the container's command line.
type Settings struct {
	Strict     bool
	AdminToken string
	LogLevel   *slog.Level // nil: the server's default
	FrozenAt   *time.Time  // nil: the clock runs
	Seeds      []string    // host paths of scenario files whose setup is applied at start
	// InProcessOnly names the first option given that changes Go values
	// inside the server (WithEmulators, WithConfig), which only an
	// in-process server can honour; empty when there is none.
	InProcessOnly string
}

// Resolve applies opts and reports what they ask for.
func Resolve(opts ...Option) (Settings, error) {
	var o options
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return Settings{}, err
		}
	}
	return Settings{Strict: o.cfg.Strict, AdminToken: o.cfg.AdminToken, LogLevel: o.level,
		FrozenAt: o.frozen, Seeds: o.seeds, InProcessOnly: o.inProcessOnly}, nil
}

// WithStrict refuses unknown API keys with 401 instead of provisioning an
// account (G-11); in a container, the --strict flag.
func WithStrict() Option { return func(o *options) error { o.cfg.Strict = true; return nil } }

// WithAdminToken requires the admin token on the control plane; the
// returned client sends it. In a container, the --admin-token flag.
func WithAdminToken(token string) Option {
	return func(o *options) error { o.cfg.AdminToken = token; return nil }
}

// WithLogLevel sets the server log's level: in a container, --log-level
// (the log is the container's output, see Container.Logs); in-process, the
// log goes to standard error, which go test shows for a failing or -v test
// (otherwise an in-process server logs nothing).
func WithLogLevel(level slog.Level) Option {
	return func(o *options) error { o.level = &level; return nil }
}

// WithEmulators replaces the built-in destinations (for tests of the
// platform with a destination of their own). In-process only: a container
// runs the destinations compiled into its image.
func WithEmulators(e ...emulators.Emulator) Option {
	return func(o *options) error {
		o.cfg.Emulators = e
		o.inProcessOnly = cmp.Or(o.inProcessOnly, "WithEmulators")
		return nil
	}
}

// WithFrozenClock freezes the default namespace's clock at t (in a
// container, through the control plane once it is ready).
func WithFrozenClock(t time.Time) Option { return func(o *options) error { o.frozen = &t; return nil } }

// WithSeed applies the setup of scenario files (accounts, keys as written,
// and control-plane calls) to the default namespace before the server is
// handed over, as destemu --seed does. In a container, each file is copied
// to /seed/<file name> and named by a --seed flag, so its setup is in place
// before /readyz answers 200 and Run returns.
func WithSeed(files ...string) Option {
	return func(o *options) error { o.seeds = append(o.seeds, files...); return nil }
}

// WithConfig adjusts the server configuration directly. In-process only; a
// container takes flags instead (testcontainers.WithCmdArgs).
func WithConfig(f func(*server.Config)) Option {
	return func(o *options) error {
		f(&o.cfg)
		o.inProcessOnly = cmp.Or(o.inProcessOnly, "WithConfig")
		return nil
	}
}

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
	srv, o, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	hs := httptest.NewServer(srv.Handler())
	var copts []client.Option
	if o.cfg.AdminToken != "" {
		copts = append(copts, client.WithAdminToken(o.cfg.AdminToken))
	}
	return &Server{srv: srv, hs: hs, client: client.New(hs.URL, copts...)}, nil
}

// newServer builds the server opts describe, without a listener.
func newServer(opts []Option) (*server.Server, options, error) {
	quietGin()
	var o options
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, o, err
		}
	}
	if o.level != nil && o.cfg.Logger == nil {
		o.cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: *o.level}))
	}
	srv, err := server.New(o.cfg)
	if err != nil {
		return nil, o, err
	}
	if o.frozen != nil {
		ns, _ := srv.World().Namespace(emulators.DefaultNamespace, false)
		ns.Clock.Freeze()
		ns.Clock.Set(*o.frozen)
	}
	if err := srv.Seed(context.Background(), o.seeds...); err != nil {
		return nil, o, err
	}
	return srv, o, nil
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
func (s *Server) Close() {
	s.srv.CloseStreams() // a live log stream would hold Close forever
	s.hs.Close()
}

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
