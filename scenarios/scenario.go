// Package scenarios reads, checks, prints and runs destemu scenario files:
// YAML (or JSON) documents that set up accounts in the emulated
// destinations and then send Segment messages, move the clock, call the
// control plane and assert what the emulator answered and stored.
//
// A scenario runs through the typed client against any destemu server, in
// a fresh namespace of its own that is deleted afterwards, so many
// scenarios, clock steps included, run against one server at once. The
// format knows nothing about any one destination: vendor-side setup is the
// account's "config" object and the destination's own control-plane
// resources, passed through as written. docs/scenarios.md describes the
// format; schema.json is its JSON Schema.
package scenarios

import (
	"time"
)

// Scenario is one parsed scenario file.
type Scenario struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	// Requires names what the server must be for the scenario to make
	// sense; a server that differs skips the scenario instead of failing it.
	Requires *Requires `yaml:"requires,omitempty"`
	Setup    Setup     `yaml:"setup,omitempty"`
	Steps    []Step    `yaml:"steps"`

	// File is where the scenario was read from, for reports and errors.
	File string `yaml:"-"`
}

// Requires is what a scenario needs of the server.
type Requires struct {
	// Strict, when set, requires the server's strict key mode (G-11) to be
	// on (true) or off (false).
	Strict *bool `yaml:"strict,omitempty"`
}

// Setup is what exists before the first step: accounts with their keys and
// vendor-side config, then control-plane calls (activating a campaign,
// defining an attribute). It is also what destemu --seed applies.
type Setup struct {
	Accounts []Account `yaml:"accounts,omitempty"`
	// Sources are tracking API sources, made after the accounts: a write
	// key and the destinations it delivers to (docs/tracking.md).
	Sources []Source `yaml:"sources,omitempty"`
	Calls   []Call   `yaml:"calls,omitempty"`
}

// IsZero reports whether the setup is empty (for printing).
func (s Setup) IsZero() bool { return len(s.Accounts) == 0 && len(s.Sources) == 0 && len(s.Calls) == 0 }

// Source is a tracking API source: a write key and its connections. Run
// makes the write key and the connections' API keys unique to its
// namespace, as it does account keys.
type Source struct {
	WriteKey    string       `yaml:"writeKey"`
	Name        string       `yaml:"name,omitempty"`
	Connections []Connection `yaml:"connections,omitempty"`

	line int
}

// Connection connects a source to a destination: the API key and the
// settings Segment sends it, and whether it is enabled (true when unset).
type Connection struct {
	Destination string `yaml:"destination"`
	APIKey      string `yaml:"apiKey"`
	Settings    Value  `yaml:"settings,omitempty"`
	Enabled     *bool  `yaml:"enabled,omitempty"`

	line int
}

// Account creates one account of a destination.
type Account struct {
	Destination string `yaml:"destination"`
	ID          string `yaml:"id"`
	// Settings are stored on the account and used when a request's
	// X-Segment-Settings leaves one out.
	Settings Value `yaml:"settings,omitempty"`
	// Config is the destination's vendor-side configuration, passed as is
	// (docs/<destination>.md describes it).
	Config Value `yaml:"config,omitempty"`
	Keys   []Key `yaml:"keys,omitempty"`

	line int
}

// Key is an API key of an account. A key written as a plain string is
// active with the admin permission.
type Key struct {
	Value      string `yaml:"value"`
	Active     *bool  `yaml:"active,omitempty"`
	Permission string `yaml:"permission,omitempty"`
}

// MarshalYAML prints a plain key as a plain string.
func (k Key) MarshalYAML() (any, error) {
	if k.Active == nil && k.Permission == "" {
		return k.Value, nil
	}
	type plain Key
	return plain(k), nil
}

// Step is one step of a scenario: exactly one of its kinds is set.
type Step struct {
	// Name describes the step in reports; a description is made up when
	// it is empty.
	Name       string  `yaml:"name,omitempty"`
	Send       *Send   `yaml:"send,omitempty"`
	Call       *Call   `yaml:"call,omitempty"`
	Assert     *Assert `yaml:"assert,omitempty"`
	Wait       *Wait   `yaml:"wait,omitempty"`
	Clock      *Clock  `yaml:"clock,omitempty"`
	Revoke     *KeyRef `yaml:"revoke,omitempty"`
	Activate   *KeyRef `yaml:"activate,omitempty"`
	Deactivate *KeyRef `yaml:"deactivate,omitempty"`
	Fault      *Fault  `yaml:"fault,omitempty"`
	// Source sends through Segment's tracking API, as an SDK does.
	Source *SourceSend `yaml:"source,omitempty"`
	// Expect checks the answer of a send, a source or a call. Without it a send must
	// answer 200 and a call any 2xx.
	Expect *Expect `yaml:"expect,omitempty"`

	// Line is the step's line in its file.
	Line int `yaml:"-"`
}

