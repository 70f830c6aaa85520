package emulators

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/destemu/destemu/segment"
)

// dedupeWindow is how long a messageId stays known (G-10).
const dedupeWindow = 24 * time.Hour

// Delivery is one webhook request as Segment sent it.
type Delivery struct {
	Destination    string
	Authorization  string      // the Authorization header
	SettingsHeader string      // X-Segment-Settings
	Namespace      string      // X-Destemu-Namespace, a hint for tests ("" when absent)
	Header         http.Header // every header, for destinations that read Origin or Referer
	Body           []byte
	BodyTooLarge   bool  // the body passed the configured limit (G-5)
	BodyLimit      int64 // that limit, for the message
	// Started is when the server began to read the request (real time),
	// for the latency the request log shows.
	Started time.Time
	// Source is the write key of the tracking API source whose message
	// this is ("" for a webhook request): the log entry links to it.
	Source string
}

// Answer is the webhook's answer to a Delivery, and the request log entry
// that records it.
type Answer struct {
	Status     int
	Body       any // *Result or *ErrorBody
	RetryAfter time.Duration
	// Delay is how long the server holds the answer (latency and timeout
	// faults); Drop closes the connection without one.
	Delay time.Duration
	Drop  bool
	Entry *Entry
}

// ErrorBody is every refusal's JSON body (G-4).
type ErrorBody struct {
	Message string `json:"message"`
}

// Result is a successful answer's JSON body (G-16).
type Result struct {
	Status      string         `json:"status"` // ok, ignored, duplicate
	Destination string         `json:"destination"`
	Namespace   string         `json:"namespace"`
	Account     string         `json:"account"`
	Type        string         `json:"type"`
	Reason      string         `json:"reason,omitempty"` // why it was ignored
	Actions     []string       `json:"actions"`
	Warnings    []string       `json:"warnings,omitempty"`
	Data        map[string]any `json:"data,omitempty"`
	RequestID   uint64         `json:"requestId"`
}

// Deliver applies Segment's partner-webhook contract (G-1 to G-16) to one
// request and hands a valid message to its destination. The checks run in
// the order a vendor makes them: who is calling (401/403), then what they
// sent (413/400/501), then the destination's own rules. Nothing changes
// state unless every check passes; the request log records every request.
func (w *World) Deliver(d *Delivery) Answer {
	e := &Entry{Destination: d.Destination, Namespace: DefaultNamespace}
	if d.Source != "" {
		e.Tracking = &Tracking{Source: d.Source}
	}
	ans, ns := w.deliver(d, e)
	if len(d.Body) > 0 && !d.BodyTooLarge && e.Body == nil {
		e.Body, e.BodyText = logBody(d.Body, false) // refused before the decode
	}
	ans.Entry = e
	e.Status = ans.Status
	switch b := ans.Body.(type) {
	case *ErrorBody:
		b.Message = Clip(b.Message)
		e.Message = b.Message
		if e.Outcome == "" {
			e.Outcome = OutcomeRefused
		}
	case *Result:
		e.Outcome, e.Message, e.Actions, e.Warnings = b.Status, b.Reason, b.Actions, b.Warnings
	}
	if ns == nil { // refused before a namespace was known, or for one that does not exist
		ns, _ = w.Namespace(DefaultNamespace, false)
		e.Namespace = DefaultNamespace
	}
	if e.Time.IsZero() {
		e.Time = ns.Clock.Now()
	}
	if !d.Started.IsZero() {
		// Latency is a measurement of the emulator, not vendor behaviour, so
		// it is the one place real time is read.
		e.LatencyMs = float64(time.Since(d.Started).Microseconds()) / 1000
	}
	ns.Log.Append(e)
	if r, ok := ans.Body.(*Result); ok {
		r.RequestID = e.ID
	}
	return ans
}

// maxLoggedDepth is how deep a body the request log keeps as JSON: deeper
// ones are kept as text, so that every answer wrapping an entry stays within
// encoding/json's nesting limit of 10,000 and the log always answers.
const maxLoggedDepth = 9000

