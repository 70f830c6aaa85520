// Package segment holds the Segment Spec message as a destination receives
// it from Segment's partner webhook: one decode of the JSON body, validation
// with clear messages that name the field, the event time (G-8),
// case-insensitive trait lookup (G-9), value conversion, and the small path
// language Startdeliver-v2 uses to point into a message
// (properties['Field With Space']).
//
// Spec: https://segment.com/docs/connections/spec/
package segment

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Type is a Segment call type.
type Type uint8

// The six Segment call types.
const (
	Identify Type = iota + 1
	Track
	Page
	Screen
	Group
	Alias
)

// Types lists every call type in Spec order.
var Types = []Type{Identify, Track, Page, Screen, Group, Alias}

var typeNames = [...]string{"", "identify", "track", "page", "screen", "group", "alias"}

// String returns the lower-case name of the type ("identify").
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// MarshalText writes the type's name.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a type's name in any casing.
func (t *Type) UnmarshalText(b []byte) error {
	v, ok := ParseType(string(b))
	if !ok {
		return fmt.Errorf("unknown call type %q", b)
	}
	*t = v
	return nil
}

// ParseType reads a call type, case-insensitively (G-6).
func ParseType(s string) (Type, bool) {
	for i := 1; i < len(typeNames); i++ {
		if strings.EqualFold(s, typeNames[i]) {
			return Type(i), true
		}
	}
	return 0, false
}

// Message is one Segment Spec message. The common fields are typed; the
// free-form objects stay as decoded JSON (numbers are json.Number, so large
// integers keep every digit), but for Traits and Properties, kept packed
// as destinations store them and read a member at a time (Members, Get),
// and Context, kept packed and decoded a member at a time (Member), since
// destinations read little of it (its members stay in the message's
// order: Get, Member and Map answer as the decoded map, AppendJSON writes
// them in that order). Raw is the whole message, for paths; the context,
// traits and properties in it are those Objects when the message was
// decoded from JSON, maps when FromMap was given them.
type Message struct {
	Type        Type   `json:"-"`
	TypeName    string `json:"type"`
	UserID      string `json:"userId" validate:"max=1024"`
	AnonymousID string `json:"anonymousId" validate:"max=1024"`
	MessageID   string `json:"messageId" validate:"max=100"`
	Event       string `json:"event" validate:"max=1024"`
	Name        string `json:"name" validate:"max=1024"`
	GroupID     string `json:"groupId" validate:"max=1024"`
	PreviousID  string `json:"previousId" validate:"max=1024"`

	// Timestamp is the event time (G-8): timestamp, else receivedAt, else
	// the clock's now at decode. A zero time (0001-01-01T00:00:00Z, what a
	// Go client sends when it forgets the time) counts as absent.
	Timestamp time.Time `json:"-"`

	// Warnings are what the message got wrong without being refused (a
	// zero timestamp), for the answer and the request log.
	Warnings []string `json:"-"`

	Traits       Object         `json:"-"`
	Properties   Object         `json:"-"`
	Context      Object         `json:"-"`
	Integrations map[string]any `json:"-"`
	Raw          map[string]any `json:"-"`
}

// Error is a message that cannot be accepted; it names the field at fault.
type Error struct {
	Field  string // JSON path of the field, empty for the body as a whole
	Reason string
	// Partial is what could be read of a body that is a JSON object but
	// not a valid message: its type, userId, anonymousId, messageId and
	// event where they are strings, so that a refusal can be found in the
	// request log by them. Nil when the body is not a JSON object.
	Partial *Message
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// Decode parses and validates one message. now is the time used when the
// message carries neither timestamp nor receivedAt. It decodes the body
// exactly once.
func Decode(body []byte, now time.Time) (*Message, error) {
	if !utf8.Valid(body) {
		return nil, &Error{Reason: "body is not valid UTF-8"}
	}
	raw, err := parseMessage(body)
	var depthErr *Error
	if errors.As(err, &depthErr) {
		return nil, depthErr
	}
	if errors.Is(err, errMoreValues) {
		return nil, &Error{Reason: "body holds more than one JSON value"}
	}
	if err != nil {
		return nil, &Error{Reason: "body is not a JSON object: " + err.Error()}
	}
	if raw == nil {
		return nil, &Error{Reason: "body is not a JSON object"}
	}
	return FromMap(raw, now)
}

// FromMap builds and validates a message from an already decoded JSON object.
func FromMap(raw map[string]any, now time.Time) (*Message, error) {
	m, err := fromMap(raw, now)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Partial = m
		}
		return nil, err
	}
	return m, nil
}