// Step kinds, as written in a file.
const (
	KindSend       = "send"
	KindCall       = "call"
	KindAssert     = "assert"
	KindWait       = "wait"
	KindClock      = "clock"
	KindRevoke     = "revoke"
	KindActivate   = "activate"
	KindDeactivate = "deactivate"
	KindFault      = "fault"
	KindSource     = "source"
)

// Kinds lists the step kinds in the order documentation gives them.
func Kinds() []string {
	return []string{KindSend, KindCall, KindAssert, KindWait, KindClock, KindRevoke, KindActivate, KindDeactivate, KindFault, KindSource}
}

// Kind returns the step's kind.
func (s *Step) Kind() string {
	switch {
	case s.Send != nil:
		return KindSend
	case s.Call != nil:
		return KindCall
	case s.Assert != nil:
		return KindAssert
	case s.Wait != nil:
		return KindWait
	case s.Clock != nil:
		return KindClock
	case s.Revoke != nil:
		return KindRevoke
	case s.Activate != nil:
		return KindActivate
	case s.Deactivate != nil:
		return KindDeactivate
	case s.Fault != nil:
		return KindFault
	case s.Source != nil:
		return KindSource
	}
	return ""
}

// SourceSend sends one message, or a batch, through Segment's tracking
// API (/v1/...) with a source's write key: the destinations connected to
// it get each message before the answer, as docs/tracking.md describes.
type SourceSend struct {
	WriteKey string `yaml:"writeKey"`
	// WriteKeyIn is where the write key goes: "auth" (the Basic-auth user
	// name, as the server libraries send it; the default) or "body" (a
	// "writeKey" field, as analytics.js and older analytics-python do).
	WriteKeyIn string `yaml:"writeKeyIn,omitempty"`
	// Endpoint is the path after /v1/: "batch" for a batch, the message's
	// type for a message, unless given ("import", "t", "p", "b", ...).
	Endpoint string `yaml:"endpoint,omitempty"`
	// Message is one message; Batch a list of them.
	Message Value `yaml:"message,omitempty"`
	Batch   Value `yaml:"batch,omitempty"`
	// Headers are added to the request (Content-Type: text/plain, Origin).
	Headers map[string]string `yaml:"headers,omitempty"`
}

// Send delivers a Segment message to a destination's webhook as Segment
// does, or, for the webhook contract's sake, a request Segment would never
// send (no Authorization, a body that is not JSON, a settings header that
// does not decode).
type Send struct {
	Destination string `yaml:"destination"`
	// Key is the API key, sent as the Basic-auth user name. Run makes keys
	// unique to its namespace (see Options.KeepKeys).
	Key string `yaml:"key,omitempty"`
	// Password is sent as the Basic-auth password (Segment sends none; the
	// destinations ignore it, G-2).
	Password string `yaml:"password,omitempty"`
	// Authorization replaces the Authorization header as a whole; "" sends
	// none.
	Authorization *string `yaml:"authorization,omitempty"`
	// Settings are sent base64-encoded in X-Segment-Settings.
	Settings Value `yaml:"settings,omitempty"`
	// SettingsHeader is X-Segment-Settings exactly as sent (raw JSON, or
	// something that does not decode).
	SettingsHeader *string `yaml:"settingsHeader,omitempty"`
	// Headers are added to the request (Origin, Referer).
	Headers map[string]string `yaml:"headers,omitempty"`
	// Message is the Segment message; a messageId is added when it has
	// none, a new one each time it is repeated.
	Message Value `yaml:"message,omitempty"`
	// Body is sent as the body instead of a message, byte for byte.
	Body *string `yaml:"body,omitempty"`
	// PadTo pads the message with a root field "padding" until the body
	// has at least this many bytes (the body limit, G-5).
	PadTo int `yaml:"padTo,omitempty"`
	// Repeat sends the message this many times (1 when zero); Expect
	// applies to every answer.
	Repeat int `yaml:"repeat,omitempty"`
	// Parallel sends the repeats all at once instead of one after another.
	Parallel bool `yaml:"parallel,omitempty"`

	destLine int
}

