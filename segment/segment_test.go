package segment

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func TestDecode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		field      string // the field the error must name; "" with wantErr means body-level
		wantErr    bool
		check      func(t *testing.T, m *Message)
	}{
		{name: "identify", body: `{"type":"identify","userId":"u1","traits":{"email":"a@b.c"}}`,
			check: func(t *testing.T, m *Message) {
				if m.Type != Identify || m.UserID != "u1" || m.Traits.Map()["email"] != "a@b.c" || !m.Timestamp.Equal(now) {
					t.Errorf("decoded %+v", m)
				}
			}},
		{name: "type in any casing (G-6)", body: `{"type":"TRACK","anonymousId":"a","event":"E"}`,
			check: func(t *testing.T, m *Message) {
				if m.Type != Track || m.TypeName != "track" {
					t.Errorf("type = %v %q", m.Type, m.TypeName)
				}
			}},
		{name: "timestamp wins (G-8)", body: `{"type":"page","userId":"u","timestamp":"2020-01-02T03:04:05.5+01:00","receivedAt":"2021-01-01T00:00:00Z"}`,
			check: func(t *testing.T, m *Message) {
				if want := time.Date(2020, 1, 2, 2, 4, 5, 5e8, time.UTC); !m.Timestamp.Equal(want) {
					t.Errorf("timestamp = %v, want %v", m.Timestamp, want)
				}
			}},
		{name: "receivedAt next (G-8)", body: `{"type":"page","userId":"u","receivedAt":"2021-01-01T00:00:00Z"}`,
			check: func(t *testing.T, m *Message) {
				if want := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC); !m.Timestamp.Equal(want) {
					t.Errorf("timestamp = %v, want %v", m.Timestamp, want)
				}
			}},
		{name: "big integers keep their digits", body: `{"type":"identify","userId":"u","traits":{"n":12345678901234567890}}`,
			check: func(t *testing.T, m *Message) {
				if got := m.Traits.Map()["n"].(json.Number).String(); got != "12345678901234567890" {
					t.Errorf("n = %s", got)
				}
			}},
		{name: "bad timestamp (G-8)", body: `{"type":"page","userId":"u","timestamp":"yesterday"}`, wantErr: true, field: "timestamp"},
		{name: "numeric timestamp", body: `{"type":"page","userId":"u","timestamp":12}`, wantErr: true, field: "timestamp"},
		{name: "no identity (G-7)", body: `{"type":"identify"}`, wantErr: true, field: "userId"},
		{name: "track without event (G-7)", body: `{"type":"track","userId":"u"}`, wantErr: true, field: "event"},
		{name: "group without groupId (G-7)", body: `{"type":"group","userId":"u"}`, wantErr: true, field: "groupId"},
		{name: "alias without previousId (G-7)", body: `{"type":"alias","userId":"u"}`, wantErr: true, field: "previousId"},
		{name: "alias without userId (G-7)", body: `{"type":"alias","anonymousId":"a","previousId":"p"}`, wantErr: true, field: "userId"},
		{name: "unknown type (G-6)", body: `{"type":"purchase","userId":"u"}`, wantErr: true, field: "type"},
		{name: "missing type", body: `{"userId":"u"}`, wantErr: true, field: "type"},
		{name: "userId not a string", body: `{"type":"identify","userId":7}`, wantErr: true, field: "userId"},
		{name: "traits not an object", body: `{"type":"identify","userId":"u","traits":[1]}`, wantErr: true, field: "traits"},
		{name: "messageId too long", body: `{"type":"identify","userId":"u","messageId":"` + strings.Repeat("x", 101) + `"}`, wantErr: true, field: "messageId"},
		{name: "array body (G-5)", body: `[1,2]`, wantErr: true},
		{name: "null body (G-5)", body: `null`, wantErr: true},
		{name: "broken JSON (G-5)", body: `{"type":`, wantErr: true},
		{name: "two values", body: `{} {}`, wantErr: true},
		{name: "invalid UTF-8 (G-5)", body: "{\"type\":\"identify\",\"userId\":\"\xff\"}", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Decode([]byte(tc.body), now)
			if tc.wantErr {
				var se *Error
				if !errors.As(err, &se) {
					t.Fatalf("Decode(%s) = %v, want a *segment.Error", tc.body, err)
				}
				if se.Field != tc.field {
					t.Fatalf("error %q names field %q, want %q", se, se.Field, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode(%s): %v", tc.body, err)
			}
			tc.check(t, m)
		})
	}
}

