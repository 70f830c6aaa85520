// Package emulators holds what every emulated destination shares: the
// Emulator interface a destination implements, the world of namespaces,
// accounts and API keys it lives in, the request log, and Segment's
// partner-webhook contract (behaviours G-1 to G-16), written once in Deliver
// so that a destination only says what it does with a valid message.
package emulators

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/destemu/destemu/segment"
)

// Destination is what one emulated destination implements, typed by S, the
// vendor-side state it keeps per account (a pointer to its own State type).
// The platform holds it as an Emulator (see Register), which does once for
// every destination what each would otherwise write itself: the type
// assertion of an account's state and the decoding of a snapshot's state.
//
// Its methods other than Info and Resources are called with the account's
// lock held, so a destination never locks anything itself: check-and-act on
// one account is atomic.
type Destination[S any] interface {
	// Info describes the destination: slug, accepted calls, settings.
	Info() Info
	// NewState returns the vendor-side state of an account created through
	// the control plane, from its "config" object (nil when none was
	// given). A bad config is a *Error naming the field. NewState(nil) is
	// also the empty state a snapshot's state is decoded into.
	NewState(config json.RawMessage) (S, error)
	// Provision returns the state of an account auto-provisioned for an
	// unknown key (G-11), from the settings of the request that named it.
	Provision(s Settings) S
	// Reindex rebuilds what the state keeps beside its JSON (indexes, id
	// sequences) after the platform decoded a snapshot into it, and refuses
	// a state that is not consistent.
	Reindex(s S) error
	// Handle applies one valid message of an accepted type to the state. It
	// returns a *Error to refuse the message, and must then leave the
	// state unchanged: validate first, then mutate. The one exception is a
	// vendor's metering of requests: Promoter's daily limit counts a
	// request it refuses too (PR-13, a decision in docs/promoter.md).
	Handle(r *Request, s S) error
	// Resources lists the destination's control-plane routes below
	// /_emulator/{slug}/accounts/{id}/.
	Resources() []Resource[S]
}

// Emulator is a destination as the platform holds it, its state type
// erased: what Register makes of a Destination. World and the server only
// ever see Emulators.
type Emulator interface {
	Info() Info
	NewState(config json.RawMessage) (State, error)
	Provision(s Settings) State
	// LoadState decodes a state written with json.Marshal (snapshots).
	LoadState(data json.RawMessage) (State, error)
	Handle(r *Request, s State) error
	Resources() []Resource[State]
}

// State is one account's vendor-side state, owned by its destination. It is
// only touched with the account's lock held and must survive a round trip
// through json.Marshal and Emulator.LoadState.
type State any

// Register turns a destination into the Emulator the platform holds.
func Register[S any](d Destination[S]) Emulator {
	return typed[S]{d: d, slug: d.Info().Slug}
}

// typed is the one adapter between a Destination and the platform: the
// only place an account's state is asserted to its type.
type typed[S any] struct {
	d    Destination[S]
	slug string
}

func (t typed[S]) Info() Info { return t.d.Info() }

