// Package tracking is Segment's tracking API (/v1/batch, /v1/track, the
// browser's /v1/t, ...) in front of the emulated destinations, so that an
// application's real Segment SDK, pointed at destemu, reaches them as it
// would through Segment: each message is enriched as Segment enriches it
// (batch context and integrations merged, messageId kept or assigned,
// receivedAt stamped, timestamp corrected for the client's clock skew) and
// fanned out to the destinations connected to its write key, each delivery
// going through the same webhook contract (emulators.World.Deliver) in
// process, with the connection's API key and settings. Deliveries complete
// before the API answers, so a test can look at the destinations right
// after its SDK flushes.
//
// Sources (a write key and its connections) live in the namespaces of
// emulators.World; docs/tracking.md describes the API, the SDK settings and
// every decision where Segment's documentation is silent.
//
// HTTP API reference: https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/
package tracking

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// Segment's limits: a message (and the body of a single call) is at most
// 32 KB, a batch request at most 500 KB; past them the API answers 400.
// KB is read as KiB, as destemu's webhook limit does.
const (
	MessageLimit = 32 << 10
	BatchLimit   = 500 << 10
)

// API is the tracking API of one World. It holds no state of its own:
// sources live in the world's namespaces.
type API struct {
	world  *emulators.World
	strict bool
	infos  map[string]emulators.Info
	// header is what Segment's delivery requests carry; shared read-only
	// by every delivery.
	header http.Header
}

// New returns the tracking API of a world. In strict mode an unknown write
// key is answered 401; otherwise 200, as Segment answers it, and the
// messages are logged as dropped.
func New(w *emulators.World, strict bool) *API {
	a := &API{world: w, strict: strict, infos: make(map[string]emulators.Info),
		header: http.Header{"User-Agent": {"Segment.io/1.0"}, "Content-Type": {"application/json"}, "Accept": {"*/*"}}}
	for _, e := range w.Emulators() {
		a.infos[e.Info().Slug] = e.Info()
	}
	return a
}

// Success is the API's answer when it took the request: Segment answers
// 200 {"success": true} even for messages it then drops.
type Success struct {
	Success bool `json:"success"`
}

// Failure is the API's refusal: 400 for malformed JSON or an oversize
// body, 401 for a missing (or, in strict mode, unknown) write key. It
// carries the project-wide "message" and Segment's "success": false.
type Failure struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

// answer is what the HTTP layer writes.
type answer struct {
	status     int
	body       any
	retryAfter time.Duration
	delay      time.Duration
	drop       bool
}

func fail(status int, format string, args ...any) answer {
	return answer{status: status, body: &Failure{Message: fmt.Sprintf(format, args...)}}
}

var ok = answer{status: http.StatusOK, body: &Success{Success: true}}

// call is one request to the API, its body already read and unzipped.
type call struct {
	// endpoint is the path after /v1/ ("batch", "t", ...); typ is the
	// call type a single-message endpoint implies (0 for a batch).
	endpoint string
	typ      segment.Type
	auth     string // the Authorization header
	body     []byte
	started  time.Time
}

// envelope is a request body: a batch, or a single message (whose own
// fields then hold writeKey and sentAt).
type envelope struct {
	messages     []json.RawMessage
	writeKey     string
	sentAt       any
	context      map[string]any
	integrations map[string]any
}