func TestGetAnyCasing(t *testing.T) {
	t.Parallel()
	// G-9: firstName, first_name and FirstName name the same trait.
	for _, key := range []string{"firstName", "first_name", "FirstName", "FIRST-NAME", "first name"} {
		traits := map[string]any{key: "Ada", "other": 1}
		if v, ok := Get(traits, "first_name"); !ok || v != "Ada" {
			t.Errorf("Get(%q as first_name) = %v, %v", key, v, ok)
		}
		if v, ok := Get(traits, "firstName"); !ok || v != "Ada" {
			t.Errorf("Get(%q as firstName) = %v, %v", key, v, ok)
		}
	}
	if _, ok := Get(map[string]any{"firstname2": 1}, "firstName"); ok {
		t.Error("a different key matched")
	}
	// An exact key wins over a folded one, and folded ties resolve in sorted order.
	both := map[string]any{"first_name": "exact", "firstName": "other"}
	if v, _ := Get(both, "first_name"); v != "exact" {
		t.Errorf("exact key lost: %v", v)
	}
	if v, _ := Get(both, "FirstName"); v != "other" { // "firstName" < "first_name"
		t.Errorf("tie resolved to %v", v)
	}
}

func TestParsePath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Path
		bad  bool
	}{
		{in: "userId", want: Path{"userId"}},
		{in: "properties.myCustomField", want: Path{"properties", "myCustomField"}},
		{in: "context.traits.accountId", want: Path{"context", "traits", "accountId"}},
		{in: "properties['Field With Space']", want: Path{"properties", "Field With Space"}},
		{in: `properties["a.b"]`, want: Path{"properties", "a.b"}},
		{in: `properties["a.b"].c`, want: Path{"properties", "a.b", "c"}},
		{in: `properties['it\'s']`, want: Path{"properties", "it's"}},
		{in: `properties[plain]`, want: Path{"properties", "plain"}},
		{in: `['top level']`, want: Path{"top level"}},
		{in: `properties["x"]["y z"]`, want: Path{"properties", "x", "y z"}},
		{in: "properties.products[0].sku", want: Path{"properties", "products", "0", "sku"}},
		{in: "properties.products[12][3]", want: Path{"properties", "products", "12", "3"}},
		{in: "", bad: true},
		{in: ".a", bad: true},
		{in: "a.", bad: true},
		{in: "a..b", bad: true},
		{in: "a['b'", bad: true},
		{in: "a['b]", bad: true},
		{in: "a[", bad: true},
		{in: "a[]", bad: true},
		{in: `a["b"]c`, bad: true},
		{in: "a]", bad: true},
	} {
		got, err := ParsePath(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParsePath(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParsePath(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			continue
		}
		again, err := ParsePath(got.String())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("round trip of %q via %q = %q, %v", tc.in, got.String(), again, err)
		}
	}
}

func TestMessageLookup(t *testing.T) {
	t.Parallel()
	m, err := Decode([]byte(`{"type":"track","userId":"u","event":"E",
		"properties":{"Field With Space":"s","a.b":"dot","myCustomField":42,"nested":{"x":null},
			"products":[{"sku":"p-1"},{"sku":"p-2","tags":["a","b"]}],"byNumber":{"0":"zero"}},
		"context":{"traits":{"accountId":"acc"}}}`), now)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]any{
		"userId":                         "u",
		"properties['Field With Space']": "s",
		`properties["a.b"]`:              "dot",
		"properties.myCustomField":       json.Number("42"),
		"context.traits.accountId":       "acc",
		"Properties.MyCustomField":       json.Number("42"), // G-9 applies along the path
		// S2-4: JavaScript-style indexes.
		"properties.products[0].sku":     "p-1",
		"properties.products[1].tags[1]": "b",
		"properties.products['1'].sku":   "p-2",
		"properties.byNumber[0]":         "zero",
	} {
		p, err := ParsePath(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := m.Lookup(p); !ok || got != want {
			t.Errorf("Lookup(%s) = %v, %v; want %v", path, got, ok, want)
		}
	}
	for _, path := range []string{"properties.missing", "properties.a.b", "properties.nested.x", "userId.deeper",
		"properties.products[2].sku", "properties.products[01].sku", "properties.products[-1]", "properties.products.sku"} {
		p, _ := ParsePath(path)
		if v, ok := m.Lookup(p); ok {
			t.Errorf("Lookup(%s) = %v, want not found", path, v)
		}
	}
}

