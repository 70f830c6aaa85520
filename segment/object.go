package segment

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"iter"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Object is a JSON object kept in a compact binary form: how a destination
// stores a message's free-form objects (an event's properties, a user's
// attributes). Kept as a map, a stored object costs an allocation per
// member and a tree of pointers the garbage collector traces on every
// cycle; kept as bytes it costs its size and one pointer, and it is
// decoded only when it is read. The form (packed.go) holds each member's
// key as a small id in a process-wide table of keys (keys.go), since the
// same keys repeat in every event, and each value without JSON's syntax:
// strings as their UTF-8, numbers as their literal (every digit kept),
// arrays and objects nested. Members are in sorted order, as encoding/json
// writes a map, so an Object answers exactly as the map it was made from
// and writes the JSON json.Marshal writes of it.
//
// The zero Object is the empty object. Objects are immutable: make a new one
// to change one.
type Object struct {
	raw []byte // the top-level object's packed members; nil for {}
}

// NewObject packs a decoded JSON object (nil gives the empty object). Its
// values are kept as AppendJSON writes them: a value that is not decoded
// JSON (a float64, a struct) as json.Marshal writes it.
func NewObject(m map[string]any) Object {
	if len(m) == 0 {
		return Object{}
	}
	p := getPacker()
	if err := p.members(m); err != nil {
		// Only values that are not decoded JSON fail (a channel, say): a
		// programming error, never input.
		panic("segment: NewObject: " + err.Error())
	}
	return Object{raw: p.packed()}
}

// Map decodes the object; the map is the caller's to change.
func (o Object) Map() map[string]any {
	u := unpacker{names: keys.snapshot()}
	m, _ := u.members(o.raw)
	return m
}

// All yields the members in order of their keys, as sorting the decoded
// map's keys gives them, each value decoded as Map decodes it, without
// building the map. (A message's Context keeps the message's order.)
func (o Object) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		u := unpacker{names: keys.snapshot()}
		for b := o.raw; ; {
			id, inline, rest := readKey(b)
			if id == noKey {
				return
			}
			var v any
			v, b = u.value(rest)
			if !yield(keyText(u.names, id, inline), v) {
				return
			}
		}
	}
}

// Get looks a member up as Get does on the decoded map (G-9): the member
// of that name, else the least key that folds to it; it decodes only the
// member it finds.
func (o Object) Get(name string) (any, bool) { return o.find(name, true) }

// GetString is Get for a value that must be a non-empty string, as
// GetString is for a decoded object.
func (o Object) GetString(name string) (string, bool) {
	v, _ := o.Get(name)
	s, ok := v.(string)
	return s, ok && s != ""
}

// Member is the member of exactly that name, as indexing the decoded map
// gives it; it decodes only that member.
func (o Object) Member(name string) (any, bool) { return o.find(name, false) }

// find looks a member up by its name, else (when fold is set) by the
// least key that folds to it.
func (o Object) find(name string, fold bool) (any, bool) {
	names := keys.snapshot()
	at := o.locate(names, name, fold)
	if at == nil {
		return nil, false
	}
	u := unpacker{names: names}
	v, _ := u.value(at)
	return v, true
}

// Nested is the member of exactly that name when it is an object, as an
// Object sharing o's bytes: a member of it can be read without decoding
// the rest (a message's context.page.url).
func (o Object) Nested(name string) (Object, bool) {
	at := o.locate(keys.snapshot(), name, false)
	if at == nil {
		return Object{}, false
	}
	tag, members := readTag(at)
	if tag&kindMask != tagObject {
		return Object{}, false
	}
	end := len(members) - len(skipValue(at)) - 1 // without its keyEnd, one byte
	if end == 0 {
		return Object{}, true
	}
	return Object{raw: members[:end:end]}, true
}

// locate returns where the value of the member found starts (see find),
// nil when there is none.
func (o Object) locate(names []keyName, name string, fold bool) []byte {
	var at []byte
	exact, folded := false, ""
	for b := o.raw; ; {
		id, inline, rest := readKey(b)
		if id == noKey {
			break
		}
		// Of a key given twice (two that held invalid UTF-8 decode the
		// same), the last one is what the decoded map holds.
		switch k := keyText(names, id, inline); {
		case k == name:
			at, exact = rest, true
		case fold && !exact && KeysEqual(k, name) && (at == nil || k <= folded):
			at, folded = rest, k
		}
		b = skipValue(rest)
	}
	return at
}

// Empty reports whether the object has no members.
func (o Object) Empty() bool { return len(o.raw) == 0 }

// MarshalJSON writes the object as json.Marshal writes the map it holds.
func (o Object) MarshalJSON() ([]byte, error) {
	p := getPacker() // for its buffer
	p.b, _ = o.AppendJSON(p.b)
	return p.packed(), nil
}

// AppendJSON appends the object's JSON, as MarshalJSON writes it.
func (o Object) AppendJSON(b []byte) ([]byte, error) {
	b, _ = appendMembersJSON(b, keys.snapshot(), o.raw)
	return b, nil
}

// UnmarshalJSON reads an object (or null, the empty object), keeping every
// digit of its numbers. It packs the JSON text as it reads it, without
// decoding it into maps: loading a state file reads a million of them.
func (o *Object) UnmarshalJSON(data []byte) error {
	if !utf8.Valid(data) {
		return &Error{Reason: "object is not valid UTF-8"}
	}
	j := jsonPacker{packer: getPacker(), data: data}
	ok := j.top()
	if raw := j.packed(); ok {
		*o = Object{raw: raw}
		return nil
	}
	// The packer says nothing of what it refuses: the parser says why.
	m, err := parseObject(data)
	if err != nil {
		return &Error{Reason: "not a JSON object: " + err.Error()}
	}
	*o = NewObject(m) // unreachable: the packer refuses only what does not parse
	return nil
}

