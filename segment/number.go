package segment

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// The number path. A JSON number stays a json.Number (its literal, every
// digit) from the decode of a message or a snapshot to the state and back
// out as JSON; it is turned into text or a canonical number by reading its
// digits, never through float64. Only a target that is a float (Number)
// goes through float64. 9007199254740993 therefore stays
// 9007199254740993, where float64 would make it ...992.

// Decimal returns v as a JSON number in canonical form (Text's form),
// keeping every digit: a json.Number, a Go number, or a string holding a
// decimal number (surrounding spaces and a leading '+' allowed; no hex,
// no NaN or Infinity).
func Decimal(v any) (json.Number, bool) {
	switch x := v.(type) {
	case json.Number:
		s, ok := decimalText(string(x))
		return json.Number(s), ok
	case string:
		s, ok := decimalText(strings.TrimSpace(x))
		return json.Number(s), ok
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", false
		}
		return json.Number(formatFloat(x)), true
	case int:
		return json.Number(strconv.Itoa(x)), true
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), true
	}
	return "", false
}

// decimalText writes a decimal literal in canonical form. A plain integer
// literal (the common case) is returned as it is, without allocating.
func decimalText(s string) (string, bool) {
	if plainInteger(s) {
		return s, true
	}
	neg, digits, point, ok := parseDecimal(s)
	if !ok {
		return "", false
	}
	return layoutDecimal(neg, digits, point), true
}

// plainInteger reports whether s is already canonical: an optional '-' and
// digits without a leading zero, not -0, and not so many trailing zeros
// that layoutDecimal would use an exponent.
func plainInteger(s string) bool {
	d := strings.TrimPrefix(s, "-")
	if d == "" || (d[0] == '0' && (len(d) > 1 || len(s) > 1)) || (len(d) > 21 && d[len(d)-1] == '0') {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// parseDecimal reads [+-]digits[.digits][(e|E)[+-]digits] (at least one
// digit before the exponent) as the significant digits, without leading
// or trailing zeros, and the position of the decimal point relative to
// them: value = 0.digits × 10^point. Zero has no digits.
func parseDecimal(s string) (neg bool, digits []byte, point int, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	seen, dot := 0, false
scan:
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			seen++
			if c == '0' && len(digits) == 0 {
				if dot {
					point--
				}
				continue
			}
			digits = append(digits, c)
			if !dot {
				point++
			}
		case c == '.' && !dot:
			dot = true
		default:
			break scan
		}
	}
	if seen == 0 {
		return false, nil, 0, false
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' || i+1 == len(s) {
			return false, nil, 0, false
		}
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 1e9 || e < -1e9 {
			return false, nil, 0, false
		}
		point += e
	}
	digits = bytes.TrimRight(digits, "0")
	if len(digits) == 0 {
		return false, nil, 0, true // zero, whatever its sign
	}
	return neg, digits, point, true
}

// layoutDecimal writes 0.digits × 10^point as JavaScript's Number#toString
// lays out a number (the vendors' side is JavaScript): plain decimals from
// 1e-6 up to 1e21, an exponent outside that range, except that a number
// whose digits all stand before the point's zeros (more than 21 of them)
// is written in full too: 12345678901234567890123 stays as it is.
func layoutDecimal(neg bool, digits []byte, point int) string {
	if len(digits) == 0 {
		return "0"
	}
	var b strings.Builder
	b.Grow(len(digits) + 8)
	if neg {
		b.WriteByte('-')
	}
	k := len(digits)
	switch {
	case k <= point && (point <= 21 || point == k):
		b.Write(digits)
		for range point - k {
			b.WriteByte('0')
		}
	case 0 < point && (point <= 21 || point < k):
		b.Write(digits[:point])
		b.WriteByte('.')
		b.Write(digits[point:])
	case -6 < point && point <= 0:
		b.WriteString("0.")
		for range -point {
			b.WriteByte('0')
		}
		b.Write(digits)
	default:
		b.WriteByte(digits[0])
		if k > 1 {
			b.WriteByte('.')
			b.Write(digits[1:])
		}
		b.WriteByte('e')
		if point-1 >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(point - 1))
	}
	return b.String()
}

// formatFloat writes f with the shortest digits that read back as f, laid
// out as layoutDecimal does.
func formatFloat(f float64) string {
	if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], math.Abs(f), 'e', -1, 64) // d.ddde±x
	mant, exp, _ := bytes.Cut(e, []byte("e"))
	x, _ := strconv.Atoi(string(exp))
	digits := append([]byte{mant[0]}, bytes.TrimPrefix(mant[1:], []byte("."))...)
	return layoutDecimal(f < 0, bytes.TrimRight(digits, "0"), x+1)
}

// UnmarshalNumbers decodes JSON into v with every number that lands in an
// interface kept as a json.Number: how a snapshot's free-form values keep
// their digits.
func UnmarshalNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return &Error{Reason: "more than one JSON value"}
	}
	return nil
}