// logBody returns the body as the request log keeps it: as JSON when it can
// be answered as JSON again, else as text. parsed says the body was decoded
// as JSON already: then only a body long enough to nest too deep is scanned.
func logBody(body []byte, parsed bool) (json.RawMessage, string) {
	if parsed && len(body) < 2*maxLoggedDepth {
		return body, "" // each level of nesting takes two bytes at least
	}
	if (parsed || utf8.Valid(body) && json.Valid(body)) && jsonDepth(body) <= maxLoggedDepth {
		return body, ""
	}
	return nil, string(body)
}

// jsonDepth returns how deep valid JSON nests its objects and arrays.
func jsonDepth(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// maxLoggedKey bounds the API key a log entry keeps: it is the caller's
// input, and an entry must not keep a header of any size (#13).
const maxLoggedKey = 256

func refuse(status int, format string, args ...any) Answer {
	return Answer{Status: status, Body: &ErrorBody{Message: fmt.Sprintf(format, args...)}}
}

func refuseErr(err *Error) Answer {
	return Answer{Status: err.Status, Body: &ErrorBody{Message: err.Message}, RetryAfter: err.RetryAfter}
}

// deliver answers a request and returns the namespace whose log records it
// (nil when it was refused before one was known).
func (w *World) deliver(d *Delivery, e *Entry) (Answer, *Namespace) {
	reg, ok := w.emulators[d.Destination]
	if !ok {
		return refuse(http.StatusNotFound, "no destination %s", Quote(d.Destination)), nil
	}
	emu, info := reg.emu, reg.info
	// A namespace is only looked up here: one that does not exist is
	// created when its key is provisioned (judge), so that no refused
	// request creates anything (#13).
	ns, err := w.Namespace(d.Namespace, false)
	if err != nil {
		if err.(*Error).Status != http.StatusNotFound {
			return refuseErr(err.(*Error)), nil
		}
		ns = nil
	}
	keyValue, authOK := ParseBasicAuth(d.Authorization)
	e.Key = keyValue
	if len(e.Key) > maxLoggedKey {
		e.Key = cut(keyValue, maxLoggedKey) + "…"
	}
	var key *Key
	if authOK {
		key = w.lookupKey(d.Destination, keyValue)
		if key != nil && d.Namespace != "" && key.account.ns != ns {
			key = nil // a key of another namespace is unknown here (G-13)
		}
	}
	if key != nil {
		ns = key.account.ns
		e.Account = key.account.ID
	}
	now := w.cfg.Clock.Now() // a namespace yet to be made starts on the base clock
	if ns != nil {
		e.Namespace = ns.Name
		now = ns.Clock.Now()
	}
	e.Time = now

	// The message is decoded before anything is judged, so that fault
	// rules can match on it; its errors are reported in their turn below.
	var m *segment.Message
	var decodeErr error
	if !d.BodyTooLarge {
		m, decodeErr = segment.Decode(d.Body, now)
		found := m
		if se, ok := decodeErr.(*segment.Error); ok {
			found = se.Partial // a refusal is found by its user too
		}
		if found != nil {
			e.Type, e.Event, e.UserID, e.AnonymousID, e.MessageID = found.TypeName, found.Event, found.UserID, found.AnonymousID, found.MessageID
		}
		if len(d.Body) > 0 {
			e.Body, e.BodyText = logBody(d.Body, m != nil)
		}
	}
	var delay time.Duration
	if f := ns.faultFor(e); f != nil {
		e.Fault = f.describe()
		if f.action.Kind != FaultLatency {
			e.Outcome = OutcomeFaulted
			return faultAnswer(f), ns
		}
		delay = f.delay
	}
	ans := w.judge(&judgement{d: d, e: e, emu: emu, info: info, ns: ns, key: key, m: m, decodeErr: decodeErr, authOK: authOK})
	ans.Delay = delay
	if ns == nil { // judge made it if it provisioned a key there
		if ns, _ = w.Namespace(d.Namespace, false); ns != nil {
			e.Namespace = ns.Name
		}
	}
	return ans, ns
}

// faultFor returns the fault rule that matches the request, if any; a
// namespace yet to be made has none.
func (ns *Namespace) faultFor(e *Entry) *fault {
	if ns == nil {
		return nil
	}
	return ns.Faults.match(e)
}

// faultAnswer is the answer of a fault rule that replaces the vendor's.
func faultAnswer(f *fault) Answer {
	a := f.action
	switch a.Kind {
	case FaultDrop:
		return Answer{Status: 0, Drop: true, Body: &ErrorBody{Message: "connection dropped by fault rule " + f.rule}}
	case FaultTimeout:
		return Answer{Status: a.Status, Delay: f.delay, Body: &ErrorBody{Message: fmt.Sprintf("timed out after %s (fault rule %s)", f.delay, f.rule)}}
	}
	return Answer{Status: a.Status, RetryAfter: time.Duration(a.RetryAfter), Body: &ErrorBody{Message: a.Message}}
}

// judgement is what judge decides on: the delivery with the log entry that
// records it, its destination, the namespace it reached, and what reading
// its Authorization header and body found.
type judgement struct {
	d         *Delivery
	e         *Entry
	emu       Emulator
	info      Info
	ns        *Namespace
	key       *Key // nil when the key is unknown (or in another namespace)
	m         *segment.Message
	decodeErr error
	authOK    bool // the Authorization header named a key
}

// judge applies the webhook contract in the order a vendor checks: who is
// calling (401/403), then what they sent (413/400/501), then the
// destination's own rules under the account's lock.
func (w *World) judge(j *judgement) Answer {
	d, e, info, key, m := j.d, j.e, j.info, j.key, j.m
	// Who is calling (G-2, G-11, G-12).
	if !j.authOK {
		return refuse(http.StatusUnauthorized, "missing or malformed Authorization header: want Basic base64(\"<apiKey>:\")")
	}
	if key != nil {
		if ans, refused := key.account.checkKey(key, info); refused {
			return ans
		}
	} else if w.cfg.Strict {
		return refuse(http.StatusUnauthorized, "unknown API key for %s (the server runs in strict mode)", info.Name)
	}

	// What they sent (G-3, G-5 to G-8).
	if d.BodyTooLarge {
		return refuse(http.StatusRequestEntityTooLarge, "body is larger than the %d-byte limit", d.BodyLimit)
	}
	header, err := settingsHeader(key, d.SettingsHeader)
	if err != nil {
		return refuse(http.StatusBadRequest, "%s", err)
	}
	if j.decodeErr != nil {
		return refuse(http.StatusBadRequest, "%s", j.decodeErr)
	}
	if !info.Accepted(m.Type) {
		return refuse(http.StatusNotImplemented, "%s does not accept %s calls (it accepts %s)", info.Name, m.TypeName, typeList(info.Accepts))
	}
	warnings := m.Warnings
	if m.Disabled(info.Integrations) {
		warnings = append(warnings, fmt.Sprintf("the integrations object disables %s: Segment would not have delivered this message", info.Name))
	}

	// The destination's own rules, under the account's lock.
	if key == nil {
		s, err := resolveSettings(info.Settings, nil, header)
		if err != nil {
			return refuse(http.StatusBadRequest, "%s", err)
		}
		if j.ns == nil { // the key is about to be provisioned: now the namespace may be made
			if j.ns, err = w.Namespace(d.Namespace, true); err != nil {
				return refuseErr(err.(*Error))
			}
		}
		var created bool
		value, _ := ParseBasicAuth(d.Authorization) // e.Key may be cut
		if key, created = w.provision(j.ns, j.emu, info.Slug, value, s); key == nil {
			return refuse(http.StatusUnauthorized, "unknown API key for %s in namespace %q (the key is in use in another namespace, or the namespace was deleted)", info.Name, j.ns.Name)
		} else if created {
			warnings = append(warnings, fmt.Sprintf("provisioned %s account %q for an unknown key", info.Name, key.account.ID))
		}
	}
	a := key.account
	e.Account = a.ID
	req := &Request{Now: e.Time, Message: m, AccountID: a.ID, Header: d.Header,
		Key: KeyInfo{Value: key.Value}, warnings: warnings, retention: w.cfg.Retention}
	return a.handle(key, &info, header, req)
}

// checkKey refuses an inactive, revoked or under-privileged key.
func (a *Account) checkKey(k *Key, info Info) (Answer, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.checkKeyLocked(k, info)
}

func (a *Account) checkKeyLocked(k *Key, info Info) (Answer, bool) {
	switch {
	case a.deleted:
		return refuse(http.StatusUnauthorized, "unknown API key for %s", info.Name), true
	case k.Status == KeyRevoked:
		return refuse(http.StatusForbidden, "API key has been revoked"), true
	case k.Status == KeyInactive:
		return refuse(http.StatusUnauthorized, "API key is not active"), true
	case info.RequireAdmin && k.Permission != PermissionAdmin:
		return refuse(http.StatusForbidden, "API key lacks the Admin permission (it has %q)", k.Permission), true
	}
	return Answer{}, false
}

// handle runs the checks that must be atomic with the change: the key's
// state, the settings, the messageId, and the destination's Handle.
func (a *Account) handle(k *Key, info *Info, header map[string]any, req *Request) Answer {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ans, refused := a.checkKeyLocked(k, *info); refused {
		return ans
	}
	req.Key.Permission = k.Permission
	s, err := resolveSettings(info.Settings, a.settings, header)
	if err != nil {
		return refuse(http.StatusBadRequest, "%s", err)
	}
	req.Settings = s
	res := &Result{Status: OutcomeOK, Destination: info.Slug, Namespace: a.ns.Name, Account: a.ID, Type: req.Message.TypeName}
	id := req.Message.MessageID
	if at, dup := a.seen.lookup(id); dup && id != "" && req.Now.Sub(at) < dedupeWindow {
		res.Status = OutcomeDuplicate
		res.Reason = fmt.Sprintf("messageId %q was already applied at %s", id, at.Format(time.RFC3339))
		res.Actions, res.Warnings = []string{}, req.warnings
		return Answer{Status: http.StatusOK, Body: res}
	}
	if err := a.emu.Handle(req, a.state); err != nil {
		if e, ok := err.(*Error); ok {
			return refuseErr(e)
		}
		return refuse(http.StatusInternalServerError, "%s", err)
	}
	if id != "" {
		a.seen.add(id, req.Now)
	}
	a.retainLocked(req.Now, req.retention)
	if req.ignored != "" {
		res.Status, res.Reason = OutcomeIgnored, req.ignored
	}
	res.Actions, res.Warnings, res.Data = req.actions, req.warnings, req.data
	if res.Actions == nil {
		res.Actions = []string{}
	}
	return Answer{Status: http.StatusOK, Body: res}
}

func (w *World) lookupKey(dest, value string) *Key {
	if k, ok := w.keys.Load(keyIndex{dest, value}); ok {
		return k.(*Key)
	}
	return nil
}

// ParseBasicAuth reads the API key from "Basic base64(key:)" (G-2): the key
// is the user name; the password is ignored.
func ParseBasicAuth(h string) (string, bool) {
	scheme, enc, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", false
	}
	enc = strings.TrimSpace(enc)
	var buf [64]byte // a usual key decodes here, on the stack
	raw := buf[:]
	if n := base64.StdEncoding.DecodedLen(len(enc)); n > len(buf) {
		raw = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(raw, []byte(enc))
	if err != nil {
		return "", false
	}
	user, _, _ := bytes.Cut(raw[:n], []byte(":"))
	if len(user) == 0 {
		return "", false
	}
	return string(user), true
}

func typeList(ts []segment.Type) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.String()
	}
	return strings.Join(names, ", ")
}
