package usercom

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/destemu/destemu/segment"
)

// TestCompactJSON: compactJSON of what a packed value writes
// (segment.Value.AppendJSON) is what encoding/json's Encoder writes with
// HTML escaping off, for the objects and arrays a message holds.
func TestCompactJSON(t *testing.T) {
	for _, in := range []string{
		`{"b":1,"a":[1,2.50,{"z":null,"y":true}]}`,
		`[{"sku":"<x> & \"y\""}]`,
		`{"path":"a\\u003cb","raw":"\\\\u003e","tab":"\t","ls":"\u2028","bad":"\ud800","e":"é"}`,
		`{"n":-1.5e+300,"big":12345678901234567890}`, `[]`, `{}`,
	} {
		dec := json.NewDecoder(strings.NewReader(in))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(b.String(), "\n")
		var packed segment.Object
		if err := json.Unmarshal([]byte(`{"v":`+in+`}`), &packed); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		for _, pv := range packed.Members() {
			if got := compactJSON(pv.AppendJSON(nil)); got != want {
				t.Errorf("%s: got %s; want %s", in, got, want)
			}
		}
	}
}