// receive answers one request: who is sending (the write key), a fault
// rule, then each message in order, fanned out before the answer.
func (a *API) receive(c *call) answer {
	env, bad := parse(c)
	if bad != nil {
		a.logRefusal(nil, c, "", bad)
		return *bad
	}
	writeKey, fromAuth := emulators.ParseBasicAuth(c.auth)
	if !fromAuth {
		writeKey = env.writeKey
	}
	if writeKey == "" {
		ans := fail(http.StatusUnauthorized, "no write key: send it as the Basic auth user name (\"Basic base64(<writeKey>:)\") or as \"writeKey\" in the body")
		a.logRefusal(nil, c, "", &ans)
		return ans
	}
	src := a.world.Source(writeKey)
	if src == nil {
		if a.strict {
			ans := fail(http.StatusUnauthorized, "unknown write key %q (the server runs in strict mode)", writeKey)
			a.logRefusal(nil, c, writeKey, &ans)
			return ans
		}
		a.dropAll(c, env, writeKey)
		return ok
	}
	ns := src.Namespace()
	probe := a.entry(ns, c, writeKey)
	if len(env.messages) == 1 || c.typ != 0 {
		describe(probe, env.messages[0], c.typ)
	}
	f, delay, fired := ns.Fault(probe)
	if fired {
		ans := answer{status: f.Status, retryAfter: f.RetryAfter, delay: f.Delay, drop: f.Drop, body: failureOf(f)}
		probe.Status, probe.Message = f.Status, ans.body.(*Failure).Message
		a.append(ns, probe, c)
		return ans
	}
	fo := a.newFanout(src, c)
	for _, raw := range env.messages {
		fo.message(raw, env)
	}
	res := ok
	res.delay = delay
	return res
}

func failureOf(f emulators.Answer) *Failure {
	msg := "fault injected"
	if b, ok := f.Body.(*emulators.ErrorBody); ok {
		msg = b.Message
	}
	return &Failure{Message: msg}
}

// entry starts a log entry of the tracking API.
func (a *API) entry(ns *emulators.Namespace, c *call, writeKey string) *emulators.Entry {
	e := &emulators.Entry{Time: ns.Clock.Now(), Namespace: ns.Name, Destination: emulators.TrackingDestination,
		Key: writeKey, Type: "batch", Tracking: &emulators.Tracking{Source: writeKey}}
	if c.typ != 0 {
		e.Type = c.typ.String()
	}
	return e
}