// AppendJSON appends the JSON encoding of a decoded value (map[string]any,
// []any, string, json.Number, bool, nil; also int, int64, uint64, []string
// and Object), exactly as json.Marshal writes it
// (members sorted, HTML characters escaped), without reflection. Other
// values go through json.Marshal.
func AppendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case bool:
		if x {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case []string:
		return AppendStrings(b, x), nil
	case json.Number:
		if x == "" {
			return append(b, '0'), nil
		}
		if isNumberLiteral(string(x)) {
			return append(b, x...), nil
		}
	case map[string]any:
		return appendMap(b, x)
	case Object:
		return x.AppendJSON(b)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = AppendJSON(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	out, err := json.Marshal(v)
	return append(b, out...), err
}

func appendMap(b []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	var stack [16]string
	keys := stack[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = AppendJSON(b, m[k]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// isNumberLiteral reports whether s is a JSON number.
func isNumberLiteral(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	end, bad := numberEnd(s, 0)
	return bad == "" && end == len(s)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as encoding/json does with HTML escaping: <, > and
// & as \u003c, \u003e, \u0026, U+2028 and U+2029 escaped, invalid UTF-8 as
// U+FFFD.
func appendString(b []byte, s string) []byte { return AppendString(b, s) }

// AppendStrings appends a list of strings as json.Marshal writes it (null
// for nil): AppendJSON's, for a caller that has a []string and would
// allocate to pass it as an any.
func AppendStrings(b []byte, list []string) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, e := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, e)
	}
	return append(b, ']')
}

// AppendString appends s as a JSON string, as json.Marshal writes it.
func AppendString(b []byte, s string) []byte { return appendQuoted(b, s) }

// plainASCII marks the ASCII characters AppendString writes as they are.
var plainASCII = func() (plain [utf8.RuneSelf]bool) {
	for c := byte(0x20); c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return plain
}()

// appendQuoted is AppendString of a string or its bytes.
func appendQuoted[T string | []byte](b []byte, s T) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plainASCII[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Equal reports whether two objects hold the same members: the same
// decoded map, each number written with the same digits.
func (o Object) Equal(p Object) bool { return bytes.Equal(o.raw, p.raw) }

// AppendBinary appends the object's stored form to b, its length first:
// how a record that keeps its fields in one byte slice holds an object.
// ReadObject reads it back. The form holds ids of the process's key table:
// it is for records kept in memory, never to be written out (a snapshot
// writes the object's JSON).
func (o Object) AppendBinary(b []byte) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(o.raw)))
	return append(b, o.raw...), nil
}

// ReadObject reads an object AppendBinary wrote at the start of b, in this
// process, and returns it with the rest of b. The object shares b's
// memory, which must not change after.
func ReadObject(b []byte) (Object, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return Object{}, b, &Error{Reason: "truncated object record"}
	}
	end := k + int(n)
	if n == 0 {
		return Object{}, b[end:], nil
	}
	return Object{raw: b[k:end:end]}, b[end:], nil
}

// Members yields the members in order of their keys, as All does, but each
// value as the object holds it: a destination reads what it needs of it
// (its kind, its text, a nested member) and writes the JSON of an object or
// array without decoding it into maps first.
func (o Object) Members() iter.Seq2[string, Value] {
	return func(yield func(string, Value) bool) {
		names := keys.snapshot()
		for b := o.raw; ; {
			id, inline, rest := readKey(b)
			if id == noKey {
				return
			}
			b = skipValue(rest)
			v := Value{raw: rest[:len(rest)-len(b)], names: names}
			if !yield(keyText(names, id, inline), v) {
				return
			}
		}
	}
}

// Value is a member of an Object as Members yields it, still packed; it
// shares the object's bytes. The zero Value is JSON null.
type Value struct {
	raw   []byte // the value's bytes, its tag first
	names []keyName
}

// Kind is the value's JSON kind.
func (v Value) Kind() Kind {
	if len(v.raw) == 0 {
		return KindNull
	}
	switch v.raw[0] & kindMask {
	case tagFalse, tagTrue:
		return KindBool
	case tagString:
		return KindString
	case tagNumber:
		return KindNumber
	case tagArray:
		return KindArray
	case tagObject:
		return KindObject
	}
	return KindNull
}

// Decode decodes the value as All and Map decode it.
func (v Value) Decode() any {
	if len(v.raw) == 0 {
		return nil
	}
	u := unpacker{names: v.names}
	d, _ := u.value(v.raw)
	return d
}

// Object is the value when it is an object, sharing its bytes.
func (v Value) Object() (Object, bool) {
	if len(v.raw) == 0 || v.raw[0]&kindMask != tagObject {
		return Object{}, false
	}
	end := len(v.raw) - 1 // without its keyEnd, one byte
	if end == 1 {
		return Object{}, true
	}
	return Object{raw: v.raw[1:end:end]}, true
}

// AppendJSON appends the value's JSON, as AppendJSON writes what Decode
// gives.
func (v Value) AppendJSON(b []byte) []byte {
	if len(v.raw) == 0 {
		return append(b, "null"...)
	}
	b, _ = appendValueJSON(b, v.names, v.raw)
	return b
}

// Text is the value's text when it is a string, as Decode gives it.
func (v Value) Text() (string, bool) {
	if len(v.raw) == 0 || v.raw[0]&kindMask != tagString {
		return "", false
	}
	text, _ := readText(v.raw[0], v.raw[1:])
	return decodedText(text), true
}
