package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"
)

// Message is a Segment Spec message to send. Build one with Identify, Track,
// Page, Screen, Group or Alias and adjust its fields.
type Message struct {
	Type         string
	UserID       string
	AnonymousID  string
	MessageID    string // set to a random id by Send when empty, as Segment does
	Event        string
	Name         string
	GroupID      string
	PreviousID   string
	Timestamp    *time.Time // when nil, the emulator uses its clock (G-8)
	Traits       map[string]any
	Properties   map[string]any
	Context      map[string]any
	Integrations map[string]any
	// Extra fields are merged into the message root (email at the root, a
	// receivedAt, a field a test wants to get wrong on purpose).
	Extra map[string]any
}

// Identify builds an identify call.
func Identify(userID string, traits map[string]any) Message {
	return Message{Type: "identify", UserID: userID, Traits: traits}
}

// Track builds a track call.
func Track(userID, event string, properties map[string]any) Message {
	return Message{Type: "track", UserID: userID, Event: event, Properties: properties}
}

// Page builds a page call.
func Page(userID, name string, properties map[string]any) Message {
	return Message{Type: "page", UserID: userID, Name: name, Properties: properties}
}

// Screen builds a screen call.
func Screen(userID, name string, properties map[string]any) Message {
	return Message{Type: "screen", UserID: userID, Name: name, Properties: properties}
}

// Group builds a group call.
func Group(userID, groupID string, traits map[string]any) Message {
	return Message{Type: "group", UserID: userID, GroupID: groupID, Traits: traits}
}

// Alias builds an alias call: previousID becomes userID.
func Alias(userID, previousID string) Message {
	return Message{Type: "alias", UserID: userID, PreviousID: previousID}
}

// Anonymous returns the message sent for an anonymous user instead.
func (m Message) Anonymous(anonymousID string) Message {
	m.UserID, m.AnonymousID = "", anonymousID
	return m
}

// At returns the message with its timestamp set.
func (m Message) At(t time.Time) Message {
	m.Timestamp = &t
	return m
}

// WithContext returns the message with its context set.
func (m Message) WithContext(ctx map[string]any) Message {
	m.Context = ctx
	return m
}

// WithID returns the message with its messageId set.
func (m Message) WithID(id string) Message {
	m.MessageID = id
	return m
}

// MarshalJSON writes the message as Segment sends it.
func (m Message) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, 8+len(m.Extra))
	for k, v := range m.Extra {
		out[k] = v
	}
	for k, v := range map[string]string{"type": m.Type, "userId": m.UserID, "anonymousId": m.AnonymousID,
		"messageId": m.MessageID, "event": m.Event, "name": m.Name, "groupId": m.GroupID, "previousId": m.PreviousID} {
		if v != "" {
			out[k] = v
		}
	}
	for k, v := range map[string]map[string]any{"traits": m.Traits, "properties": m.Properties,
		"context": m.Context, "integrations": m.Integrations} {
		if v != nil {
			out[k] = v
		}
	}
	if m.Timestamp != nil {
		out["timestamp"] = m.Timestamp.UTC().Format(time.RFC3339Nano)
	}
	return json.Marshal(out)
}

// Result is a destination's success answer (G-16).
type Result struct {
	Status      string         `json:"status"` // ok, ignored or duplicate
	Destination string         `json:"destination"`
	Namespace   string         `json:"namespace"`
	Account     string         `json:"account"`
	Type        string         `json:"type"`
	Reason      string         `json:"reason"` // why it was ignored or a duplicate
	Actions     []string       `json:"actions"`
	Warnings    []string       `json:"warnings"`
	Data        map[string]any `json:"data"`
	RequestID   uint64         `json:"requestId"`
}

// Send delivers one message to a destination's webhook as Segment does:
// POST /{dest}, Basic auth with the key as user name and an empty password,
// the other settings base64-encoded in X-Segment-Settings, User-Agent
// Segment.io/1.0. A refusal is an *Error.
func (c *Client) Send(ctx context.Context, dest, apiKey string, settings map[string]any, m Message) (*Result, error) {
	if m.MessageID == "" {
		m.MessageID = NewMessageID()
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	raw := RawRequest{Authorization: BasicAuth(apiKey), Body: body}
	if settings != nil {
		s, err := json.Marshal(settings)
		if err != nil {
			return nil, err
		}
		raw.Settings = base64.StdEncoding.EncodeToString(s)
	}
	var res Result
	if err := c.SendRaw(ctx, dest, raw, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// RawRequest is a webhook request assembled by hand, to send what Segment
// would never send (a broken header, a body that is not JSON).
type RawRequest struct {
	Authorization string // the whole header; see BasicAuth
	Settings      string // X-Segment-Settings as sent
	Header        http.Header
	Body          []byte
}

// SendRaw posts a hand-made webhook request and decodes a success into out.
func (c *Client) SendRaw(ctx context.Context, dest string, r RawRequest, out any) error {
	req, err := c.webhookRequest(ctx, dest, r)
	if err != nil {
		return err
	}
	return c.roundTrip(req, out)
}

// webhookRequest builds the request Segment would send, with the
// hand-made parts of r.
func (c *Client) webhookRequest(ctx context.Context, dest string, r RawRequest) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+dest, bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Segment.io/1.0")
	req.Header.Set("Accept", "*/*")
	if r.Authorization != "" {
		req.Header.Set("Authorization", r.Authorization)
	}
	if r.Settings != "" {
		req.Header.Set("X-Segment-Settings", r.Settings)
	}
	c.setNamespace(req)
	return req, nil
}

// BasicAuth returns the Authorization header Segment sends for a key.
func BasicAuth(apiKey string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(apiKey+":"))
}

// NewMessageID returns a random messageId.
func NewMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "destemu-" + hex.EncodeToString(b[:])
}
