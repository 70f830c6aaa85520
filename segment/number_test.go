package segment

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"testing"
)

// TestNumberPath pins the one number path (UC-8, S2-4, S2-10, PR-3): text
// and canonical numbers come from a literal's digits, never from float64.
func TestNumberPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   any
		want string // "" when it is not a number
	}{
		{json.Number("9007199254740993"), "9007199254740993"},
		{json.Number("1234567890123456789"), "1234567890123456789"},
		{json.Number("-12345678901234567890123"), "-12345678901234567890123"},
		{json.Number("2.50"), "2.5"},
		{json.Number("1e3"), "1000"},
		{json.Number("1E+3"), "1000"},
		{json.Number("1.5e-3"), "0.0015"},
		{json.Number("0.000001"), "0.000001"},
		{json.Number("1e-7"), "1e-7"},
		{json.Number("1e21"), "1e+21"},
		{json.Number("123456789012345678901"), "123456789012345678901"},
		{json.Number("12345678901234567890123"), "12345678901234567890123"},
		{json.Number("12345678901234567890123.0"), "12345678901234567890123"},
		{json.Number("12345678901234567890123.5"), "12345678901234567890123.5"},
		{json.Number("12345678901234567890120"), "1.234567890123456789012e+22"},
		{json.Number("1.234567890123456789012e+22"), "1.234567890123456789012e+22"},
		{json.Number("1000000000000000000000000"), "1e+24"},
		{json.Number("9007199254740993.25"), "9007199254740993.25"},
		{json.Number("-0"), "0"},
		{json.Number("0.0"), "0"},
		{json.Number("0"), "0"},
		{"  +007.10 ", "7.1"},
		{"9007199254740993", "9007199254740993"},
		{".5", "0.5"},
		{"5.", "5"},
		{1234567.5, "1234567.5"},
		{1e-7, "1e-7"},
		{0.1, "0.1"},
		{int64(-42), "-42"},
		{"0x10", ""}, {"NaN", ""}, {"Infinity", ""}, {"1e", ""}, {"-", ""}, {".", ""},
		{"1e+-3", ""}, {"1..2", ""}, {"1_000", ""}, {"", ""}, {true, ""}, {nil, ""},
	} {
		got, ok := Decimal(tc.in)
		if ok != (tc.want != "") || string(got) != tc.want {
			t.Errorf("Decimal(%#v) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
		if _, isString := tc.in.(string); isString || tc.want == "" {
			continue
		}
		if s, ok := Text(tc.in); !ok || s != tc.want {
			t.Errorf("Text(%#v) = %q, %v; want %q", tc.in, s, ok, tc.want)
		}
	}
}

// TestFormatNumberRoundTrips checks the float layout against strconv: the
// text reads back as the same float.
func TestFormatNumberRoundTrips(t *testing.T) {
	t.Parallel()
	for _, f := range []float64{1, -1, 0.1, 123.456, 1e20, 1e21, 1.7976931348623157e308, 5e-324, 2.5e-6, 9.999999e-7, 1 << 53} {
		s := FormatNumber(f)
		back, err := strconv.ParseFloat(s, 64)
		if err != nil || back != f {
			t.Errorf("FormatNumber(%v) = %q, reads back as %v, %v", f, s, back, err)
		}
	}
}

// TestPlainKeepsDigits: stored values keep the literal (PR-3, CN-7).
func TestPlainKeepsDigits(t *testing.T) {
	t.Parallel()
	var v map[string]any
	if err := UnmarshalNumbers([]byte(`{"a":[9007199254740993],"b":{"c":1.50}}`), &v); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(Plain(v))
	if err != nil || string(out) != `{"a":[9007199254740993],"b":{"c":1.50}}` {
		t.Errorf("Plain round trip = %s, %v", out, err)
	}
	if b, ok := Bool(json.Number("1.0")); !ok || !b {
		t.Errorf("Bool(1.0) = %v, %v", b, ok)
	}
	if _, ok := Bool(json.Number("1.0000000000000001")); ok {
		t.Error("Bool(1.0000000000000001) converted: it went through float64")
	}
}

func BenchmarkTextInteger(b *testing.B) {
	n := json.Number("9007199254740993")
	b.ReportAllocs()
	for b.Loop() {
		if s, _ := Text(n); len(s) != 16 {
			b.Fatal(s)
		}
	}
}

// FuzzDecimal: the canonical form has the exact value of the input, and is
// its own canonical form.
func FuzzDecimal(f *testing.F) {
	for _, s := range []string{"9007199254740993", "2.50", "1e3", "-0.0015e2", "+007.10", "12345678901234567890120", "1e-7", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, _, point, ok := parseDecimal(s); !ok || point > 500 || point < -500 {
			return
		}
		d, ok := Decimal(s)
		if !ok {
			t.Fatalf("Decimal(%q) failed where parseDecimal did not", s)
		}
		in, ok1 := new(big.Rat).SetString(strings.TrimPrefix(strings.TrimSpace(s), "+"))
		out, ok2 := new(big.Rat).SetString(string(d))
		if !ok1 || !ok2 || in.Cmp(out) != 0 {
			t.Fatalf("Decimal(%q) = %q: value differs (%v %v)", s, d, ok1, ok2)
		}
		if again, _ := Decimal(d); again != d {
			t.Fatalf("Decimal(%q) = %q, not canonical (%q)", s, d, again)
		}
	})
}
