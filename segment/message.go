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
	"bytes"
	"encoding/json"
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
// integers keep every digit). Raw is the whole message, for paths.
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
	// the clock's now at decode.
	Timestamp time.Time `json:"-"`

	Traits       map[string]any `json:"-"`
	Properties   map[string]any `json:"-"`
	Context      map[string]any `json:"-"`
	Integrations map[string]any `json:"-"`
	Raw          map[string]any `json:"-"`
}

// Error is a message that cannot be accepted; it names the field at fault.
type Error struct {
	Field  string // JSON path of the field, empty for the body as a whole
	Reason string
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
	if err := checkDepth(body); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, &Error{Reason: "body is not a JSON object: " + jsonReason(err)}
	}
	if raw == nil {
		return nil, &Error{Reason: "body is not a JSON object"}
	}
	if dec.More() {
		return nil, &Error{Reason: "body holds more than one JSON value"}
	}
	if key, dup := duplicateKey(body); dup {
		return nil, &Error{Field: key, Reason: "is given twice at the top level of the message; JSON keys must be unique"}
	}
	return FromMap(raw, now)
}

// duplicateKey finds a key the body's top-level object gives twice: the
// decode into a map keeps the last silently, so {"type":"track",
// "type":"alias"} would apply an alias. body must be valid JSON (decoded
// already), so one pass over its bytes, skipping nested values, suffices;
// it allocates only for an escaped key or an object of many keys.
func duplicateKey(body []byte) (string, bool) {
	var small [32][]byte
	seen := small[:0]
	var many map[string]struct{}
	depth := 0
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			start := i
			for {
				j := bytes.IndexByte(body[i+1:], '"')
				if j < 0 {
					return "", false
				}
				i += 1 + j
				odd := false // whether an odd run of backslashes escapes this quote
				for k := i - 1; body[k] == '\\'; k-- {
					odd = !odd
				}
				if !odd {
					break
				}
			}
			if depth != 1 || !followedByColon(body, i+1) {
				continue
			}
			key := body[start+1 : i]
			if bytes.IndexByte(key, '\\') >= 0 { // compare what the escapes spell
				var k string
				_ = json.Unmarshal(body[start:i+1], &k)
				key = []byte(k)
			}
			if many == nil && len(seen) < len(small) {
				for _, k := range seen {
					if bytes.Equal(k, key) {
						return string(key), true
					}
				}
				seen = append(seen, key)
				continue
			}
			if many == nil {
				many = make(map[string]struct{}, 2*len(small))
				for _, k := range seen {
					many[string(k)] = struct{}{}
				}
			}
			if _, dup := many[string(key)]; dup {
				return string(key), true
			}
			many[string(key)] = struct{}{}
		}
	}
	return "", false
}

// followedByColon reports whether the next byte other than JSON white space
// is ':', which makes the string before it an object key.
func followedByColon(b []byte, i int) bool {
	for ; i < len(b); i++ {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
		case ':':
			return true
		default:
			return false
		}
	}
	return false
}

// FromMap builds and validates a message from an already decoded JSON object.
func FromMap(raw map[string]any, now time.Time) (*Message, error) {
	m := &Message{Raw: raw}
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"type", &m.TypeName}, {"userId", &m.UserID}, {"anonymousId", &m.AnonymousID},
		{"messageId", &m.MessageID}, {"event", &m.Event}, {"name", &m.Name},
		{"groupId", &m.GroupID}, {"previousId", &m.PreviousID},
	} {
		if *f.dst, err = stringField(raw, f.name); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		name string
		dst  *map[string]any
	}{
		{"traits", &m.Traits}, {"properties", &m.Properties},
		{"context", &m.Context}, {"integrations", &m.Integrations},
	} {
		if *f.dst, err = objectField(raw, f.name); err != nil {
			return nil, err
		}
	}
	if m.TypeName != "" {
		t, ok := ParseType(m.TypeName)
		if !ok {
			return nil, &Error{Field: "type", Reason: fmt.Sprintf("unknown call type %q (want identify, track, page, screen, group or alias)", m.TypeName)}
		}
		m.Type = t
		m.TypeName = t.String()
	}
	if err := validate(m); err != nil {
		return nil, err
	}
	if m.Timestamp, err = eventTime(raw, now); err != nil {
		return nil, err
	}
	return m, nil
}

// eventTime applies G-8: timestamp, else receivedAt, else now.
func eventTime(raw map[string]any, now time.Time) (time.Time, error) {
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

func jsonReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case asError(err, &se):
		return fmt.Sprintf("%s at byte %d", se.Error(), se.Offset)
	case asError(err, &te):
		return "found a JSON " + te.Value
	}
	return err.Error()
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
	t, _ := m.Context["traits"].(map[string]any)
	return t
}

// Email returns the email from the message root, else traits.email, else
// context.traits.email (the order Startdeliver documents), or "".
func (m *Message) Email() string {
	for _, obj := range []map[string]any{m.Raw, m.Traits, m.ContextTraits()} {
		if v, ok := Get(obj, "email"); ok {
			if s, ok := v.(string); ok && s != "" {
				return s
			}
		}
	}
	return ""
}

// Disabled reports whether the integrations object tells Segment not to
// deliver this message to a destination known by any of names (G-15): an
// explicit false for one of them, or "All": false with no explicit true (an
// object counts as true).
func (m *Message) Disabled(names []string) bool {
	if m.Integrations == nil {
		return false
	}
	for _, n := range names {
		if v, ok := m.Integrations[n]; ok {
			return v == false
		}
	}
	// analytics-go's DisableAll sends "all": the All key in any casing.
	for k, v := range m.Integrations {
		if strings.EqualFold(k, "All") {
			return v == false
		}
	}
	return false
}
