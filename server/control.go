package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/clock"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/scenarios"
	"github.com/destemu/destemu/wire"
)

// route is one control-plane route. The table of routes drives both the gin
// router and the OpenAPI document, so the two cannot drift apart.
type route struct {
	method  string
	path    string // OpenAPI form: /_emulator/x/{id}
	summary string
	query   []string // documented query parameters
	// bodyTypes are the media types of a scenario file body (YAML, JSON).
	bodyTypes []string
	// params document query parameters with their types (lists and
	// destination routes); in and out are the Go types of the body and the
	// answer, reflected into the OpenAPI document. A route without in takes
	// no body; one without out and text answers no content (204).
	params  []emulators.Param
	in, out reflect.Type
	// text are the media types of answers other than JSON (the text form
	// of the request log, a scenario report in JUnit), documented as text.
	text   []string
	handle gin.HandlerFunc
}

// handlerFunc answers a control-plane call with a status and a JSON value.
type handlerFunc func(c *gin.Context, ns *emulators.Namespace) (int, any, error)

// api adapts a handlerFunc: it resolves the namespace from the header and
// renders the answer or the error.
func (s *Server) api(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		ns, err := s.world.Namespace(c.GetHeader(NamespaceHeader), true)
		if err != nil {
			writeError(c, err)
			return
		}
		status, v, err := h(c, ns)
		if err != nil {
			writeError(c, err)
			return
		}
		if v == nil {
			c.Status(status)
			return
		}
		writeJSON(c, status, v)
	}
}

var logFilterQuery = []string{"destination", "account", "status", "outcome", "type", "userId", "event", "after"}

// requestsQuery are the parameters of the request log's listing: its
// filters, the page (limit, offset) and the text format.
var requestsQuery = append([]string{"limit", "offset", "format"}, logFilterQuery...)

