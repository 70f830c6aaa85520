package tracking

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ServeHTTP serves every path under /v1/: the tracking API's POST
// endpoints, the settings document analytics.js loads first, and CORS
// preflights, so a page on any origin can send to destemu.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cors(w, r)
	path := strings.TrimPrefix(r.URL.Path, "/v1/")
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if wk, ok := settingsPath(path); ok && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		a.serveSettings(w, r, wk)
		return
	}
	typ, known := endpoints[path]
	if !known {
		writeAnswer(w, fail(http.StatusNotFound, "no tracking API route %s %s", r.Method, r.URL.Path))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		writeAnswer(w, fail(http.StatusMethodNotAllowed, "method %s is not allowed on %s: the tracking API takes POST", r.Method, r.URL.Path))
		return
	}
	c := &call{endpoint: path, typ: typ, auth: r.Header.Get("Authorization"), started: time.Now()}
	body, err := readBody(r, limitOf(typ))
	if err != nil {
		ans := fail(http.StatusBadRequest, "%s", err)
		a.logRefusal(nil, c, "", &ans)
		writeAnswer(w, ans)
		return
	}
	c.body = body
	ans := a.receive(c)
	if ans.drop {
		// net/http closes the connection without writing an answer.
		panic(http.ErrAbortHandler)
	}
	if ans.delay > 0 {
		t := time.NewTimer(ans.delay)
		select {
		case <-t.C:
		case <-r.Context().Done(): // the SDK gave up first
			t.Stop()
			return
		}
	}
	writeAnswer(w, ans)
}

// cors answers every origin: analytics.js posts from the page's origin
// (with text/plain, so most calls need no preflight), and destemu has no
// cookies to protect.
func cors(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = "*"
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	if r.Method != http.MethodOptions {
		return
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	allow := r.Header.Get("Access-Control-Request-Headers")
	if allow == "" {
		allow = "Content-Type, Authorization, Content-Encoding"
	}
	h.Set("Access-Control-Allow-Headers", allow)
	h.Set("Access-Control-Max-Age", "86400")
}

func writeAnswer(w http.ResponseWriter, ans answer) {
	if ans.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(ans.retryAfter.Seconds())), 10))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(ans.status)
	_ = json.NewEncoder(w).Encode(ans.body)
}

// errTooLarge is a body past the endpoint's limit.
type errTooLarge int64

func (e errTooLarge) Error() string {
	return "body is larger than the " + strconv.FormatInt(int64(e), 10) + "-byte limit of this endpoint"
}

// readBody reads the body within limit, unzipping it when it is sent with
// Content-Encoding: gzip (older mobile libraries do). The limit applies to
// the unzipped body, as Segment's applies to the JSON it reads; the
// compressed body is bounded by it too.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, errTooLarge(limit)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, errors.New("reading the body: " + err.Error())
	}
	if int64(len(body)) > limit {
		return nil, errTooLarge(limit)
	}
	enc := strings.TrimSpace(r.Header.Get("Content-Encoding"))
	if enc == "" || strings.EqualFold(enc, "identity") {
		return body, nil
	}
	if !strings.EqualFold(enc, "gzip") {
		return nil, errors.New("Content-Encoding " + enc + " is not supported (send gzip or nothing)")
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("the gzip body cannot be read: " + err.Error())
	}
	defer zr.Close()
	if body, err = io.ReadAll(io.LimitReader(zr, limit+1)); err != nil {
		return nil, errors.New("the gzip body cannot be read: " + err.Error())
	}
	if int64(len(body)) > limit {
		return nil, errTooLarge(limit)
	}
	return body, nil
}

// settingsPath reads "projects/{writeKey}/settings".
func settingsPath(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "projects/")
	if !ok {
		return "", false
	}
	wk, ok := strings.CutSuffix(rest, "/settings")
	if !ok || wk == "" || strings.Contains(wk, "/") {
		return "", false
	}
	return wk, true
}

// serveSettings answers the settings document analytics.js loads from its
// CDN before anything else (cdnURL/v1/projects/{writeKey}/settings). Its
// "Segment.io" integration points analytics.js back at this server, so a
// page configured with cdnURL alone sends its calls here; metrics are off
// so it does not post to Segment's metrics endpoint.
func (a *API) serveSettings(w http.ResponseWriter, r *http.Request, writeKey string) {
	if a.strict && a.world.Source(writeKey) == nil {
		writeAnswer(w, fail(http.StatusNotFound, "unknown write key %q (the server runs in strict mode)", writeKey))
		return
	}
	proto := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		proto = "https"
	}
	host := r.Host
	if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
		host = fh
	}
	doc := map[string]any{
		"integrations": map[string]any{
			"Segment.io": map[string]any{
				"apiKey": writeKey, "apiHost": host + "/v1", "protocol": proto,
				"unbundledIntegrations": []string{}, "addBundledMetadata": true, "maybeBundledConfigIds": map[string]any{},
				"versionSettings": map[string]any{"version": "4.4.7", "componentTypes": []string{"browser"}},
			},
		},
		"plan": map[string]any{
			"track":    map[string]any{"__default": map[string]any{"enabled": true, "integrations": map[string]any{}}},
			"identify": map[string]any{"__default": map[string]any{"enabled": true}},
			"group":    map[string]any{"__default": map[string]any{"enabled": true}},
		},
		"edgeFunction": map[string]any{}, "analyticsNextEnabled": true, "middlewareSettings": map[string]any{},
		"enabledMiddleware": map[string]any{}, "metrics": map[string]any{"sampleRate": 0},
		"legacyVideoPluginsEnabled": false, "remotePlugins": []any{},
	}
	writeAnswer(w, answer{status: http.StatusOK, body: doc})
}
