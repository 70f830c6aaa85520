package segment

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fixedNow is the clock of the decode tests.
var fixedNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// stdObject decodes as the webhook did before parseObject (encoding/json
// with UseNumber), and refuses anything but white space after the value
// (the old check, dec.More, let a stray '}' or ']' through).
func stdObject(data []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, false
	}
	rest := data[dec.InputOffset():]
	return m, len(bytes.TrimLeft(rest, " \t\r\n")) == 0
}

var parseCases = []string{
	`{}`, ` { } `, `null`, `{"a":null}`, `{"a":[]}`, `{"a":{}}`,
	`{"type":"track","userId":"u1","properties":{"total":27.50,"n":-0,"big":9007199254740993,"e":1E+3,"f":-1.5e-7}}`,
	`{"s":"tab\tquote\"slash\/back\\nl\nuni\u00e9\u20ac pair\ud83d\ude00 lone\ud800 end"}`,
	`{"a":[1,[2,[3,{"b":[true,false,null]}]]],"a":"last wins"}`,
	"{\"é\":\"ünïcödé\",\"emoji\":\"😀\"}",
	`{"k":"\u0000"}`, "{\n\t\"a\" :\r\n1 }",
}

var parseErrors = []string{
	``, ` `, `[1,2]`, `"s"`, `12`, `true`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1 "b":2}`,
	`{a:1}`, `{"a":01}`, `{"a":1.}`, `{"a":1e}`, `{"a":-}`, `{"a":tru}`, `{"a":nul}`, `{"a":"x`,
	`{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}", `{"a":[1,]}`, `{"a":[1 2]}`, `{} {}`, `{} x`,
	`{"a":1}}`,
}

// TestParseObjectMatchesEncodingJSON: what parseObject builds is what the
// encoding/json decode it replaces builds, and it refuses what that refuses.
func TestParseObjectMatchesEncodingJSON(t *testing.T) {
	for _, in := range parseCases {
		got, err := parseObject([]byte(in))
		want, ok := stdObject([]byte(in))
		if err != nil || !ok {
			t.Errorf("%s: parseObject error %v, encoding/json ok %v", in, err, ok)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", in, got, want)
		}
	}
	for _, in := range parseErrors {
		if _, ok := stdObject([]byte(in)); ok && in != "null" {
			t.Errorf("%q: encoding/json accepts it; the case is wrong", in)
		}
		if m, err := parseObject([]byte(in)); err == nil && m != nil {
			t.Errorf("%q: parseObject accepted %#v", in, m)
		}
	}
}

// TestDecodeSyntaxErrors: a malformed body is a 400 that says where.
func TestDecodeSyntaxErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"type":tru}`:     "body is not a JSON object: invalid character '}' in literal true (expecting 'e') at byte 11",
		`[1]`:              "body is not a JSON object: found a JSON array",
		`{"a":1}{}`:        "body holds more than one JSON value",
		``:                 "body is not a JSON object: unexpected end of JSON input at byte 0",
		`{"a":"x`:          "body is not a JSON object: unexpected end of JSON input at byte 7",
		`{"a":1,"b" 2}`:    "body is not a JSON object: invalid character '2' after object key at byte 11",
		"{\"a\":\"\x01\"}": `body is not a JSON object: invalid character '\x01' in string literal at byte 6`,
	} {
		_, err := Decode([]byte(in), fixedNow)
		if err == nil || err.Error() != want {
			t.Errorf("%q: got %v, want %s", in, err, want)
		}
	}
}

// TestParseObjectDepth: nesting past encoding/json's limit is an error,
// not a stack overflow.
func TestParseObjectDepth(t *testing.T) {
	deep := `{"a":` + strings.Repeat("[", maxParseDepth+1) + strings.Repeat("]", maxParseDepth+1) + `}`
	if _, err := parseObject([]byte(deep)); err == nil || !strings.Contains(err.Error(), "exceeded max depth") {
		t.Fatalf("got %v", err)
	}
}

// FuzzParse compares parseObject with encoding/json on any valid UTF-8.
func FuzzParse(f *testing.F) {
	for _, s := range append(parseCases, parseErrors...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if !utf8.ValidString(in) {
			return // Decode refuses it before parsing
		}
		got, err := parseObject([]byte(in))
		want, ok := stdObject([]byte(in))
		if ok != (err == nil) {
			t.Fatalf("%q: parseObject error %v, encoding/json ok %v", in, err, ok)
		}
		if ok && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %#v\nwant %#v", in, got, want)
		}
	})
}

