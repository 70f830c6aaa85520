package server

import (
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/emulators"
)

// webhook serves POST /{slug}: it reads the body within the limit and hands
// the request to the world, which applies the webhook contract.
func (s *Server) webhook(slug string) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		body, tooLarge, err := readBody(c.Request, s.cfg.BodyLimit)
		if err != nil {
			writeError(c, emulators.BadRequest("reading the body: %s", err))
			return
		}
		ans := s.world.Deliver(&emulators.Delivery{
			Destination:    slug,
			Authorization:  c.GetHeader("Authorization"),
			SettingsHeader: c.GetHeader("X-Segment-Settings"),
			Namespace:      c.GetHeader(NamespaceHeader),
			Header:         c.Request.Header,
			Body:           body,
			BodyTooLarge:   tooLarge,
			BodyLimit:      s.cfg.BodyLimit,
			Started:        start,
		})
		s.metrics.observe(slug, ans.Status, ans.Entry.Outcome, time.Since(start))
		s.logWebhook(c, ans.Entry)
		if ans.Drop {
			// net/http closes the connection without writing an answer.
			panic(http.ErrAbortHandler)
		}
		if ans.Delay > 0 {
			s.extendDeadlines(c, ans.Delay) // a fault's latency may outlast the write timeout
			t := time.NewTimer(ans.Delay)
			select {
			case <-t.C:
			case <-c.Request.Context().Done(): // the caller gave up first
				t.Stop()
				return
			}
		}
		if ans.RetryAfter > 0 {
			c.Header("Retry-After", retryAfter(ans.RetryAfter))
		}
		s.writeAnswer(c, ans.Status, ans.Body)
	}
}

// logWebhook writes the one line per webhook that `docker logs` shows at
// the default level: who, what, and what came of it.
func (s *Server) logWebhook(c *gin.Context, e *emulators.Entry) {
	if !s.log.Enabled(c, slog.LevelInfo) {
		return
	}
	detail := e.Message
	if detail == "" && len(e.Actions) > 0 {
		detail = e.Actions[0]
		if n := len(e.Actions) - 1; n > 0 {
			detail += " (+" + strconv.Itoa(n) + " more)"
		}
	}
	attrs := []slog.Attr{slog.String("destination", e.Destination),
		slog.String("account", e.Account), slog.String("type", e.Type), slog.Int("status", e.Status),
		slog.String("outcome", e.Outcome), slog.String("detail", detail)}
	if e.Namespace != emulators.DefaultNamespace {
		attrs = append(attrs, slog.String("namespace", e.Namespace))
	}
	s.log.LogAttrs(c, slog.LevelInfo, "webhook", attrs...)
}

// writeAnswer writes a webhook's answer body, encoded without reflection
// when it knows how (Result and ErrorBody do), in a buffer of s.answers.
func (s *Server) writeAnswer(c *gin.Context, status int, body any) {
	if a, ok := body.(interface{ AppendJSON([]byte) ([]byte, error) }); ok {
		buf, _ := s.answers.Get().(*[]byte)
		if buf == nil {
			buf = new([]byte)
		}
		b, err := a.AppendJSON((*buf)[:0])
		if err == nil {
			c.Data(status, "application/json; charset=utf-8", b)
		}
		if *buf = b; cap(b) <= maxAnswerBuffer {
			s.answers.Put(buf)
		}
		if err == nil {
			return
		}
	}
	writeJSON(c, status, body)
}

// maxAnswerBuffer is the largest answer buffer kept for the next answer.
const maxAnswerBuffer = 16 << 10

// readBody reads at most limit bytes; a longer body is reported, not read.
func readBody(r *http.Request, limit int64) (body []byte, tooLarge bool, err error) {
	if r.ContentLength > limit {
		return nil, true, nil
	}
	size := r.ContentLength
	if size < 0 || size > limit {
		size = 512
	}
	buf := make([]byte, 0, size+1)
	lr := io.LimitReader(r.Body, limit+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, rerr := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return nil, false, rerr
		}
	}
	if int64(len(buf)) > limit {
		return nil, true, nil
	}
	return buf, false, nil
}

// retryAfter writes a Retry-After value in whole seconds, rounded up.
func retryAfter(d time.Duration) string {
	return strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10)
}
