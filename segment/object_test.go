package segment

import (
	"encoding/json"
	"strings"
	"testing"
)

// canonicalCases are objects canonical keeps as they are and objects it
// leaves to the decoder, with why.
var canonicalCases = []struct {
	in   string
	keep bool
}{
	{`{}`, true},
	{`{"a":1,"b":[true,false,null,{"c":"x"}],"d":{"e":-0.5e+3}}`, true},
	{`{"":1,"a":2}`, true},
	{`{"a":"é ✓"}`, true},
	{`{"b":1,"a":2}`, false},                             // keys out of order
	{`{"a":1,"a":2}`, false},                             // a key twice
	{`{"a": 1}`, false},                                  // a space
	{`{"a":"\u00e9"}`, false},                            // an escape
	{`{"a":"<b>"}`, false},                               // AppendString escapes <
	{"{\"a\":\"\u2028\"}", false},                        // and U+2028
	{"{\"a\":\"\xff\"}", false},                          // invalid UTF-8
	{`{"a":01}`, false},                                  // not a JSON number
	{`{"a":1.}`, false},                                  // nor this
	{`{"a":1}x`, false},                                  // trailing data
	{`{"a":[1,]}`, false},                                // a trailing comma
	{`null`, false},                                      // not an object
	{`{"a":{"c":1,"b":2}}`, false},                       // nested keys out of order
	{`{"a":` + strings.Repeat(`[`, 10001) + `]}`, false}, // deeper than the parser goes
}

// TestCanonical: what canonical keeps is byte for byte what decoding and
// encoding again would make of it.
func TestCanonical(t *testing.T) {
	for _, tc := range canonicalCases {
		if got := canonical([]byte(tc.in)); got != tc.keep {
			t.Errorf("canonical(%.60s) = %v, want %v", tc.in, got, tc.keep)
		}
		checkCanonical(t, []byte(tc.in))
	}
}

// FuzzCanonical: an input canonical accepts encodes again to itself.
func FuzzCanonical(f *testing.F) {
	for _, tc := range canonicalCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(checkCanonical)
}

func checkCanonical(t *testing.T, data []byte) {
	if !canonical(data) {
		return
	}
	m, err := parseObject(data)
	if err != nil {
		t.Fatalf("canonical accepted %q, which does not parse: %v", data, err)
	}
	if got := NewObject(m); string(got.raw) != string(data) && !(len(data) == 2 && got.raw == nil) {
		t.Fatalf("canonical accepted %q, which encodes as %q", data, got.raw)
	}
}

func TestObjectBinary(t *testing.T) {
	for _, m := range []map[string]any{nil, {"a": "b"}, {"n": json.Number("1.50"), "x": []any{true, nil, map[string]any{"k": "v"}}}} {
		o := NewObject(m)
		b, err := o.AppendBinary([]byte("pre"))
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, "post"...)
		got, rest, err := ReadObject(b[3:])
		if err != nil || !got.Equal(o) || string(rest) != "post" {
			t.Fatalf("%v: got %s rest %q err %v", m, got.raw, rest, err)
		}
	}
	if _, _, err := ReadObject([]byte{5, '{'}); err == nil {
		t.Fatal("a truncated record read")
	}
}