// Call is one control-plane call: in setup (create a campaign, define an
// attribute) or as a step.
type Call struct {
	Method string `yaml:"method"`
	// Path is "/_emulator/..." or relative to /_emulator/
	// ("promoter/accounts/acme/campaigns").
	Path  string            `yaml:"path"`
	Query map[string]string `yaml:"query,omitempty"`
	Body  Value             `yaml:"body,omitempty"`

	line int
}

// Assert reads a control-plane resource (GET) and checks it.
type Assert struct {
	Path  string            `yaml:"path"`
	Query map[string]string `yaml:"query,omitempty"`
	// Count is how many items the answer lists: the length of its "items"
	// (every list of the control plane) or of the answer when it is an
	// array.
	Count *int `yaml:"count,omitempty"`
	// Match is a pattern the answer must match (see Match).
	Match Value `yaml:"match,omitempty"`
}

// Wait blocks until enough request-log entries match (the long poll; no
// sleeping).
type Wait struct {
	Destination string `yaml:"destination,omitempty"`
	Account     string `yaml:"account,omitempty"`
	Status      int    `yaml:"status,omitempty"`
	Outcome     string `yaml:"outcome,omitempty"`
	Type        string `yaml:"type,omitempty"`
	UserID      string `yaml:"userId,omitempty"`
	Event       string `yaml:"event,omitempty"`
	// Count is how many must match (1 when zero).
	Count int `yaml:"count,omitempty"`
	// Timeout bounds the wait (DefaultWait when zero).
	Timeout Duration `yaml:"timeout,omitempty"`

	destLine int
}

// DefaultWait is how long a wait step waits when it does not say.
const DefaultWait = 5 * time.Second

// Clock moves the namespace clock: exactly one of Freeze (alone), Set
// (optionally with Freeze), Advance, Resume, Reset.
type Clock struct {
	Freeze bool `yaml:"freeze,omitempty"`
	// Set is an RFC 3339 time.
	Set     string   `yaml:"set,omitempty"`
	Advance Duration `yaml:"advance,omitempty"`
	Resume  bool     `yaml:"resume,omitempty"`
	Reset   bool     `yaml:"reset,omitempty"`

	at time.Time
}

// KeyRef names an API key for revoke, activate and deactivate.
type KeyRef struct {
	Destination string `yaml:"destination"`
	// Account is the account the key belongs to; it may be left out when a
	// setup account of the destination declares the key.
	Account string `yaml:"account,omitempty"`
	Key     string `yaml:"key"`

	destLine int
	account  string // Account, or the setup account that declares Key
}

// Fault adds a fault rule to the namespace (Add, passed to the control
// plane as written) or clears them all.
type Fault struct {
	Add   Value `yaml:"add,omitempty"`
	Clear bool  `yaml:"clear,omitempty"`
}

// Expect is what the answer of a send or a call must be.
type Expect struct {
	// Status is the HTTP status; 200 for a send and any 2xx for a call when
	// zero.
	Status int `yaml:"status,omitempty"`
	// Statuses counts the answers of a repeated send by status
	// ({200: 3, 429: 1}); it replaces Status.
	Statuses map[int]int `yaml:"statuses,omitempty"`
	// Message must be part of the answer's message (a refusal) or reason
	// (a message answered 200 but ignored or a duplicate).
	Message string `yaml:"message,omitempty"`
	// Body is a pattern the JSON answer must match (see Match).
	Body Value `yaml:"body,omitempty"`
	// Headers is a pattern the answer's headers must match, by canonical
	// name ("Retry-After").
	Headers Value `yaml:"headers,omitempty"`
}

// Duration is a duration as written ("7d", "90s", "1d12h").
type Duration struct {
	D    time.Duration
	Text string
}

// IsZero reports whether no duration was given.
func (d Duration) IsZero() bool { return d.Text == "" }

// MarshalYAML prints the duration as it was written.
func (d Duration) MarshalYAML() (any, error) { return d.Text, nil }