func (s *Server) controlRoutes() []route {
	rs := []route{
		{method: "GET", path: "/_emulator/info", summary: "Server version, mode and destinations", out: reflect.TypeFor[serverInfo](), handle: s.api(s.info)},
		{method: "GET", path: "/_emulator/openapi.json", summary: "This document", out: reflect.TypeFor[map[string]any](), handle: s.openAPI},
		{method: "GET", path: "/_emulator/views", summary: "Each destination's declared read views: path, filters, time range (every list also takes limit and offset)",
			out: reflect.TypeFor[emulators.List[destinationViews]](), handle: s.api(s.views)},
		viewRoute(s, "/_emulator/namespaces", "List namespaces", namespacesView, func(*emulators.Namespace) *Server { return s }),
		{method: "POST", path: "/_emulator/namespaces", summary: "Create a namespace", in: reflect.TypeFor[namespaceSpec](), out: reflect.TypeFor[namespaceView](), handle: s.api(s.createNamespace)},
		{method: "DELETE", path: "/_emulator/namespaces/{namespace}", summary: "Delete a namespace and everything in it", handle: s.api(s.deleteNamespace)},
		{method: "POST", path: "/_emulator/reset", summary: "Reset the namespace (?scope=all: the whole server)", query: []string{"scope"}, handle: s.api(s.reset)},
		{method: "GET", path: "/_emulator/clock", summary: "Read the namespace clock", out: clockType, handle: s.api(s.clockGet)},
		{method: "POST", path: "/_emulator/clock/freeze", summary: "Freeze the namespace clock", out: clockType, handle: s.api(s.clockFreeze)},
		{method: "POST", path: "/_emulator/clock/set", summary: "Set the namespace clock to a time", in: reflect.TypeFor[clockSetSpec](), out: clockType, handle: s.api(s.clockSet)},
		{method: "POST", path: "/_emulator/clock/advance", summary: "Move the namespace clock forward", in: reflect.TypeFor[clockAdvanceSpec](), out: clockType, handle: s.api(s.clockAdvance)},
		{method: "POST", path: "/_emulator/clock/resume", summary: "Let a frozen clock run again from where it stands", out: clockType, handle: s.api(s.clockResume)},
		{method: "POST", path: "/_emulator/clock/reset", summary: "Return the clock to real time", out: clockType, handle: s.api(s.clockReset)},
		{method: "GET", path: "/_emulator/requests", summary: "The request log, newest first (?format=text: one line each, oldest first)", out: reflect.TypeFor[emulators.List[emulators.Entry]](), text: []string{"text/plain"}, query: requestsQuery, handle: s.textOr(s.api(s.listRequests))},
		{method: "GET", path: "/_emulator/requests/stream", summary: "New log entries as server-sent events (?format=text: plain lines); ?after=ID or Last-Event-ID replays from the log first", query: append([]string{"namespace", "format"}, logFilterQuery...), text: []string{"text/event-stream", "text/plain"}, handle: s.streamRequests},
		{method: "GET", path: "/_emulator/requests/wait", summary: "Wait until count matching requests exist, or timeout", query: append([]string{"count", "timeout"}, logFilterQuery...), out: reflect.TypeFor[emulators.List[emulators.Entry]](), handle: s.api(s.waitRequests)},
		{method: "DELETE", path: "/_emulator/requests", summary: "Clear the namespace's request log", handle: s.api(s.clearRequests)},
		{method: "GET", path: "/_emulator/requests/counts", summary: "Count logged requests, grouped by fields (?by=destination,status)", query: append([]string{"by"}, logFilterQuery...), out: reflect.TypeFor[requestCounts](), handle: s.api(s.countRequests)},
		viewRoute(s, "/_emulator/faults", "List the namespace's fault rules", faultsView, inNamespace),
		{method: "POST", path: "/_emulator/faults", summary: "Add a fault rule", in: reflect.TypeFor[emulators.FaultRule](), out: reflect.TypeFor[emulators.FaultRule](), handle: s.api(s.addFault)},
		{method: "DELETE", path: "/_emulator/faults", summary: "Clear the namespace's fault rules", handle: s.api(s.clearFaults)},
		{method: "DELETE", path: "/_emulator/faults/{id}", summary: "Delete a fault rule", handle: s.api(s.deleteFault)},
		{method: "GET", path: "/_emulator/snapshot", summary: "Export all state of every namespace as one versioned JSON document", out: reflect.TypeFor[emulators.Snapshot](), handle: s.exportSnapshot},
		{method: "PUT", path: "/_emulator/snapshot", summary: "Import a snapshot, replacing all state of every namespace at once (the request logs are cleared)", in: reflect.TypeFor[emulators.Snapshot](), handle: s.importSnapshot},
		{method: "POST", path: "/_emulator/scenarios", summary: "Run a posted scenario (YAML or JSON, docs/scenarios.md) in a fresh namespace and answer its report (?format=json|text|junit)",
			query: []string{"format", "keep"}, bodyTypes: []string{"application/yaml", "application/json"},
			out: reflect.TypeFor[scenarios.Report](), text: []string{"text/plain", "application/xml"}, handle: s.runScenario},
	}
	rs = append(rs, s.sourceRoutes()...)
	for _, e := range s.world.Emulators() {
		rs = append(rs, s.destinationRoutes(e)...)
	}
	return rs
}

