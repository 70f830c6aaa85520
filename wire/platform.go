package wire

import (
	"encoding/json"
	"fmt"
	"time"
)

// Key is an API key of an account: Status is active, inactive or revoked.
type Key struct {
	Value      string `json:"value"`
	Status     string `json:"status"`
	Permission string `json:"permission"`
}

// Account is an account as the control plane shows it.
type Account struct {
	ID          string          `json:"id"`
	Destination string          `json:"destination"`
	Namespace   string          `json:"namespace"`
	Created     time.Time       `json:"created"`
	Settings    map[string]any  `json:"settings"`
	Config      json.RawMessage `json:"config,omitempty"`
	Keys        []Key           `json:"keys"`
	// Provisioned marks an account made for an unknown key (not strict
	// mode, G-11).
	Provisioned bool `json:"provisioned,omitempty"`
}

// Entry is one webhook request in the request log (G-14).
type Entry struct {
	ID          uint64    `json:"id"`
	Time        time.Time `json:"time"` // the namespace clock at arrival
	Namespace   string    `json:"namespace"`
	Destination string    `json:"destination"`
	Account     string    `json:"account,omitempty"`
	Key         string    `json:"key,omitempty"`
	Type        string    `json:"type,omitempty"`
	Event       string    `json:"event,omitempty"`
	UserID      string    `json:"userId,omitempty"`
	AnonymousID string    `json:"anonymousId,omitempty"`
	MessageID   string    `json:"messageId,omitempty"`
	Status      int       `json:"status"`
	// Outcome is ok, ignored, duplicate, refused, faulted (or dropped, for
	// the tracking API).
	Outcome string `json:"outcome"`
	// Message is the refusal, or the reason the request was ignored.
	Message  string   `json:"message,omitempty"`
	Actions  []string `json:"actions,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	Fault    string   `json:"fault,omitempty"`
	// LatencyMs is the real time spent handling the request.
	LatencyMs float64         `json:"latencyMs"`
	Body      json.RawMessage `json:"body,omitempty"`
	// BodyText holds a body that is not JSON the log could answer with (not
	// JSON at all, trailing data, nested too deep), as text, so that the
	// request log always answers (#13).
	BodyText string `json:"bodyText,omitempty"`
	// BodyDropped marks an entry whose body the server dropped to keep its
	// request log within its byte budget.
	BodyDropped bool `json:"bodyDropped,omitempty"`
	// Tracking links a message of the tracking API and its deliveries.
	Tracking *Tracking `json:"tracking,omitempty"`
}

// String writes an entry on one line, for test failures and the text form
// of the request log.
func (e Entry) String() string {
	s := fmt.Sprintf("#%d %d %s %s/%s %s", e.ID, e.Status, e.Outcome, e.Destination, e.Account, e.Type)
	if e.Event != "" {
		s += fmt.Sprintf(" event=%q", e.Event)
	}
	if u := e.UserID + e.AnonymousID; u != "" {
		s += " user=" + u
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Fault != "" {
		s += " [fault " + e.Fault + "]"
	}
	return s
}

// Tracking links the request log entries of the tracking API and the
// deliveries it made. A delivery's entry names its Source; the tracking
// API's entry for the message (destination "tracking", same messageId)
// names the source too and lists each connection's fate in Deliveries.
type Tracking struct {
	// Source is the write key the message came with.
	Source     string   `json:"source"`
	Deliveries []Fanout `json:"deliveries,omitempty"`
}

// Fanout is what became of one message for one connection of its source:
// delivered (with the delivery's request id, status and outcome) or
// "skipped" (with the reason Segment would not have delivered it).
type Fanout struct {
	Destination string `json:"destination"`
	Account     string `json:"account,omitempty"`
	RequestID   uint64 `json:"requestId,omitempty"`
	Status      int    `json:"status,omitempty"`
	Outcome     string `json:"outcome"` // the delivery's outcome, or "skipped"
	Reason      string `json:"reason,omitempty"`
}

// Source is a tracking API source of a namespace: a write key and the
// destinations it delivers to (docs/tracking.md).
type Source struct {
	WriteKey    string       `json:"writeKey"`
	Name        string       `json:"name,omitempty"`
	Created     time.Time    `json:"created,omitzero"`
	Connections []Connection `json:"connections"`
}

// Connection connects a source to a destination: the API key Segment
// sends in Basic auth, the settings it sends in X-Segment-Settings, and
// whether it is enabled.
type Connection struct {
	Destination string         `json:"destination"`
	APIKey      string         `json:"apiKey"`
	Settings    map[string]any `json:"settings,omitempty"`
	// Enabled is true unless the connection was created disabled; a
	// disabled connection's deliveries are skipped, as in Segment's app.
	Enabled *bool `json:"enabled,omitempty"`
}

// On reports whether the connection delivers.
func (c *Connection) On() bool { return c.Enabled == nil || *c.Enabled }

// FaultMatch selects the webhook requests a fault rule applies to; empty
// fields match everything.
type FaultMatch struct {
	Destination string `json:"destination,omitempty"`
	Account     string `json:"account,omitempty"`
	Key         string `json:"key,omitempty"`
	Type        string `json:"type,omitempty"`
	Event       string `json:"event,omitempty"`
	UserID      string `json:"userId,omitempty"` // userId or anonymousId
}

// ServerInfoOf describes a server: its version, mode and destinations
// (GET /_emulator/info). S is how a destination's setting is held: the
// client reads each as a map (ServerInfo), the server writes its own
// declaration.
type ServerInfoOf[S any] struct {
	Version   string `json:"version"`
	Strict    bool   `json:"strict"`
	BodyLimit int64  `json:"bodyLimit"`
	// RandomSeed seeds the fault rules' random source (--seed-random).
	RandomSeed   uint64             `json:"randomSeed"`
	Destinations []DestinationOf[S] `json:"destinations"`
}

// DestinationOf describes an emulated destination: its webhook, the calls
// it accepts, the names Segment's integrations object gives it, its
// settings and the vendor document it follows.
type DestinationOf[S any] struct {
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	Webhook      string   `json:"webhook"`
	Accepts      []string `json:"accepts"`
	Integrations []string `json:"integrations"`
	Settings     []S      `json:"settings"`
	Doc          string   `json:"doc,omitempty"`
}

// ServerInfo is a server's description as the client reads it.
type ServerInfo = ServerInfoOf[Object]

// AccountSpecOf creates an account: its id, stored settings (used when a
// request's X-Segment-Settings leaves one out), the destination's
// vendor-side config, and its API keys. C holds the config: the client
// any value it encodes (AccountSpec), the server the JSON the destination
// decodes.
type AccountSpecOf[C any] struct {
	ID       string         `json:"id"`
	Settings map[string]any `json:"settings,omitempty"`
	Config   C              `json:"config,omitempty"`
	Keys     []KeySpec      `json:"keys,omitempty"`
}

// AccountSpec is an account's creation as the client sends it.
type AccountSpec = AccountSpecOf[any]

// KeySpec creates an API key: active with the "admin" permission unless
// Active is false or Permission says otherwise, so a key works unless the
// test says otherwise.
type KeySpec struct {
	Value      string `json:"value"`
	Active     *bool  `json:"active,omitempty"`
	Permission string `json:"permission,omitempty"`
}

// FaultRuleOf makes matching webhook requests of a namespace misbehave:
// for the next Times matching requests (every one when zero), each with
// Probability (always when zero), drawn from the namespace's seeded random
// source so a run can be replayed exactly. D holds a duration: the client
// writes text ("250ms"), the server reads it into its own type.
type FaultRuleOf[D any] struct {
	ID          string           `json:"id"`
	Match       FaultMatch       `json:"match"`
	Action      FaultActionOf[D] `json:"action"`
	Times       int              `json:"times,omitempty"`
	Probability float64          `json:"probability,omitempty"`
	// Remaining is how many more times a rule with Times will apply.
	Remaining int `json:"remaining,omitempty"`
	// Applied counts the requests the rule has faulted so far.
	Applied int `json:"applied"`
}

// FaultActionOf is what a fault rule does: Kind is status, latency, drop
// or timeout.
type FaultActionOf[D any] struct {
	Kind    string `json:"kind"`
	Status  int    `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	// RetryAfter is sent as a Retry-After header (status kind).
	RetryAfter D `json:"retryAfter,omitempty"`
	// Latency is the fixed delay (latency kind); Jitter adds a random delay
	// of up to Jitter on top, drawn from the seeded source.
	Latency D `json:"latency,omitempty"`
	Jitter  D `json:"jitter,omitempty"`
	// After is how long a timeout holds the request (10s when zero).
	After D `json:"after,omitempty"`
}

// FaultRule is a fault rule as the client writes it, durations as text.
type FaultRule = FaultRuleOf[string]

// Counts is the answer of GET /_emulator/requests/counts: the matching
// requests grouped by the fields in By, groups in order of first sight.
type Counts struct {
	By     []string     `json:"by"`
	Groups []CountGroup `json:"groups"`
	Total  int          `json:"total"`
}

// CountGroup is one group of Counts: its fields' values and how many
// requests have them.
type CountGroup struct {
	Fields map[string]string `json:"fields"`
	Count  int               `json:"count"`
}

// NamespaceInfoOf describes a namespace: its name, its clock and how many
// requests its log holds. C is the clock's state: the client's
// ClockState, the server's clock.State.
type NamespaceInfoOf[C any] struct {
	Name     string `json:"name"`
	Clock    C      `json:"clock"`
	Requests int    `json:"requests"`
}