// BenchmarkDecode measures one full message (identify with browser
// context, as the perf method sends it) through Decode.
func BenchmarkDecode(b *testing.B) {
	body := []byte(benchMessage)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Decode(body, fixedNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeEncodingJSON is the decode Decode replaced, for comparison.
func BenchmarkDecodeEncodingJSON(b *testing.B) {
	body := []byte(benchMessage)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, ok := stdObject(body); !ok {
			b.Fatal("not decoded")
		}
	}
}

const benchMessage = `{"type":"identify","userId":"r1-u7","anonymousId":"anon-r1-u7","messageId":"r1-m13",` +
	`"timestamp":"2026-03-02T10:00:00Z","sentAt":"2026-03-02T10:00:00Z","receivedAt":"2026-03-02T10:00:00Z",` +
	`"originalTimestamp":"2026-03-02T10:00:00Z","integrations":{"All":true},"version":2,"channel":"browser",` +
	`"traits":{"name":"Peter Gibbons","firstName":"Peter","lastName":"Gibbons","email":"peter.r1-u7@initech.com",` +
	`"phone":"+1 555 010 0199","gender":"male","title":"Software Engineer","plan":"premium","logins":"7",` +
	`"newsletter":true,"company_size":50,"createdAt":"2024-06-14T09:00:00Z","companyId":7,` +
	`"company":{"name":"Initech 7","industry":"Software"},` +
	`"address":{"street":"6th St","city":"San Francisco","state":"CA","postalCode":"94103","country":"USA"}},` +
	`"context":{"active":true,"ip":"203.0.113.9","library":{"name":"analytics.js","version":"2.11.1"},` +
	`"locale":"en-US","location":{"city":"San Francisco","country":"United States","latitude":37.7749,"longitude":-122.4194},` +
	`"page":{"path":"/pricing","referrer":"https://www.google.com/","search":"?plan=pro","title":"Pricing","url":"https://www.example.com/pricing?plan=pro"},` +
	`"userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.127 Safari/537.36",` +
	`"os":{"name":"Windows","version":"10"},"device":{"name":"Surface","model":"Surface Pro 9","type":"desktop","manufacturer":"Microsoft"},` +
	`"screen":{"width":1920,"height":1080,"density":2},"timezone":"America/New_York",` +
	`"campaign":{"name":"Spring Sale","source":"newsletter","medium":"email","term":"pricing","content":"hero"}}}`

// FuzzAppendJSON: AppendJSON writes what json.Marshal writes, for any
// decoded message (strings with HTML characters, U+2028, escapes), and so
// does the Object made of it, which decodes to the same map.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range append(parseCases, `{"h":"<a href='x'>&amp;</a>","ls":"\u2028\u2029","c":"\u0001\u001f\u007f"}`) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if !utf8.ValidString(in) {
			return
		}
		m, err := parseObject([]byte(in))
		if err != nil {
			return
		}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendJSON(nil, m)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got %s (%v)\nwant %s", in, got, err, want)
		}
		o := NewObject(m)
		if back := o.Map(); !reflect.DeepEqual(back, m) && len(m) > 0 {
			t.Fatalf("%q: round trip gave %#v", in, back)
		}
		if got, err := json.Marshal(o); err != nil || !bytes.Equal(got, want) && len(m) > 0 {
			t.Fatalf("%q: the object writes %s (%v)", in, got, err)
		}
	})
}