func (s *Server) destinationRoutes(e emulators.Emulator) []route {
	info := e.Info()
	base := "/_emulator/" + info.Slug + "/accounts"
	one := base + "/{account}"
	rs := []route{
		viewRoute(s, base, "List "+info.Name+" accounts", accountsView(info.Slug), inNamespace),
		{method: "POST", path: base, summary: "Create a " + info.Name + " account", in: reflect.TypeFor[emulators.AccountSpec](), out: reflect.TypeFor[emulators.AccountView](), handle: s.api(s.createAccount(info.Slug))},
		{method: "GET", path: one, summary: "Read a " + info.Name + " account", out: reflect.TypeFor[emulators.AccountView](), handle: s.api(s.getAccount(info.Slug))},
		{method: "DELETE", path: one, summary: "Delete a " + info.Name + " account", handle: s.api(s.deleteAccount(info.Slug))},
		{method: "POST", path: one + "/reset", summary: "Clear a " + info.Name + " account's data", handle: s.api(s.resetAccount(info.Slug))},
		viewRoute(s, one+"/keys", "List the account's API keys", keysView(info.Slug), inNamespace),
		{method: "POST", path: one + "/keys", summary: "Add an API key", in: reflect.TypeFor[emulators.KeySpec](), out: reflect.TypeFor[wire.Key](), handle: s.api(s.addKey(info.Slug))},
	}
	for _, st := range []emulators.KeyStatus{emulators.KeyActive, emulators.KeyInactive, emulators.KeyRevoked} {
		verb := map[emulators.KeyStatus]string{emulators.KeyActive: "activate", emulators.KeyInactive: "deactivate", emulators.KeyRevoked: "revoke"}[st]
		rs = append(rs, route{method: "POST", path: one + "/keys/{key}/" + verb, summary: strings.ToUpper(verb[:1]) + verb[1:] + " an API key",
			out: reflect.TypeFor[wire.Key](), handle: s.api(s.setKeyStatus(info.Slug, st))})
	}
	for _, res := range e.Resources() {
		rs = append(rs, route{method: res.Method, path: one + "/" + res.Path, summary: res.Summary,
			params: res.Query, in: res.In, out: res.Out, handle: s.api(s.resource(info.Slug, res))})
	}
	return rs
}

// serverInfo is the answer of /_emulator/info.
type serverInfo = wire.ServerInfoOf[emulators.Setting]

func (s *Server) info(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	out := serverInfo{Version: s.cfg.Version, Strict: s.cfg.Strict, BodyLimit: s.cfg.BodyLimit, RandomSeed: s.cfg.RandomSeed, Destinations: []wire.DestinationOf[emulators.Setting]{}}
	for _, e := range s.world.Emulators() {
		i := e.Info()
		d := wire.DestinationOf[emulators.Setting]{Slug: i.Slug, Name: i.Name, Webhook: "/" + i.Slug, Integrations: i.Integrations, Settings: i.Settings, Doc: i.Doc}
		for _, t := range i.Accepts {
			d.Accepts = append(d.Accepts, t.String())
		}
		out.Destinations = append(out.Destinations, d)
	}
	return http.StatusOK, out, nil
}

// destinationViews lists one destination's read views, for a reader that
// renders any destination's state (the web UI) without knowing it.
type destinationViews struct {
	Destination string               `json:"destination"`
	Views       []emulators.ViewInfo `json:"views"`
}

func (s *Server) views(c *gin.Context, _ *emulators.Namespace) (int, any, error) {
	var out []destinationViews
	for _, e := range s.world.Emulators() {
		d := destinationViews{Destination: e.Info().Slug, Views: []emulators.ViewInfo{}}
		for _, r := range e.Resources() {
			if r.View != nil {
				d.Views = append(d.Views, *r.View)
			}
		}
		out = append(out, d)
	}
	return http.StatusOK, list(out), nil
}

type namespaceView = wire.NamespaceInfoOf[clock.State]

func viewNamespace(ns *emulators.Namespace) namespaceView {
	_, n := ns.Log.List(emulators.Filter{}, 1)
	return namespaceView{Name: ns.Name, Clock: ns.Clock.State(), Requests: n}
}

// namespaceSpec creates a namespace.
type namespaceSpec struct {
	Name string `json:"name"`
}

func (s *Server) createNamespace(c *gin.Context, _ *emulators.Namespace) (int, any, error) {
	var in namespaceSpec
	if err := decodeBody(c, &in); err != nil {
		return 0, nil, err
	}
	if in.Name == "" {
		return 0, nil, emulators.BadRequest("field \"name\" is required")
	}
	ns, err := s.world.Namespace(in.Name, true)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, viewNamespace(ns), nil
}

