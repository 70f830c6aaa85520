// Package server is destemu's HTTP face: the Segment webhooks (POST /{slug}),
// the control plane under /_emulator/, health (/livez, /readyz) and
// Prometheus metrics (/metrics), on a gin engine. The server is a library:
// New returns a value whose Handler can run in a test without a socket;
// cmd/destemu only wires flags to it.
package server

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/destemu/destemu/clock"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/emulators/connect"
	"github.com/destemu/destemu/emulators/promoter"
	"github.com/destemu/destemu/emulators/startdeliver"
	"github.com/destemu/destemu/emulators/usercom"
	"github.com/destemu/destemu/tracking"
)

// DefaultBodyLimit is Segment's own per-message limit, 32 KiB (G-5).
const DefaultBodyLimit = 32 << 10

// NamespaceHeader selects the namespace of a control-plane call.
const NamespaceHeader = "X-Destemu-Namespace"

// Config configures a Server. The zero value is a working sandbox server.
type Config struct {
	// Strict refuses unknown API keys with 401 instead of provisioning (G-11).
	Strict bool
	// BodyLimit bounds a webhook body in bytes (DefaultBodyLimit when zero).
	BodyLimit int64
	// LogCapacity bounds each namespace's request log (1000 when zero).
	LogCapacity int
	// LogBodyBytes bounds the bytes of request bodies each namespace's log
	// keeps (emulators.DefaultLogBodyBytes when zero, no bound when
	// negative).
	LogBodyBytes int
	// MaxNamespaces bounds how many namespaces exist at once, the default
	// one included (no bound when zero); beyond it, creating one answers 503.
	MaxNamespaces int
	// Retention bounds the events each account stores (by default the
	// newest emulators.DefaultRetainEvents, of any age).
	Retention emulators.Retention
	// AdminToken, when set, is required as "Authorization: Bearer <token>"
	// on the control plane.
	AdminToken string
	// Logger receives the server's own log (discarded when nil).
	Logger *slog.Logger
	// Emulators replaces the built-in destinations (DefaultEmulators when nil).
	Emulators []emulators.Emulator
	// Clock is the base clock of every namespace clock (the real clock when
	// nil); tests in-process can pass one of their own.
	Clock clock.Clock
	// Version is reported by the control plane.
	Version string
	// RandomSeed seeds fault probabilities and jitter; a random seed is
	// chosen when zero. /_emulator/info reports the seed in use, so a run
	// can be replayed with --seed-random.
	RandomSeed uint64
	// SnapshotLimit bounds an imported snapshot in bytes
	// (DefaultSnapshotLimit when zero).
	SnapshotLimit int64
	// ReadTimeout, WriteTimeout, IdleTimeout and MaxHeaderBytes configure
	// the http.Server that HTTPServer returns (see there). Zero leaves a
	// bound off; config.Load sets the defaults of the binary.
	ReadTimeout    time.Duration
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration
	MaxHeaderBytes int
}

// DefaultEmulators lists the built-in destinations, in the order the control
// plane shows them. Registration is this explicit list, never init().
func DefaultEmulators() []emulators.Emulator {
	return []emulators.Emulator{
		emulators.Register(startdeliver.New()),
		emulators.Register(startdeliver.NewV2()),
		emulators.Register(connect.New()),
		emulators.Register(promoter.New()),
		emulators.Register(usercom.New()),
	}
}

// Server is one destemu server: a world of namespaces behind an HTTP handler.
type Server struct {
	cfg     Config
	world   *emulators.World
	engine  *gin.Engine
	routes  []route
	log     *slog.Logger
	metrics *metrics
	ui      *ui
	ready   atomic.Bool
	// closing is closed by CloseStreams: live log streams end, so a
	// graceful stop need not wait for open browser tabs.
	closing   chan struct{}
	closeOnce sync.Once
	// maxWait bounds a long poll (the maxWait constant; tests shorten it).
	maxWait time.Duration
	// answers holds buffers to write webhook answers in (*[]byte): the
	// ResponseWriter copies an answer before Write returns, so the buffer
	// serves the next one.
	answers sync.Pool
}

// New builds a server. It is ready at once; call SetReady(false) before
// seeding state that must be in place before /readyz answers 200.
func New(cfg Config) (*Server, error) {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.Emulators == nil {
		cfg.Emulators = DefaultEmulators()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.RandomSeed == 0 {
		cfg.RandomSeed = rand.Uint64()
	}
	if cfg.SnapshotLimit <= 0 {
		cfg.SnapshotLimit = DefaultSnapshotLimit
	}
	world, err := emulators.NewWorld(emulators.Config{
		Emulators: cfg.Emulators, Strict: cfg.Strict, LogCapacity: cfg.LogCapacity, Clock: cfg.Clock,
		RandomSeed: cfg.RandomSeed, LogBodyBytes: cfg.LogBodyBytes, MaxNamespaces: cfg.MaxNamespaces, Retention: cfg.Retention,
	})
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, world: world, log: cfg.Logger, metrics: newMetrics(), ui: newUI(),
		closing: make(chan struct{}), maxWait: maxWait}
	s.metrics.registry.MustRegister(newWorldCollector(world))
	s.engine = s.newEngine()
	s.ready.Store(true)
	return s, nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.engine }