// describe fills the fields fault rules match on from a lone message.
func describe(e *emulators.Entry, raw json.RawMessage, typ segment.Type) {
	var m struct {
		Type        any `json:"type"`
		Event       any `json:"event"`
		UserID      any `json:"userId"`
		AnonymousID any `json:"anonymousId"`
		MessageID   any `json:"messageId"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	str := func(v any) string { s, _ := v.(string); return s }
	if typ == 0 {
		if t, ok := segment.ParseType(str(m.Type)); ok {
			e.Type = t.String()
		}
	}
	e.Event, e.UserID, e.AnonymousID, e.MessageID = str(m.Event), str(m.UserID), str(m.AnonymousID), str(m.MessageID)
}

// append writes an entry to the namespace's log with its latency.
func (a *API) append(ns *emulators.Namespace, e *emulators.Entry, c *call) {
	if e.Outcome == "" {
		e.Outcome = emulators.OutcomeRefused
	}
	// Latency measures the emulator, not vendor behaviour: real time.
	e.LatencyMs = float64(time.Since(c.started).Microseconds()) / 1000
	ns.Log.Append(e)
}

// logRefusal logs a request refused before any message was read, in the
// namespace of the source when one is known, else default.
func (a *API) logRefusal(ns *emulators.Namespace, c *call, writeKey string, ans *answer) {
	if ns == nil {
		var err error
		if ns, err = a.world.Namespace(emulators.DefaultNamespace, false); err != nil {
			return
		}
	}
	e := a.entry(ns, c, writeKey)
	if writeKey == "" {
		e.Tracking = nil
	}
	e.Status, e.Message = ans.status, ans.body.(*Failure).Message
	if len(c.body) <= MessageLimit && json.Valid(c.body) {
		e.Body = c.body
	}
	a.append(ns, e, c)
}

// dropAll logs each message of an unknown write key as dropped, in the
// default namespace: Segment answers 200 and its debugger shows nothing.
func (a *API) dropAll(c *call, env *envelope, writeKey string) {
	ns, err := a.world.Namespace(emulators.DefaultNamespace, false)
	if err != nil {
		return
	}
	for _, raw := range env.messages {
		e := a.entry(ns, c, writeKey)
		describe(e, raw, c.typ)
		e.Status, e.Outcome = http.StatusOK, emulators.OutcomeDropped
		e.Message = fmt.Sprintf("unknown write key %q: no source has it, so Segment would drop the message", writeKey)
		if json.Valid(raw) {
			e.Body = raw
		}
		a.append(ns, e, c)
	}
}

// basicAuth is the Authorization header Segment sends a destination.
func basicAuth(apiKey string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(apiKey+":"))
}

// settingsHeader is X-Segment-Settings: base64 of the settings object.
func settingsHeader(settings map[string]any) string {
	if len(settings) == 0 {
		return ""
	}
	b, err := json.Marshal(settings)
	if err != nil { // settings came from JSON; they always encode
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}

// endpoints maps the path after /v1/ to the call type it implies: the
// Spec's names and the browser's one-letter short paths. Batches map to 0.
var endpoints = map[string]segment.Type{
	"batch": 0, "import": 0, "b": 0,
	"identify": segment.Identify, "i": segment.Identify,
	"track": segment.Track, "t": segment.Track,
	"page": segment.Page, "p": segment.Page,
	"screen": segment.Screen, "s": segment.Screen,
	"group": segment.Group, "g": segment.Group,
	"alias": segment.Alias, "a": segment.Alias,
}

// limitOf is the body limit of an endpoint.
func limitOf(typ segment.Type) int64 {
	if typ == 0 {
		return BatchLimit
	}
	return MessageLimit
}

// parse decodes a request body, once, into its envelope. A body that is
// not a JSON object, a batch that is not an array, or a message over the
// 32 KB limit is a 400 for the whole request, as Segment answers it.
func parse(c *call) (*envelope, *answer) {
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil || top == nil {
		ans := fail(http.StatusBadRequest, "body is not a JSON object: %s", reason(err))
		return nil, &ans
	}
	if dec.More() {
		ans := fail(http.StatusBadRequest, "body holds more than one JSON value")
		return nil, &ans
	}
	env := &envelope{}
	if c.typ != 0 {
		env.messages = []json.RawMessage{c.body}
	} else {
		raw, ok := top["batch"]
		if !ok || json.Unmarshal(raw, &env.messages) != nil {
			ans := fail(http.StatusBadRequest, "field \"batch\" must be an array of messages")
			return nil, &ans
		}
		for i, m := range env.messages {
			if len(m) > MessageLimit {
				ans := fail(http.StatusBadRequest, "batch[%d] is %d bytes, over the %d-byte limit of a message", i, len(m), MessageLimit)
				return nil, &ans
			}
		}
		if bad := objectField(top, "context", &env.context); bad != nil {
			return nil, bad
		}
		if bad := objectField(top, "integrations", &env.integrations); bad != nil {
			return nil, bad
		}
	}
	if raw, ok := top["sentAt"]; ok {
		_ = json.Unmarshal(raw, &env.sentAt)
	}
	if raw, ok := top["writeKey"]; ok {
		_ = json.Unmarshal(raw, &env.writeKey)
	}
	if env.writeKey == "" && c.typ == 0 {
		env.writeKey = firstWriteKey(env.messages)
	}
	return env, nil
}

// firstWriteKey finds a write key carried inside a batch's messages, where
// analytics.js puts it.
func firstWriteKey(msgs []json.RawMessage) string {
	for _, m := range msgs {
		var k struct {
			WriteKey string `json:"writeKey"`
		}
		if json.Unmarshal(m, &k) == nil && k.WriteKey != "" {
			return k.WriteKey
		}
	}
	return ""
}

func objectField(top map[string]json.RawMessage, name string, dst *map[string]any) *answer {
	raw, ok := top[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		ans := fail(http.StatusBadRequest, "field %q must be an object", name)
		return &ans
	}
	return nil
}

func reason(err error) string {
	if err == nil {
		return "found null"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