func (s *Server) deleteNamespace(c *gin.Context, _ *emulators.Namespace) (int, any, error) {
	return http.StatusNoContent, nil, s.world.DeleteNamespace(c.Param("namespace"))
}

func (s *Server) reset(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	switch c.Query("scope") {
	case "all":
		s.world.ResetAll()
	case "", "namespace":
		if err := s.world.ResetNamespace(ns.Name); err != nil {
			return 0, nil, err
		}
	default:
		return 0, nil, emulators.BadRequest("query \"scope\" must be namespace or all")
	}
	return http.StatusNoContent, nil, nil
}

func (s *Server) clockGet(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	return http.StatusOK, ns.Clock.State(), nil
}

func (s *Server) clockFreeze(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	return http.StatusOK, ns.Clock.Freeze(), nil
}

func (s *Server) clockResume(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	return http.StatusOK, ns.Clock.Resume(), nil
}

func (s *Server) clockReset(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	return http.StatusOK, ns.Clock.Reset(), nil
}

// clockType is the answer of every clock route.
var clockType = reflect.TypeFor[clock.State]()

// clockSetSpec sets the clock to Time (RFC 3339, required), frozen there
// when Freeze is set.
type clockSetSpec struct {
	Time   *time.Time `json:"time"`
	Freeze bool       `json:"freeze"`
}

// clockAdvanceSpec moves the clock forward by Duration ("90s", "10m",
// "7d"; required).
type clockAdvanceSpec struct {
	Duration *clock.Duration `json:"duration"`
}

func (s *Server) clockSet(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	var in clockSetSpec
	if err := decodeBody(c, &in); err != nil {
		return 0, nil, err
	}
	if in.Time == nil {
		return 0, nil, emulators.BadRequest("field \"time\" is required (RFC 3339)")
	}
	if in.Freeze {
		ns.Clock.Freeze()
	}
	return http.StatusOK, ns.Clock.Set(*in.Time), nil
}

func (s *Server) clockAdvance(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	var in clockAdvanceSpec
	if err := decodeBody(c, &in); err != nil {
		return 0, nil, err
	}
	if in.Duration == nil {
		return 0, nil, emulators.BadRequest("field \"duration\" is required (\"90s\", \"10m\", \"7d\")")
	}
	st, err := ns.Clock.Advance(time.Duration(*in.Duration))
	if err != nil {
		return 0, nil, emulators.BadRequest("field \"duration\": %s", err)
	}
	return http.StatusOK, st, nil
}

func logFilter(c *gin.Context) (emulators.Filter, error) {
	f := emulators.Filter{
		Destination: c.Query("destination"), Account: c.Query("account"), Outcome: c.Query("outcome"),
		Type: strings.ToLower(c.Query("type")), UserID: c.Query("userId"), Event: c.Query("event"),
	}
	var err error
	if v := c.Query("status"); v != "" {
		if f.Status, err = strconv.Atoi(v); err != nil {
			return f, emulators.BadRequest("query \"status\" must be an HTTP status number")
		}
	}
	if v := c.Query("after"); v != "" {
		if f.AfterID, err = strconv.ParseUint(v, 10, 64); err != nil {
			return f, emulators.BadRequest("query \"after\" must be a request id")
		}
	}
	return f, nil
}

func queryInt(c *gin.Context, name string, def int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, emulators.BadRequest("query %q must be a whole number", name)
	}
	return n, nil
}

func (s *Server) listRequests(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	items, total, err := requestPage(c, ns)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listOf(items, total), nil
}

// requestPage reads the log filters and page of a request-log listing and
// answers the matching entries, newest first, with how many match in all.
// An unknown parameter is refused as every list refuses it.
func requestPage(c *gin.Context, ns *emulators.Namespace) ([]emulators.Entry, int, error) {
	for name := range c.Request.URL.Query() {
		if !slices.Contains(requestsQuery, name) {
			return nil, 0, emulators.BadRequest("unknown query parameter %q: this list takes %s", name, strings.Join(requestsQuery, ", "))
		}
	}
	f, err := logFilter(c)
	if err != nil {
		return nil, 0, err
	}
	limit, err := queryInt(c, "limit", 100)
	if err != nil {
		return nil, 0, err
	}
	offset, err := queryInt(c, "offset", 0)
	if err != nil {
		return nil, 0, err
	}
	items, total := ns.Log.Page(f, offset, limit)
	return items, total, nil
}