func TestConversions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   any
		text string
		num  float64
		nok  bool
	}{
		{in: json.Number("2.50"), text: "2.5", num: 2.5},
		{in: json.Number("1e3"), text: "1000", num: 1000},
		{in: "123", text: "123", num: 123},
		{in: " 4.5 ", text: " 4.5 ", num: 4.5},
		{in: "abc", text: "abc", nok: true},
		{in: "NaN", text: "NaN", nok: true},
		{in: true, text: "true", nok: true},
	} {
		if got, ok := Text(tc.in); !ok || got != tc.text {
			t.Errorf("Text(%#v) = %q, %v; want %q", tc.in, got, ok, tc.text)
		}
		got, ok := Number(tc.in)
		if ok == tc.nok || (ok && got != tc.num) {
			t.Errorf("Number(%#v) = %v, %v; want %v, %v", tc.in, got, ok, tc.num, !tc.nok)
		}
	}
	if b, ok := Bool("maybe"); ok {
		t.Errorf("Bool(maybe) = %v, ok", b)
	}
	if b, ok := Bool("TRUE"); !ok || !b {
		t.Error("Bool(TRUE) failed")
	}
}

func TestDisabled(t *testing.T) {
	t.Parallel()
	names := []string{"User.com", "UserEngage"}
	for _, tc := range []struct {
		integrations map[string]any
		want         bool
	}{
		{nil, false},
		{map[string]any{"User.com": false}, true},
		{map[string]any{"UserEngage": false}, true},
		{map[string]any{"All": false}, true},
		{map[string]any{"All": false, "User.com": true}, false},
		{map[string]any{"All": false, "User.com": map[string]any{}}, false},
		{map[string]any{"All": true, "Other": false}, false},
		{map[string]any{"all": false}, true}, // G-15: analytics-go's DisableAll()
		{map[string]any{"ALL": false, "UserEngage": true}, false},
		{map[string]any{"all": true}, false},
	} {
		m := &Message{Integrations: tc.integrations}
		if got := m.Disabled(names); got != tc.want {
			t.Errorf("Disabled(%v) = %v, want %v", tc.integrations, got, tc.want)
		}
	}
}

// FuzzParsePath checks that the path parser never panics and that what it
// accepts prints back to a path that parses to the same names.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"a.b", "properties['Field With Space']", `p["a.b"].c`, `a['\'']`, "[x]", "a..b", "a["} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			return
		}
		again, err := ParsePath(p.String())
		if err != nil || !reflect.DeepEqual(again, p) {
			t.Fatalf("ParsePath(%q) = %q, printed %q, reparsed %q, %v", s, p, p.String(), again, err)
		}
	})
}

// FuzzKeysEqual checks that the allocation-free comparison agrees with
// comparing NormalizeKey forms.
func FuzzKeysEqual(f *testing.F) {
	f.Add("firstName", "first_name")
	f.Add("First Name", "FIRSTNAME")
	f.Add("a.b", "ab_")
	f.Add("x", "y")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := KeysEqual(a, b), NormalizeKey(a) == NormalizeKey(b); got != want {
			t.Fatalf("KeysEqual(%q, %q) = %v, NormalizeKey says %v", a, b, got, want)
		}
	})
}

// TestNormalizeKeyFolded: a key already folded comes back as it is, others
// folded.
func TestNormalizeKeyFolded(t *testing.T) {
	for in, want := range map[string]string{
		"plan": "plan", "": "", "é": "é", "company_size": "companysize",
		"First Name": "firstname", "a.b-c": "abc", "createdAt": "createdat", "x1": "x1",
	} {
		if got := NormalizeKey(in); got != want {
			t.Errorf("NormalizeKey(%q) = %q, want %q", in, got, want)
		}
	}
}