// World returns the server's state, for in-process tools (scenarios, state
// files) that work on it directly.
func (s *Server) World() *emulators.World { return s.world }

// CloseStreams ends every live log stream (web UI pages, destemu tail) and
// any opened later, so that an HTTP server's Shutdown or Close, which wait
// for answers in progress, do not wait for viewers. Register it with
// http.Server.RegisterOnShutdown.
func (s *Server) CloseStreams() { s.closeOnce.Do(func() { close(s.closing) }) }

// SetReady sets what /readyz answers.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

// Registry returns the server's Prometheus registry.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.registry }

func (s *Server) newEngine() *gin.Engine {
	r := gin.New()
	r.ContextWithFallback = true
	r.HandleMethodNotAllowed = true
	// Route on the escaped path, so an id holding '/' (sent as %2F by the
	// client) is one path parameter, unescaped for the handler.
	r.UseRawPath, r.UnescapePathValues = true, true
	_ = r.SetTrustedProxies(nil)
	r.Use(s.recovery, s.accessLog)
	r.NoRoute(func(c *gin.Context) {
		writeError(c, emulators.NotFound("no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		writeError(c, emulators.Errorf(http.StatusMethodNotAllowed, "method %s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
	})
	r.GET("/livez", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "alive"}) })
	r.GET("/readyz", func(c *gin.Context) {
		if !s.ready.Load() {
			c.JSON(http.StatusServiceUnavailable, gin.H{"message": "not ready: seeding state"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	})
	r.GET("/metrics", gin.WrapH(s.metrics.handler()))
	for _, e := range s.world.Emulators() {
		r.POST("/"+e.Info().Slug, s.webhook(e.Info().Slug))
	}
	// Segment's tracking API, for real SDKs pointed at destemu (#15).
	r.Any("/v1/*path", gin.WrapH(tracking.New(s.world, s.cfg.Strict)))
	s.routes = s.controlRoutes()
	mount := func(g *gin.RouterGroup) {
		for _, rt := range s.routes {
			g.Handle(rt.method, ginPath(strings.TrimPrefix(rt.path, "/_emulator")), rt.handle)
		}
	}
	mount(r.Group("/_emulator", s.adminAuth))
	s.mountUI(r, mount) // the web UI, with the control plane again behind its session
	return r
}

// recovery turns a panic into a 500 with the usual envelope, logged.
func (s *Server) recovery(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.log.Error("panic", "method", c.Request.Method, "path", c.Request.URL.Path, "panic", v)
			c.Abort()
			writeError(c, emulators.Errorf(http.StatusInternalServerError, "internal error: %v", v))
		}
	}()
	c.Next()
}

func (s *Server) accessLog(c *gin.Context) {
	c.Next()
	if s.log.Enabled(c, slog.LevelDebug) {
		s.log.Debug("request", "method", c.Request.Method, "path", c.Request.URL.Path, "status", c.Writer.Status())
	}
}

// adminAuth requires the admin token on the control plane when one is set.
func (s *Server) adminAuth(c *gin.Context) {
	if s.cfg.AdminToken == "" {
		return
	}
	// Compared in constant time, so that the answer's timing does not tell
	// a caller how much of a guess was right.
	want := sha256.Sum256([]byte("Bearer " + s.cfg.AdminToken))
	got := sha256.Sum256([]byte(c.GetHeader("Authorization")))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		c.Abort()
		writeError(c, emulators.Errorf(http.StatusUnauthorized, "the control plane needs Authorization: Bearer <admin token>"))
	}
}

// writeError is the one place an error becomes an answer (G-4).
func writeError(c *gin.Context, err error) {
	var e *emulators.Error
	if !errors.As(err, &e) {
		e = emulators.Errorf(http.StatusInternalServerError, "%s", err)
	}
	if e.RetryAfter > 0 {
		c.Header("Retry-After", retryAfter(e.RetryAfter))
	}
	writeJSON(c, e.Status, emulators.ErrorBody{Message: e.Message})
}

// writeJSON answers v as JSON written plainly: gin's c.JSON escapes <, >
// and & as \u003c..., which turns a message such as
// base64("<apiKey>:") into something a reader has to decode.
func writeJSON(c *gin.Context, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Data(status, "application/json; charset=utf-8", bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// ginPath turns "/a/{id}/b" into "/a/:id/b".
func ginPath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			parts[i] = ":" + part[1:len(part)-1]
		}
	}
	return strings.Join(parts, "/")
}