func (t typed[S]) NewState(config json.RawMessage) (State, error) {
	s, err := t.d.NewState(config)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (t typed[S]) Provision(s Settings) State { return t.d.Provision(s) }

// LoadState decodes into a fresh NewState(nil), keeping numbers exact
// (UseNumber, as segment.Decode does for messages), so a big id or a price
// survives a snapshot round trip in every destination alike; a JSONLoader
// reads the document itself.
func (t typed[S]) LoadState(data json.RawMessage) (State, error) {
	s, err := t.d.NewState(nil)
	if err != nil {
		return nil, err
	}
	if l, ok := any(s).(JSONLoader); ok {
		err = l.LoadJSON(data)
	} else {
		err = segment.UnmarshalNumbers(data, &s)
	}
	if err != nil {
		return nil, BadRequest("%s state: %s", t.slug, err)
	}
	if err := t.d.Reindex(s); err != nil {
		return nil, BadRequest("%s state: %s", t.slug, err)
	}
	return s, nil
}

// JSONLoader is a state that reads its own JSON document (a fresh
// NewState(nil) reads a snapshot's state; numbers must stay exact).
// LoadState hands it the document rather than decoding it with
// encoding/json, which would first read all of it once more to find where
// a json.Unmarshaler's value ends: a state that reads itself piece by piece
// (Connect's users, one at a time, #18) is not read twice over.
type JSONLoader interface {
	LoadJSON(data []byte) error
}

func (t typed[S]) state(st State) (S, error) {
	s, ok := st.(S)
	if !ok {
		return s, Errorf(http.StatusInternalServerError, "%s: account state is %T, not %T", t.slug, st, s)
	}
	return s, nil
}

func (t typed[S]) Handle(r *Request, st State) error {
	s, err := t.state(st)
	if err != nil {
		return err
	}
	return t.d.Handle(r, s)
}

func (t typed[S]) Resources() []Resource[State] {
	rs := t.d.Resources()
	out := make([]Resource[State], len(rs))
	for i, r := range rs {
		h := r.Handle
		out[i] = Resource[State]{Method: r.Method, Path: r.Path, Summary: r.Summary, Status: r.Status,
			Query: r.Query, In: r.In, Out: r.Out, View: r.View,
			Handle: func(req *ResourceRequest, st State) (any, error) {
				s, err := t.state(st)
				if err != nil {
					return nil, err
				}
				return h(req, s)
			}}
	}
	return out
}

// Info describes a destination.
type Info struct {
	// Slug names the destination in URLs: the webhook is POST /{Slug} (G-1).
	Slug string
	// Name is the vendor's name for people ("User.com").
	Name string
	// Integrations are the names Segment's integrations object uses for it
	// (G-15), e.g. "User.com" and "UserEngage".
	Integrations []string
	// Accepts lists the call types it handles; others are answered 501 (G-6).
	Accepts []segment.Type
	// Settings are its destination settings other than the API key, which
	// Segment sends in Basic auth rather than in X-Segment-Settings.
	Settings []Setting
	// RequireAdmin makes keys without the "admin" permission answer 403
	// (Startdeliver, SD-2).
	RequireAdmin bool
	// Doc links the vendor document the behaviour comes from.
	Doc string
	// Behaviours are the families of behaviour IDs (spec/behaviors.md) the
	// destination implements; the scenario library has one file per ID.
	Behaviours []Family
}

// Family is a family of behaviour IDs: PR-1..PR-13 is {"PR", 13}.
type Family struct {
	Prefix string
	Count  int
}

// ContractBehaviours are the platform's own behaviours, which every
// destination gets: Segment's partner-webhook contract, G-1..G-16.
func ContractBehaviours() []Family { return []Family{{"G", 16}} }

// Accepted reports whether the destination handles call type t.
func (i Info) Accepted(t segment.Type) bool {
	for _, a := range i.Accepts {
		if a == t {
			return true
		}
	}
	return false
}

// Request is one valid message on its way into a destination, with what the
// destination did with it. Handle records its work with Did, Warn and Ignore;
// the request log and the answer show it (G-14, G-16).
type Request struct {
	// Now is the namespace clock when the request arrived; behaviour code
	// uses it instead of time.Now.
	Now time.Time
	// Message is the decoded, validated message.
	Message *segment.Message
	// Settings are the account's settings overlaid with X-Segment-Settings.
	Settings Settings
	// AccountID names the account the key belongs to.
	AccountID string
	// Key is the API key the request was authenticated with.
	Key KeyInfo
	// Header holds the HTTP request headers (Origin, Referer, ...).
	Header http.Header

	actions  []string
	warnings []string
	ignored  string
	data     map[string]any
	// retention is the world's, applied once the message is.
	retention Retention
}

// Did records something the destination did ("created user u_1").
func (r *Request) Did(format string, args ...any) {
	r.actions = append(r.actions, fmt.Sprintf(format, args...))
}

// Warn records something the request log should point out while the message
// is still accepted ("timezone PST is not an IANA zone name; not stored").
func (r *Request) Warn(format string, args ...any) {
	r.warnings = append(r.warnings, fmt.Sprintf(format, args...))
}

// Ignore marks the message as accepted (200, so Segment does not retry) but
// not applied, and says why.
func (r *Request) Ignore(format string, args ...any) {
	r.ignored = fmt.Sprintf(format, args...)
}

// Set adds a field to the success answer's "data" object (the id of the
// user the event was attached to, say).
func (r *Request) Set(key string, value any) {
	if r.data == nil {
		r.data = make(map[string]any, 2)
	}
	r.data[key] = value
}

// Error is a refusal that carries its HTTP status. The server renders it as
// {"message": Message} (G-4).
type Error struct {
	Status  int
	Message string
	// RetryAfter, when positive, is sent as a Retry-After header in seconds.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Message }

// maxQuoted bounds how much of a caller's input an error message quotes:
// enough to recognise it, never enough to echo a 900 KB header back (#13).
const maxQuoted = 100

// Quote quotes s for an error message like %q, cutting it to its first
// bytes and saying how long it was when it is longer than that.
func Quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	return strconv.Quote(cut(s, maxQuoted)) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// maxMessage bounds an error message as it is answered and logged, whatever
// it quotes.
const maxMessage = 2048

// Clip cuts a message to maxMessage bytes, marking the cut.
func Clip(m string) string {
	if len(m) <= maxMessage {
		return m
	}
	return cut(m, maxMessage) + "… (cut)"
}

// cut returns at most the first n bytes of s, ending on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Errorf returns an *Error with the given status.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// BadRequest returns a 400 *Error.
func BadRequest(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, format, args...)
}

// NotFound returns a 404 *Error.
func NotFound(format string, args ...any) *Error {
	return Errorf(http.StatusNotFound, format, args...)
}

// Conflict returns a 409 *Error.
func Conflict(format string, args ...any) *Error {
	return Errorf(http.StatusConflict, format, args...)
}

// Resource is one control-plane route of a destination, mounted at
// /_emulator/{slug}/accounts/{id}/{Path}. Path segments in braces are
// parameters: "users/{id}".
type Resource[S any] struct {
	Method  string // http.MethodGet, ...
	Path    string
	Summary string // one line for the OpenAPI document
	// Status is the success status; 200 when zero.
	Status int
	// Query documents the query parameters the route takes; In and Out are
	// the Go types of its request body and its answer, which the OpenAPI
	// document reflects (nil: no body, or an undocumented object).
	Query   []Param
	In, Out reflect.Type
	// View describes the list a View declaration made this route, nil for
	// any other route.
	View *ViewInfo
	// Handle runs with the account's lock held and returns the value to
	// answer with as JSON, or a *Error. The platform encodes the answer
	// before it releases the lock, so the value may share memory with s.
	Handle func(r *ResourceRequest, s S) (any, error)
}

// ResourceRequest is one control-plane call on an account's state.
type ResourceRequest struct {
	Now       time.Time // the namespace clock
	AccountID string
	Params    map[string]string // path parameters by name
	Query     url.Values
	Body      []byte
}

// Param returns a path parameter.
func (r *ResourceRequest) Param(name string) string { return r.Params[name] }

// Decode reads the JSON body into v, refusing unknown fields, and returns a
// 400 *Error that names what is wrong.
func (r *ResourceRequest) Decode(v any) error { return DecodeJSON(r.Body, v) }

// DecodeJSON strictly decodes a JSON body into v; errors are 400 *Errors
// that name the field at fault.
func DecodeJSON(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return BadRequest("request body is empty; want a JSON object")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case asErr(err, &te):
			return BadRequest("field %q must be a JSON %s, not %s", te.Field, jsonTypeName(te.Type.Kind().String()), te.Value)
		case asErr(err, &se):
			return BadRequest("request body is not valid JSON: %s at byte %d", se.Error(), se.Offset)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return BadRequest("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return BadRequest("request body: %s", err.Error())
	}
	if dec.More() {
		return BadRequest("request body holds more than one JSON value")
	}
	return nil
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "map", "struct":
		return "object"
	case "slice", "array":
		return "array"
	}
	return "number"
}

// KeyInfo describes the API key a request came with.
type KeyInfo struct {
	Value      string
	Permission string
}

// Actions returns what the destination recorded with Did.
func (r *Request) Actions() []string { return r.actions }

// Warnings returns what the destination recorded with Warn.
func (r *Request) Warnings() []string { return r.warnings }

// Ignored returns the reason given to Ignore, or "".
func (r *Request) Ignored() string { return r.ignored }

// Data returns the fields given to Set.
func (r *Request) Data() map[string]any { return r.data }