// TestAppendJSONStrings covers what a decoded message cannot hold: invalid
// UTF-8 in a Go string.
func TestAppendJSONStrings(t *testing.T) {
	for _, s := range []string{"a\xffb", "\xe2\x80", "<>&", "\u2028x\u2029", "\x00\x1f\"\\"} {
		want, _ := json.Marshal(s)
		if got, _ := AppendJSON(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

// TestObject: an Object answers as the map it was made from, and survives
// a JSON round trip with every digit.
func TestObject(t *testing.T) {
	m, _ := parseObject([]byte(`{"b":9007199254740993,"a":{"x":[1,"<"]},"Total Price":2.50}`))
	o := NewObject(m)
	if got, _ := json.Marshal(o); string(got) != `{"Total Price":2.50,"a":{"x":[1,"\u003c"]},"b":9007199254740993}` {
		t.Fatalf("marshal: %s", got)
	}
	if v, ok := o.Get("total_price"); !ok || v != json.Number("2.50") {
		t.Fatalf("Get: %v %v", v, ok)
	}
	var back Object
	if err := json.Unmarshal([]byte(` { "b" : 9007199254740993 , "a":{"x":[1,"<"]},"Total Price":2.50}`), &back); err != nil || !back.Equal(o) {
		t.Fatalf("unmarshal: %v %s", err, back.raw)
	}
	var zero Object
	if got, _ := json.Marshal(zero); string(got) != `{}` || len(zero.Map()) != 0 {
		t.Fatalf("zero: %s", got)
	}
	if err := json.Unmarshal([]byte(`[1]`), &back); err == nil {
		t.Fatal("an array was taken for an object")
	}
}

// TestValidateShortcut: the limits are read from the tags, and a long field
// still reaches validator's rule.
func TestValidateShortcut(t *testing.T) {
	if limited.shortest != 100 || len(limited.fields) != 7 {
		t.Fatalf("limits read from the tags: %+v", limited)
	}
	m := &Message{Type: Track, TypeName: "track", UserID: "u", Event: "e"}
	if err := validate(m); err != nil {
		t.Fatal(err)
	}
	m.MessageID = strings.Repeat("é", 101) // 202 bytes, 101 characters
	if err := validate(m); err == nil || err.Error() != "messageId: is longer than 100 characters" {
		t.Fatalf("got %v", err)
	}
	m.MessageID = strings.Repeat("é", 100) // past the shortcut, within the rule
	if err := validate(m); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeContext: the context and the properties, packed as they are
// read, answer what the decoded maps held (the properties are what
// NewObject packs of them), and a malformed one is refused in the words
// the parser uses for any other field.
func TestDecodeContext(t *testing.T) {
	for _, field := range []string{"context", "properties"} {
		t.Run(field, func(t *testing.T) { testDecodePacked(t, field) })
	}
}

func testDecodePacked(t *testing.T, field string) {
	head := `{"type":"identify","userId":"u","` + field + `":`
	packed := func(m *Message) Object {
		if field == "context" {
			return m.Context
		}
		return m.Properties
	}
	for _, ctx := range []string{
		`{"ip":"203.0.113.9","page":{"url":"https://x.test/a","path":"/a","q":{}},"e":{},"screen":{"width":1920,"height":1080.5},"b":[1,{"c":null}],"ip":"last wins","Page":{}}`,
		`{}`, `null`, `{"traits":{"email":"a@b.test"}}`, ` { "x" : "\u00e9\n" } `,
	} {
		m, err := Decode([]byte(head+ctx+`}`), fixedNow)
		if err != nil {
			t.Fatalf("%s: %v", ctx, err)
		}
		want, _ := stdObject([]byte(ctx))
		o := packed(m)
		if got := o.Map(); len(want) > 0 && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Map() = %#v, want %#v", ctx, got, want)
		}
		if field == "properties" && !o.Equal(NewObject(want)) {
			t.Errorf("%s: packed %x, NewObject packs %x", ctx, o.raw, NewObject(want).raw)
		}
		if field == "properties" {
			var keys []string
			for k, v := range o.All() {
				keys = append(keys, k)
				if !reflect.DeepEqual(v, want[k]) {
					t.Errorf("%s: All() gives %q = %#v, want %#v", ctx, k, v, want[k])
				}
			}
			if wantKeys := slices.Sorted(maps.Keys(want)); !slices.Equal(keys, wantKeys) {
				t.Errorf("%s: All() gives the keys %q, want %q", ctx, keys, wantKeys)
			}
		}
		for k, v := range want {
			if got, ok := o.Member(k); !ok || !reflect.DeepEqual(got, v) {
				t.Errorf("%s: Member(%q) = %#v, %v, want %#v", ctx, k, got, ok, v)
			}
			nested, ok := o.Nested(k)
			if obj, isObj := v.(map[string]any); ok != isObj || isObj && !reflect.DeepEqual(nested.Map(), obj) {
				t.Errorf("%s: Nested(%q) = %#v, %v, want %#v", ctx, k, nested.Map(), ok, v)
			}
			for nk, nv := range obj(v) {
				if got, _ := nested.Member(nk); !reflect.DeepEqual(got, nv) {
					t.Errorf("%s: Nested(%q).Member(%q) = %#v, want %#v", ctx, k, nk, got, nv)
				}
			}
		}
		if _, ok := o.Member("PAGE"); ok {
			t.Errorf("%s: Member folded the case of a key", ctx)
		}
	}
	for _, ctx := range []string{`{"a":tru}`, `{"a":1,}`, `{"a"}`, `{"a":"x`, `{"a":[1 2]}`, `{"a":01}`, `"text"`, `[1]`,
		`{"x":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`} {
		body := []byte(head + ctx + `}`)
		_, err := Decode(body, fixedNow)
		var want error = &Error{Field: field, Reason: "must be an object"}
		if _, perr := (&parser{data: body, limit: MaxDepth, uniqueTop: true}).top(); perr != nil {
			if _, isErr := perr.(*Error); isErr {
				want = perr
			} else {
				want = &Error{Reason: "body is not a JSON object: " + perr.Error()}
			}
		}
		if err == nil || err.Error() != want.Error() {
			t.Errorf("%s: got %v, want %v", ctx, err, want)
		}
	}
}

// obj is v when it is a decoded object.
func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// TestDecodeTopStrings: the top level's strings, shared where they repeat
// or are common, are what encoding/json reads.
func TestDecodeTopStrings(t *testing.T) {
	for _, body := range []string{
		`{"type":"track","event":"track","userId":"2026-03-02T10:00:00Z","timestamp":"2026-03-02T10:00:00Z","sentAt":"2026-03-02T10:00:00Z","channel":"browser"}`,
		`{"type":"identify","userId":"a\"b","anonymousId":"a\"b","messageId":"é","name":"é","groupId":""}`,
	} {
		m, err := Decode([]byte(body), fixedNow)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if want, _ := stdObject([]byte(body)); !reflect.DeepEqual(m.Raw, want) {
			t.Errorf("%s: Raw = %#v, want %#v", body, m.Raw, want)
		}
	}
}