// maxWait bounds a long poll, so a forgotten wait cannot hold a connection.
const maxWait = 5 * time.Minute

func (s *Server) waitRequests(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	f, err := logFilter(c)
	if err != nil {
		return 0, nil, err
	}
	n, err := queryInt(c, "count", 1)
	if err != nil {
		return 0, nil, err
	}
	timeout := 10 * time.Second
	if v := c.Query("timeout"); v != "" {
		if timeout, err = clock.ParseDuration(v); err != nil || timeout < 0 {
			return 0, nil, emulators.BadRequest("query \"timeout\" must be a duration such as 5s")
		}
	}
	capped := ""
	if timeout > s.maxWait {
		timeout, capped = s.maxWait, " (the longest wait; the timeout asked for was "+timeout.String()+")"
	}
	s.extendDeadlines(c, timeout) // a long-poll outlasts the server's read and write timeouts
	ctx, cancel := context.WithTimeout(c.Request.Context(), timeout)
	defer cancel()
	items, err := ns.Log.Wait(ctx, f, n)
	if err != nil {
		return 0, nil, &emulators.Error{Status: http.StatusRequestTimeout,
			Message: "timed out after " + timeout.String() + capped + " with " + strconv.Itoa(len(items)) + " of " + strconv.Itoa(n) + " matching requests"}
	}
	return http.StatusOK, listOf(items, len(items)), nil
}

func (s *Server) clearRequests(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	ns.Log.Clear()
	return http.StatusNoContent, nil, nil
}

// countFields are the fields requests can be counted by.
var countFields = map[string]func(e *emulators.Entry) string{
	"destination": func(e *emulators.Entry) string { return e.Destination },
	"account":     func(e *emulators.Entry) string { return e.Account },
	"status":      func(e *emulators.Entry) string { return strconv.Itoa(e.Status) },
	"outcome":     func(e *emulators.Entry) string { return e.Outcome },
	"type":        func(e *emulators.Entry) string { return e.Type },
	"event":       func(e *emulators.Entry) string { return e.Event },
	"userId":      func(e *emulators.Entry) string { return e.UserID },
}

func (s *Server) countRequests(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	f, err := logFilter(c)
	if err != nil {
		return 0, nil, err
	}
	by := []string{"destination", "status"}
	if v := c.Query("by"); v != "" {
		by = strings.Split(v, ",")
	}
	for _, b := range by {
		if countFields[b] == nil {
			return 0, nil, emulators.BadRequest("query \"by\": cannot count by %q (want destination, account, status, outcome, type, event or userId)", b)
		}
	}
	items, total := ns.Log.List(f, 0)
	index := map[string]int{}
	groups := []wire.CountGroup{}
	for i := len(items) - 1; i >= 0; i-- { // oldest first: groups in order of first sight
		e := &items[i]
		fields := make(map[string]string, len(by))
		var key strings.Builder
		for _, b := range by {
			v := countFields[b](e)
			fields[b] = v
			key.WriteString(v)
			key.WriteByte(0)
		}
		if g, ok := index[key.String()]; ok {
			groups[g].Count++
			continue
		}
		index[key.String()] = len(groups)
		groups = append(groups, wire.CountGroup{Fields: fields, Count: 1})
	}
	return http.StatusOK, requestCounts{By: by, Groups: groups, Total: total}, nil
}

// requestCounts is the answer of /_emulator/requests/counts.
type requestCounts = wire.Counts

