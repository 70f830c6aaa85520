package server

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/emulators"
)

// Live viewers: the request log as server-sent events (the web UI, `destemu
// tail`) or as plain lines (curl -N). A viewer subscribes to its namespace's
// log feed, which never makes a webhook wait: a viewer that falls more than
// streamBuffer entries behind is dropped and reconnects with Last-Event-ID.
const (
	streamBuffer    = emulators.DefaultFeedBuffer
	streamHeartbeat = 15 * time.Second
	// streamWriteTimeout bounds one write to a viewer, so a stalled
	// connection ends its handler instead of holding it forever; it also
	// lifts any server-wide write timeout for this long-lived answer.
	streamWriteTimeout = 10 * time.Second
)

// streamRequests serves GET /_emulator/requests/stream.
func (s *Server) streamRequests(c *gin.Context) {
	name := c.GetHeader(NamespaceHeader)
	if name == "" { // EventSource cannot send headers
		name = c.Query("namespace")
	}
	ns, err := s.world.Namespace(name, true)
	if err != nil {
		writeError(c, err)
		return
	}
	f, err := logFilter(c)
	if err != nil {
		writeError(c, err)
		return
	}
	text := c.Query("format") == "text"
	if !text && c.Query("format") != "" && c.Query("format") != "sse" {
		writeError(c, emulators.BadRequest("query \"format\" must be sse or text"))
		return
	}
	backlog := c.Query("after") != ""
	if v := c.GetHeader("Last-Event-ID"); v != "" { // a reconnecting EventSource
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(c, emulators.BadRequest("header Last-Event-ID must be a request id"))
			return
		}
		f.AfterID, backlog = max(f.AfterID, id), true
	}
	// Subscribe before reading the backlog, so no entry falls between them.
	sub := ns.Log.Subscribe(streamBuffer)
	defer sub.Close()
	s.metrics.viewers.Inc()
	defer s.metrics.viewers.Dec()

	w := &streamWriter{rc: http.NewResponseController(c.Writer), text: text}
	// No read deadline for a stream: when one passes, net/http ends the
	// request as if the viewer had gone. Writes get a deadline each (flush).
	_ = w.rc.SetReadDeadline(time.Time{})
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // a proxy in front must not buffer the stream
	if text {
		h.Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		h.Set("Content-Type", "text/event-stream")
		w.comment("connected to namespace " + ns.Name)
	}
	c.Status(http.StatusOK)
	last := f.AfterID // the newest ID written
	seen := last      // the newest ID passed, written or filtered out
	if backlog {
		items, _ := ns.Log.List(f, 0)
		for i := len(items) - 1; i >= 0; i-- { // oldest first
			w.entry(&items[i])
			last = items[i].ID
		}
		seen = max(seen, last)
	}
	if w.flush(c.Writer) != nil {
		return
	}
	heartbeat := time.NewTicker(streamHeartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case it, open := <-sub.C:
			if !open {
				if sub.Dropped() && !text {
					// The data is the newest ID passed: reconnect with after=it.
					w.event("dropped", strconv.FormatUint(seen, 10))
					_ = w.flush(c.Writer)
				}
				return
			}
			// Drain what else is waiting, then write once.
			for more := true; more; {
				e := it.Entry
				seen = max(seen, e.ID)
				if e.ID > last && f.Match(e) {
					w.item(it)
					last = e.ID
				}
				select {
				case it, more = <-sub.C:
					more = more && it != nil
				default:
					more = false
				}
			}
		case <-heartbeat.C:
			w.comment("ping")
		case <-c.Request.Context().Done():
			return
		case <-s.closing:
			return
		}
		if w.flush(c.Writer) != nil {
			return
		}
	}
}

// streamWriter frames entries as server-sent events or text lines.
type streamWriter struct {
	rc   *http.ResponseController
	text bool
	buf  bytes.Buffer
}

func (w *streamWriter) entry(e *emulators.Entry) { w.item(&emulators.FeedItem{Entry: e}) }

func (w *streamWriter) item(it *emulators.FeedItem) {
	if w.text {
		w.buf.WriteString(it.Entry.String())
		w.buf.WriteByte('\n')
		return
	}
	w.buf.WriteString("id: " + strconv.FormatUint(it.Entry.ID, 10) + "\ndata: ")
	w.buf.Write(it.JSON())
	w.buf.WriteString("\n\n")
}

func (w *streamWriter) event(name, data string) {
	w.buf.WriteString("event: " + name + "\ndata: " + data + "\n\n")
}

func (w *streamWriter) comment(s string) {
	if !w.text {
		w.buf.WriteString(": " + s + "\n\n")
	}
}

// flush writes what is buffered within streamWriteTimeout.
func (w *streamWriter) flush(out http.ResponseWriter) error {
	if err := w.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if w.buf.Len() > 0 {
		if _, err := out.Write(w.buf.Bytes()); err != nil {
			return err
		}
		w.buf.Reset()
	}
	if err := w.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// textOr answers ?format=text with the log as lines, oldest first (the
// order a terminal reads), each in the one-line form the Go client prints;
// any other request goes to next.
func (s *Server) textOr(next gin.HandlerFunc) gin.HandlerFunc {
	text := s.api(s.listRequestsText)
	return func(c *gin.Context) {
		switch c.Query("format") {
		case "", "json":
			next(c)
		case "text":
			text(c)
		default:
			writeError(c, emulators.BadRequest("query \"format\" must be json or text"))
		}
	}
}

func (s *Server) listRequestsText(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	items, _, err := requestPage(c, ns)
	if err != nil {
		return 0, nil, err
	}
	var b bytes.Buffer
	for i := len(items) - 1; i >= 0; i-- {
		b.WriteString(items[i].String())
		b.WriteByte('\n')
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", b.Bytes())
	return 0, nil, nil // answered above
}
