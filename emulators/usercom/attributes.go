package usercom

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
	"github.com/destemu/destemu/wire"
)

// ContentType says what an attribute definition describes: a user (User.com's
// "Client attributes"), a company ("Company attributes") or an event
// property ("Event attributes").
type ContentType string

// The three content types of attribute definitions.
const (
	ContentUser    ContentType = "user"
	ContentCompany ContentType = "company"
	ContentEvent   ContentType = "event"

	contentTypes = 3
)

func (ct ContentType) index() int {
	switch ct {
	case ContentCompany:
		return 1
	case ContentEvent:
		return 2
	}
	return 0
}

func parseContentType(s string) (ContentType, error) {
	return parseEnum("content_type", s, ContentUser, ContentCompany, ContentEvent)
}

// parseEnum reads one of a few lower-case words, in any casing, or returns
// a 400 that names the field and the words it takes.
func parseEnum[T ~string](field, s string, allowed ...T) (T, error) {
	v := T(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(allowed, v) {
		return v, nil
	}
	words := make([]string, len(allowed))
	for i, a := range allowed {
		words[i] = string(a)
	}
	return "", emulators.BadRequest("%s %q is not one of %s", field, s, strings.Join(words, ", "))
}

// AttributeType is the type of an attribute definition; values are
// converted to it (UC-9).
type AttributeType string

// The attribute types User.com offers.
const (
	TypeString   AttributeType = "string"
	TypeNumber   AttributeType = "number"
	TypeBoolean  AttributeType = "boolean"
	TypeDate     AttributeType = "date"
	TypeDatetime AttributeType = "datetime"
)

func parseAttributeType(s string) (AttributeType, error) {
	return parseEnum("type", s, TypeString, TypeNumber, TypeBoolean, TypeDate, TypeDatetime)
}

// Origin says how an attribute definition came to be.
type Origin string

// Origins of attribute definitions.
const (
	// OriginDefined: set up by the app admin (config or control plane).
	OriginDefined Origin = "defined"
	// OriginAuto: created with type string on first sight of an unknown
	// trait or property (UC-8).
	OriginAuto Origin = "auto"
)

// AttributeSpec is what creates an attribute definition.
type AttributeSpec = wire.UsercomAttributeSpec

// Attribute is an attribute definition of an app.
type Attribute struct {
	ContentType ContentType   `json:"content_type"`
	Name        string        `json:"name"`
	Type        AttributeType `json:"type"`
	Origin      Origin        `json:"origin"`
	CreatedAt   time.Time     `json:"created_at,omitzero"`
}

// key is how a trait or property name finds its definition: (decision) the
// G-9 folding applies to custom attributes too, so customInteger and
// custom_integer name the same attribute.
func (a *Attribute) key() string { return segment.NormalizeKey(a.Name) }

// defineAttribute adds a definition after checking it; a second definition
// of a name (in any casing) for the same content type is a 409.
func (st *State) defineAttribute(spec AttributeSpec, origin Origin, now time.Time) (*Attribute, error) {
	ct, err := parseContentType(spec.ContentType)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(spec.Name)
	if name == "" || segment.NormalizeKey(name) == "" {
		return nil, emulators.BadRequest("name is required")
	}
	t, err := parseAttributeType(spec.Type)
	if err != nil {
		return nil, err
	}
	if old := st.attrs[ct.index()][segment.NormalizeKey(name)]; old != nil {
		return nil, emulators.Conflict("%s attribute %q is already defined (as %q, type %s)", ct, name, old.Name, old.Type)
	}
	a := &Attribute{ContentType: ct, Name: name, Type: t, Origin: origin, CreatedAt: now}
	st.Attributes = append(st.Attributes, a)
	st.attrs[ct.index()][a.key()] = a
	return a, nil
}

// setAttribute stores one custom trait or property into dst following UC-8
// and UC-9: an unknown name is defined as a string; a defined one is
// converted to its type, and a value that does not convert is ignored with
// a warning. what names the source in the log ("trait", "property"). It
// returns the definition's name and whether the value was stored. key is
// the name folded (segment.NormalizeKey). The value is read as it is
// packed: an object or array becomes its JSON text without being decoded.
func (st *State) setAttribute(r *emulators.Request, ct ContentType, what, name, key string, pv segment.Value, dst map[string]any) (string, bool) {
	var v any
	switch pv.Kind() {
	case segment.KindNull:
		r.Warn("%s %q is null; %s attribute left unchanged", what, name, ct)
		return "", false
	case segment.KindObject, segment.KindArray:
		// UC-8: "Other custom fields present in traits are added as custom
		// attributes", of type string: an object or array is its compact
		// JSON text.
		st.jsonBuf = pv.AppendJSON(st.jsonBuf[:0])
		v = compactJSON(st.jsonBuf)
	default:
		v = pv.Decode()
	}
	a := st.attrs[ct.index()][key]
	if a == nil {
		if key == "" {
			r.Warn("%s %q has no usable name; ignored", what, name)
			return "", false
		}
		a = &Attribute{ContentType: ct, Name: name, Type: TypeString, Origin: OriginAuto, CreatedAt: r.Now}
		st.Attributes = append(st.Attributes, a)
		st.attrs[ct.index()][key] = a
		r.Did("defined %s attribute %q as string (first sight)", ct, name)
	}
	val, ok := convert(a.Type, v)
	if !ok {
		r.Warn("%s %q: %s cannot be converted to %s (the type of %s attribute %q); ignored",
			what, name, describe(v), a.Type, ct, a.Name)
		return "", false
	}
	dst[a.Name] = val
	return a.Name, true
}

// convert turns a scalar into the stored form of an attribute type: string
// as text (999 → "999"), number as a json.Number with every digit ("123" →
// 123), boolean from
// true/false/1/0, date as 2006-01-02 and datetime as RFC 3339 in UTC.
func convert(t AttributeType, v any) (any, bool) {
	switch t {
	case TypeString:
		return segment.Text(v)
	case TypeNumber:
		if _, isBool := v.(bool); isBool {
			return nil, false // (decision) true is not the number 1
		}
		return segment.Decimal(v)
	case TypeBoolean:
		return segment.Bool(v)
	case TypeDate:
		if tm, ok := segment.Time(v); ok {
			return tm.Format(time.DateOnly), true
		}
	case TypeDatetime:
		if tm, ok := segment.Time(v); ok {
			return tm.Format(time.RFC3339Nano), true
		}
	}
	return nil, false
}

// compactJSON is the text of an object or array from the JSON b that
// segment.AppendJSON (or Value.AppendJSON) writes of it: compact, keys
// sorted, numbers as they were sent, with its escapes of <, > and & (for
// HTML's sake) undone, so that they are as they are.
func compactJSON(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b) // no escapes to undo
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			out = append(out, b[i])
			continue
		}
		// Every backslash starts an escape: a pair, or \uXXXX.
		if i+5 < len(b) && b[i+1] == 'u' {
			if c, ok := htmlEscaped(b[i+2 : i+6]); ok {
				out = append(out, c)
				i += 5
				continue
			}
		}
		out = append(out, b[i], b[i+1])
		i++
	}
	return string(out)
}

// htmlEscaped reads the four hex digits of an escape json.Marshal writes
// for HTML's sake.
func htmlEscaped(hex []byte) (byte, bool) {
	switch string(hex) {
	case "003c":
		return '<', true
	case "003e":
		return '>', true
	case "0026":
		return '&', true
	}
	return 0, false
}

// describe shows a value in a log line: strings quoted, others as JSON text.
func describe(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	if s, ok := segment.Text(v); ok {
		return s
	}
	return string(segment.KindOf(v))
}
