package segment

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// NormalizeKey folds a trait or property name to the form used for
// case-insensitive matching (G-9): lower case, without '_', '-', ' ' and '.'.
// firstName, first_name, FirstName and "First Name" all fold to "firstname".
func NormalizeKey(name string) string {
	if normalized(name) {
		return name // most keys are already folded: no copy
	}
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || c == '-' || c == ' ' || c == '.':
			continue
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// normalized reports whether NormalizeKey would give name back unchanged.
func normalized(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; isKeySeparator(c) || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// Get looks a trait or property up by name in any casing (G-9): an exact key
// first, else the first key that folds to the same NormalizeKey. Keys are
// tried in sorted order so the answer does not depend on map order. It
// does not allocate.
func Get(obj map[string]any, name string) (any, bool) {
	if obj == nil {
		return nil, false
	}
	if v, ok := obj[name]; ok {
		return v, true
	}
	found, best := false, ""
	for k := range obj {
		if KeysEqual(k, name) && (!found || k < best) {
			found, best = true, k
		}
	}
	if !found {
		return nil, false
	}
	return obj[best], true
}

// KeysEqual reports whether two trait names fold to the same NormalizeKey,
// without building either.
func KeysEqual(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && isKeySeparator(a[i]) {
			i++
		}
		for j < len(b) && isKeySeparator(b[j]) {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if lowerASCII(a[i]) != lowerASCII(b[j]) {
			return false
		}
		i++
		j++
	}
}

func isKeySeparator(c byte) bool { return c == '_' || c == '-' || c == ' ' || c == '.' }

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// GetString is Get for a value that must be a non-empty string.
func GetString(obj map[string]any, name string) (string, bool) {
	v, ok := Get(obj, name)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok && s != ""
}

// Kind names the JSON type of a decoded value.
type Kind string

// JSON kinds of decoded values.
const (
	KindNull   Kind = "null"
	KindString Kind = "string"
	KindNumber Kind = "number"
	KindBool   Kind = "boolean"
	KindObject Kind = "object"
	KindArray  Kind = "array"
)

// KindOf reports the JSON kind of a decoded value.
func KindOf(v any) Kind {
	switch v.(type) {
	case nil:
		return KindNull
	case string:
		return KindString
	case json.Number, float64, float32, int, int64, int32, uint, uint64:
		return KindNumber
	case bool:
		return KindBool
	case map[string]any:
		return KindObject
	case []any:
		return KindArray
	}
	return KindNull
}

// Text converts a scalar to text: strings as they are, numbers in their
// canonical form with every digit kept (2.50 → "2.5", 1e3 → "1000",
// 9007199254740993 stays), booleans as true/false. Objects, arrays and null
// do not convert.
func Text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		if s, ok := decimalText(string(x)); ok {
			return s, true
		}
		return x.String(), true
	case float64:
		return FormatNumber(x), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

// FormatNumber writes f in its shortest exact decimal form, laid out as
// JavaScript writes numbers: without an exponent from 1e-6 up to 1e21.
func FormatNumber(f float64) string { return formatFloat(f) }

// Number converts a number, or a string holding a finite decimal number
// (surrounding spaces allowed), to a float64.
func Number(v any) (float64, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// Bool converts a boolean, or the strings true/false (any casing), or the
// numbers 1/0, to a bool.
func Bool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	case json.Number, float64, int, int64:
		if d, ok := Decimal(x); ok && (d == "0" || d == "1") {
			return d == "1", true
		}
	}
	return false, false
}

// Time converts an RFC 3339 string, or a date (2006-01-02), to a UTC time.
func Time(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// Plain copies a decoded value for storage and JSON output, recursively
// through objects and arrays. Numbers stay json.Number, so a stored value
// keeps every digit of the number that was sent and writes it back as sent.
func Plain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Plain(e)
		}
		return out
	}
	return v
}
