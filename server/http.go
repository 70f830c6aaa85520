package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Defaults of the binary's HTTP server bounds (config.Load applies them;
// a Server built in-process has none unless its Config says so).
const (
	DefaultReadTimeout    = 30 * time.Second
	DefaultWriteTimeout   = 30 * time.Second
	DefaultIdleTimeout    = 2 * time.Minute
	DefaultMaxHeaderBytes = 64 << 10
)

// headerTimeout bounds reading a request's headers, whatever ReadTimeout.
const headerTimeout = 10 * time.Second

// HTTPServer returns an http.Server for the handler, bounded as the Config
// says, so that slow and idle clients cannot hold connections forever:
//
//   - ReadTimeout: the whole request, headers and body, must arrive within
//     it (a body trickled a byte at a time is cut off);
//   - WriteTimeout: from the end of the request's headers to the end of
//     the answer;
//   - IdleTimeout: a keep-alive connection with no request is closed;
//   - MaxHeaderBytes: larger request headers are answered 431.
//
// The routes that legitimately take longer move their own deadlines with
// http.ResponseController: the long-poll by its timeout, a webhook by its
// fault rule's latency, the snapshot routes with each account they stream.
func (s *Server) HTTPServer() *http.Server {
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: headerTimeout,
		ReadTimeout: s.cfg.ReadTimeout, WriteTimeout: s.cfg.WriteTimeout, IdleTimeout: s.cfg.IdleTimeout,
		MaxHeaderBytes: s.cfg.MaxHeaderBytes}
	if s.cfg.ReadTimeout > 0 && s.cfg.ReadTimeout < headerTimeout {
		hs.ReadHeaderTimeout = s.cfg.ReadTimeout
	}
	hs.RegisterOnShutdown(s.CloseStreams) // open browser tabs must not hold a stop
	return hs
}

// extendDeadlines gives the request d more than the server's bounds, from
// now: for a route that waits on purpose (a long-poll, a fault's latency).
// The read deadline matters too: once it passes, the server cancels the
// request's context as if the client had gone.
func (s *Server) extendDeadlines(c *gin.Context, d time.Duration) {
	rc := http.NewResponseController(c.Writer)
	now := time.Now()
	if s.cfg.ReadTimeout > 0 {
		_ = rc.SetReadDeadline(now.Add(d + s.cfg.ReadTimeout))
	}
	if s.cfg.WriteTimeout > 0 {
		_ = rc.SetWriteDeadline(now.Add(d + s.cfg.WriteTimeout))
	}
}
