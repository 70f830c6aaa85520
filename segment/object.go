package segment

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Object is a JSON object kept as its compact encoding: how a destination
// stores a message's free-form objects (an event's properties). Kept as a
// map, a stored object costs an allocation per member and a tree of
// pointers the garbage collector traces on every cycle; kept as bytes it
// costs its size and one pointer, and it is decoded only when it is read.
// Members are in sorted order, as encoding/json writes a map, so an Object
// answers exactly as the map it was made from. Numbers keep every digit.
//
// The zero Object is the empty object. Objects are immutable: make a new one
// to change one.
type Object struct {
	raw []byte // compact JSON of an object; nil for {}
}

// NewObject encodes a decoded JSON object (nil gives the empty object).
func NewObject(m map[string]any) Object {
	if len(m) == 0 {
		return Object{}
	}
	// Encoded in a reused buffer and kept at its exact size: growing a
	// fresh slice cost several copies, and the slack stayed with the
	// stored object.
	bp := scratch.Get().(*[]byte)
	b, err := AppendJSON((*bp)[:0], m)
	if err != nil {
		// Only values that are not decoded JSON fail (a channel, say): a
		// programming error, never input.
		panic("segment: NewObject: " + err.Error())
	}
	raw := bytes.Clone(b)
	if cap(b) <= maxScratch {
		*bp = b
		scratch.Put(bp)
	}
	return Object{raw: raw}
}

// scratch holds encoding buffers for NewObject; one that grew past
// maxScratch is left to the collector.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxScratch = 64 << 10

// Map decodes the object; the map is the caller's to change.
func (o Object) Map() map[string]any {
	if len(o.raw) == 0 {
		return map[string]any{}
	}
	m, err := parseObject(o.raw)
	if err != nil || m == nil {
		panic("segment: Object holds invalid JSON: " + string(o.raw)) // unreachable: every constructor encodes
	}
	return m
}

// Get looks a member up as Get does on the decoded map (G-9).
func (o Object) Get(name string) (any, bool) {
	if len(o.raw) == 0 {
		return nil, false
	}
	return Get(o.Map(), name)
}

// Len is the object's encoded size in bytes (2 for {}).
func (o Object) Len() int { return max(len(o.raw), 2) }

// MarshalJSON writes the object.
func (o Object) MarshalJSON() ([]byte, error) {
	if len(o.raw) == 0 {
		return []byte("{}"), nil
	}
	return o.raw, nil
}

// UnmarshalJSON reads an object (or null, the empty object), keeping every
// digit of its numbers.
func (o *Object) UnmarshalJSON(data []byte) error {
	if canonical(data) { // as NewObject writes it (valid UTF-8 included): keep the bytes
		if len(data) == 2 {
			*o = Object{}
		} else {
			*o = Object{raw: bytes.Clone(data)}
		}
		return nil
	}
	if !utf8.Valid(data) {
		return &Error{Reason: "object is not valid UTF-8"}
	}
	m, err := parseObject(data)
	if err != nil {
		return &Error{Reason: "not a JSON object: " + err.Error()}
	}
	*o = NewObject(m)
	return nil
}

// AppendJSON appends the JSON encoding of a decoded value (map[string]any,
// []any, string, json.Number, bool, nil; also int, int64, uint64 and
// []string), exactly as json.Marshal writes it
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
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e)
		}
		return append(b, ']'), nil
	case json.Number:
		if x == "" {
			return append(b, '0'), nil
		}
		if isNumberLiteral(string(x)) {
			return append(b, x...), nil
		}
	case map[string]any:
		return appendMap(b, x)
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

// Equal reports whether two objects hold the same members.
func (o Object) Equal(p Object) bool { return bytes.Equal(o.raw, p.raw) }

// AppendBinary appends the object's stored form to b, its length first:
// how a record that keeps its fields in one byte slice holds an object.
// ReadObject reads it back.
func (o Object) AppendBinary(b []byte) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(o.raw)))
	return append(b, o.raw...), nil
}

// ReadObject reads an object AppendBinary wrote at the start of b and
// returns it with the rest of b. The object shares b's memory, which must
// not change after.
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