// fromMap builds and validates a message; on an error it returns the
// message as far as it got, with every string field that is a string.
func fromMap(raw map[string]any, now time.Time) (*Message, error) {
	m := &Message{Raw: raw}
	var err, first error
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"type", &m.TypeName}, {"userId", &m.UserID}, {"anonymousId", &m.AnonymousID},
		{"messageId", &m.MessageID}, {"event", &m.Event}, {"name", &m.Name},
		{"groupId", &m.GroupID}, {"previousId", &m.PreviousID},
	} {
		if *f.dst, err = stringField(raw, f.name); err != nil && first == nil {
			first = err
		}
	}
	if t, ok := ParseType(m.TypeName); ok {
		m.TypeName = t.String()
	}
	if first != nil {
		return m, first
	}
	if m.Traits, err = packedField(raw, "traits"); err != nil {
		return m, err
	}
	if m.Properties, err = packedField(raw, "properties"); err != nil {
		return m, err
	}
	if m.Context, err = packedField(raw, "context"); err != nil {
		return m, err
	}
	if m.Integrations, err = objectField(raw, "integrations"); err != nil {
		return m, err
	}
	if m.TypeName != "" {
		t, ok := ParseType(m.TypeName)
		if !ok {
			return m, &Error{Field: "type", Reason: fmt.Sprintf("unknown call type %q (want identify, track, page, screen, group or alias)", m.TypeName)}
		}
		m.Type = t
	}
	if err := validate(m); err != nil {
		return m, err
	}
	if m.Timestamp, err = eventTime(m, raw, now); err != nil {
		return m, err
	}
	return m, nil
}

// eventTime applies G-8: timestamp, else receivedAt, else now. A zero time
// is a client's mistake, not an event in year 1: it is skipped with a
// warning.
func eventTime(m *Message, raw map[string]any, now time.Time) (time.Time, error) {
	for _, name := range []string{"timestamp", "receivedAt"} {
		v, ok := raw[name]
		if !ok || v == nil {
			continue
		}
		s, isString := v.(string)
		if !isString {
			return time.Time{}, &Error{Field: name, Reason: "must be an RFC 3339 time string"}
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, &Error{Field: name, Reason: fmt.Sprintf("%q is not an RFC 3339 time", s)}
		}
		if t.IsZero() {
			m.Warnings = append(m.Warnings, fmt.Sprintf("%s %q is the zero time (a client that forgot to set it?); the event time is taken from the next source", name, s))
			continue
		}
		return t.UTC(), nil
	}
	return now, nil
}

func stringField(raw map[string]any, name string) (string, error) {
	v, ok := raw[name]
	if !ok || v == nil {
		return "", nil
	}
	s, isString := v.(string)
	if !isString {
		return "", &Error{Field: name, Reason: "must be a string"}
	}
	return s, nil
}

func objectField(raw map[string]any, name string) (map[string]any, error) {
	v, ok := raw[name]
	if !ok || v == nil {
		return nil, nil
	}
	o, isObject := v.(map[string]any)
	if !isObject {
		return nil, &Error{Field: name, Reason: "must be an object"}
	}
	return o, nil
}

// packedField reads the context, traits or properties: an Object as Decode's
// parser packs it, or a map a caller of FromMap decoded.
func packedField(raw map[string]any, name string) (Object, error) {
	switch v := raw[name].(type) {
	case nil:
		return Object{}, nil
	case Object:
		return v, nil
	case map[string]any:
		return NewObject(v), nil
	}
	return Object{}, &Error{Field: name, Reason: "must be an object"}
}

// UserKey returns the userId, else the anonymousId: the identity most
// destinations look users up by.
func (m *Message) UserKey() string {
	if m.UserID != "" {
		return m.UserID
	}
	return m.AnonymousID
}

// ContextTraits returns context.traits, or nil.
func (m *Message) ContextTraits() map[string]any {
	v, _ := m.Context.Member("traits")
	t, _ := v.(map[string]any)
	return t
}

// Email returns the email from the message root, else traits.email, else
// context.traits.email (the order Startdeliver documents), without
// surrounding spaces, or "". A blank email is no email: "   " is passed
// over like a missing one.
func (m *Message) Email() string {
	if s, ok := email(Get(m.Raw, "email")); ok {
		return s
	}
	if s, ok := email(m.Traits.Get("email")); ok {
		return s
	}
	s, _ := email(Get(m.ContextTraits(), "email"))
	return s
}

// email is an email found (v, ok) without surrounding spaces, when it is a
// string that is not blank.
func email(v any, ok bool) (string, bool) {
	s, isString := v.(string)
	if s = strings.TrimSpace(s); !ok || !isString || s == "" {
		return "", false
	}
	return s, true
}

// Disabled reports whether the integrations object tells Segment not to
// deliver this message to a destination known by any of names (G-15): an
// explicit false for one of them, or "All": false with no explicit true (an
// object counts as true). The All key is read in any casing: the official
// Go library's DisableAll() sends "all".
func (m *Message) Disabled(names []string) bool {
	if m.Integrations == nil {
		return false
	}
	for _, n := range names {
		if v, ok := m.Integrations[n]; ok {
			return v == false
		}
	}
	if v, ok := m.Integrations["All"]; ok {
		return v == false
	}
	best, disabled := "", false
	for k, v := range m.Integrations {
		if strings.EqualFold(k, "all") && (best == "" || k < best) {
			best, disabled = k, v == false // the smallest key decides, whatever the map order
		}
	}
	return disabled
}
