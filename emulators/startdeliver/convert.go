package startdeliver

import (
	"strconv"
	"time"

	"github.com/destemu/destemu/segment"
)

// convert turns a value from a message (or a control-plane call) into the
// stored form of a field type (S2-10): text is a string, numbers in their
// canonical form; number is a json.Number with every digit kept, parsed
// from a numeric string when need be; boolean is a bool (true/false in any casing, 1/0); date is an
// RFC 3339 string in UTC. It reports false when the value does not convert:
// the caller then leaves the field unchanged.
func convert(t FieldType, v any) (any, bool) {
	switch t {
	case TypeText:
		if s, ok := segment.Text(v); ok {
			return s, true
		}
	case TypeNumber:
		if n, ok := segment.Decimal(v); ok {
			return n, true
		}
	case TypeBoolean:
		if b, ok := segment.Bool(v); ok {
			return b, true
		}
	case TypeDate:
		if tm, ok := segment.Time(v); ok {
			return tm.Format(time.RFC3339Nano), true
		}
	}
	return nil, false
}

// valueKey is the index key of a stored value: the same for every value
// that matches, whatever form it arrived in ("42" and 42 on a number field).
func valueKey(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return segment.FormatNumber(x)
	case bool:
		return strconv.FormatBool(x)
	}
	s, _ := segment.Text(v)
	return s
}

// describe writes a message value for the request log.
func describe(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	if s, ok := segment.Text(v); ok {
		return s
	}
	return "a JSON " + string(segment.KindOf(v))
}