func (s *Server) addFault(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	var r emulators.FaultRule
	if err := decodeBody(c, &r); err != nil {
		return 0, nil, err
	}
	if r.Match.Destination != "" && r.Match.Destination != emulators.TrackingDestination {
		if _, ok := s.world.Emulator(r.Match.Destination); !ok {
			return 0, nil, emulators.BadRequest("field \"match.destination\": unknown destination %q", r.Match.Destination)
		}
	}
	added, err := ns.Faults.Add(r)
	return http.StatusCreated, added, err
}

func (s *Server) clearFaults(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	ns.Faults.Clear()
	return http.StatusNoContent, nil, nil
}

func (s *Server) deleteFault(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
	return http.StatusNoContent, nil, ns.Faults.Delete(c.Param("id"))
}

func (s *Server) createAccount(dest string) handlerFunc {
	return func(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
		var spec emulators.AccountSpec
		if err := decodeBody(c, &spec); err != nil {
			return 0, nil, err
		}
		v, err := s.world.CreateAccount(ns, dest, spec)
		return http.StatusCreated, v, err
	}
}

func (s *Server) getAccount(dest string) handlerFunc {
	return func(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
		a, err := ns.Account(dest, c.Param("account"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, a.View(), nil
	}
}

func (s *Server) deleteAccount(dest string) handlerFunc {
	return func(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
		return http.StatusNoContent, nil, s.world.DeleteAccount(ns, dest, c.Param("account"))
	}
}

func (s *Server) resetAccount(dest string) handlerFunc {
	return func(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
		a, err := ns.Account(dest, c.Param("account"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, a.Reset()
	}
}

func (s *Server) addKey(dest string) handlerFunc {
	return func(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
		a, err := ns.Account(dest, c.Param("account"))
		if err != nil {
			return 0, nil, err
		}
		var spec emulators.KeySpec
		if err := decodeBody(c, &spec); err != nil {
			return 0, nil, err
		}
		k, err := s.world.AddKey(a, spec)
		return http.StatusCreated, k, err
	}
}

func (s *Server) setKeyStatus(dest string, st emulators.KeyStatus) handlerFunc {
	return func(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
		a, err := ns.Account(dest, c.Param("account"))
		if err != nil {
			return 0, nil, err
		}
		k, err := a.SetKeyStatus(c.Param("key"), st)
		return http.StatusOK, k, err
	}
}

// resource serves one of a destination's own routes, under the account lock.
func (s *Server) resource(dest string, res emulators.Resource[emulators.State]) handlerFunc {
	return func(c *gin.Context, ns *emulators.Namespace) (int, any, error) {
		a, err := ns.Account(dest, c.Param("account"))
		if err != nil {
			return 0, nil, err
		}
		var body []byte
		if c.Request.Body != nil {
			if body, err = io.ReadAll(io.LimitReader(c.Request.Body, 8<<20)); err != nil {
				return 0, nil, emulators.BadRequest("reading the body: %s", err)
			}
		}
		params := make(map[string]string, len(c.Params))
		for _, p := range c.Params {
			params[p.Key] = p.Value
		}
		now := ns.Clock.Now()
		// The answer is encoded while the lock is held: it may share memory
		// with the account's state, which the next webhook may change.
		v, err := a.WithState(func(st emulators.State) (any, error) {
			v, err := res.Handle(&emulators.ResourceRequest{Now: now, AccountID: a.ID,
				Params: params, Query: c.Request.URL.Query(), Body: body}, st)
			if err != nil || v == nil {
				return nil, err
			}
			b, err := json.Marshal(v)
			return json.RawMessage(b), err
		})
		status := res.Status
		if status == 0 {
			status = http.StatusOK
		}
		return status, v, err
	}
}

func list[T any](items []T) emulators.List[T] { return emulators.ListAll(items) }

func listOf[T any](items []T, total int) emulators.List[T] { return emulators.ListOf(items, total) }

func decodeBody(c *gin.Context, v any) error {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 8<<20))
	if err != nil {
		return emulators.BadRequest("reading the body: %s", err)
	}
	return emulators.DecodeJSON(body, v)
}
