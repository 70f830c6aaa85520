package usercom

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// White-box tests of the pure logic; the behaviours are tested over HTTP in
// usercom_test.go.

func TestTrusted(t *testing.T) {
	t.Parallel()
	st := newState()
	for _, d := range []string{"example.com", "Shop.Acme.io", "10.0.0.1"} {
		if _, err := st.addDomain(d); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"example.com", true},
		{"www.example.com", true},
		{"a.b.example.com", true},
		{"evilexample.com", false},
		{"example.com.evil.net", false},
		{"com", false},
		{"shop.acme.io", true},
		{"acme.io", false},
		{"eu.shop.acme.io", true},
		{"10.0.0.1", true},
		{"1.10.0.0.1", false},
	} {
		if got := st.trusted(tc.host); got != tc.want {
			t.Errorf("trusted(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

func TestParseDomain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want, err string }{
		{"example.com", "example.com", ""},
		{" EXAMPLE.com. ", "example.com", ""},
		{"https://www.example.com:8443/path", "www.example.com", ""},
		{"example.com:8080", "example.com", ""},
		{"", "", "domain is required"},
		{"exa mple.com", "", "not a host name"},
		{"-bad.com", "", "not a host name"},
		{"a..b", "", "not a host name"},
	} {
		got, err := parseDomain(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseDomain(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseDomain(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestRequestHost(t *testing.T) {
	t.Parallel()
	msg := func(pageURL string) *segment.Message {
		return &segment.Message{Context: segment.NewObject(map[string]any{"page": map[string]any{"url": pageURL}})}
	}
	h := http.Header{}
	h.Set("Origin", "https://Origin.example.com")
	h.Set("Referer", "https://referer.example.com/x")
	if host, src := requestHost(h, msg("https://page.example.com/")); host != "origin.example.com" || !strings.Contains(src, "Origin") {
		t.Errorf("Origin first: got %q from %s", host, src)
	}
	h.Set("Origin", "null")
	if host, _ := requestHost(h, msg("https://page.example.com/")); host != "referer.example.com" {
		t.Errorf("Referer second: got %q", host)
	}
	if host, src := requestHost(nil, msg("https://page.example.com:8443/")); host != "page.example.com" || src != "context.page.url" {
		t.Errorf("page.url last: got %q from %s", host, src)
	}
	if host, _ := requestHost(nil, &segment.Message{}); host != "" {
		t.Errorf("no domain: got %q", host)
	}
}

func TestConvert(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ  AttributeType
		in   any
		want any
		ok   bool
	}{
		{TypeString, json.Number("999"), "999", true},
		{TypeString, true, "true", true},
		{TypeString, "x", "x", true},
		{TypeNumber, "123", json.Number("123"), true},
		{TypeNumber, json.Number("1.5"), json.Number("1.5"), true},
		// UC-8, UC-9: every digit is kept, whatever the type.
		{TypeNumber, json.Number("9007199254740993"), json.Number("9007199254740993"), true},
		{TypeString, json.Number("9007199254740993"), "9007199254740993", true},
		{TypeNumber, "abc", nil, false},
		{TypeNumber, true, nil, false},
		{TypeBoolean, "TRUE", true, true},
		{TypeBoolean, json.Number("0"), false, true},
		{TypeBoolean, "maybe", nil, false},
		{TypeDate, "2024-03-05T23:10:00Z", "2024-03-05", true},
		{TypeDate, "2024-03-05", "2024-03-05", true},
		{TypeDate, "yesterday", nil, false},
		{TypeDatetime, "2024-03-05T23:10:00+02:00", "2024-03-05T21:10:00Z", true},
		{TypeDatetime, json.Number("1700000000"), nil, false},
	} {
		got, ok := convert(tc.typ, tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("convert(%s, %#v) = %#v, %v; want %#v, %v", tc.typ, tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseBrowser(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ ua, family, version string }{
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.127 Safari/537.36", "Chrome", "126.0.6478.127"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox", "127.0"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari", "17.5"},
		{"", "", ""},
	} {
		f, v := parseBrowser(tc.ua)
		if f != tc.family || v != tc.version {
			t.Errorf("parseBrowser(%q) = %q %q, want %q %q", tc.ua, f, v, tc.family, tc.version)
		}
	}
}

// TestStateRoundTrip checks that a snapshot written with json.Marshal loads
// back with working indexes.
func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	e := New()
	s, err := e.NewState(json.RawMessage(`{"trusted_domains":["example.com"],"attributes":[{"content_type":"user","name":"custom_integer","type":"number"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	send := func(st *State, raw string) *emulators.Request {
		t.Helper()
		m, err := segment.Decode([]byte(raw), t0)
		if err != nil {
			t.Fatal(err)
		}
		r := &emulators.Request{Now: t0, Message: m}
		if err := e.Handle(r, st); err != nil {
			t.Fatal(err)
		}
		return r
	}
	send(s, `{"type":"identify","userId":"u1","traits":{"custom_integer":"7"}}`)
	send(s, `{"type":"group","anonymousId":"a1","groupId":"g1"}`)
	send(s, `{"type":"track","userId":"u1","event":"Signed Up","properties":{"plan":"pro"}}`)
	send(s, `{"type":"page","userId":"u1","properties":{"url":"https://example.com/a"}}`)
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := emulators.Register(e).LoadState(data)
	if err != nil {
		t.Fatal(err)
	}
	st := s2.(*State)
	if u, ok := st.lookupUser("u1"); !ok || u.Attributes.Map()["custom_integer"] != json.Number("7") || u.PageViews != 1 || len(st.occurrencesOf(u.ID)) != 1 {
		t.Fatalf("u1 after reload: %+v", u)
	}
	if u, ok := st.lookupUser("a1"); !ok || len(u.Companies) != 1 {
		t.Fatalf("a1 after reload: %+v", u)
	}
	if !st.trusted("www.example.com") || st.attrs[ContentUser.index()]["custominteger"] == nil || st.companies["g1"] == nil || st.events["Signed Up"] == nil {
		t.Fatal("indexes not rebuilt")
	}
	// The reloaded state keeps working: same user, same event.
	r := send(st, `{"type":"track","userId":"u1","event":"Signed Up"}`)
	if st.Users.Len() != 2 || st.events["Signed Up"].Occurrences != 2 || strings.Contains(strings.Join(r.Actions(), ";"), "created user") {
		t.Fatalf("after reload: %d users, actions %v", st.Users.Len(), r.Actions())
	}
	again, _ := json.Marshal(s2)
	if _, err := emulators.Register(e).LoadState(again); err != nil {
		t.Fatal(err)
	}
}

func TestNewStateErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ config, want string }{
		{`{"trusted_domain":["x.com"]}`, `unknown field "trusted_domain"`},
		{`{"trusted_domains":["bad domain"]}`, "config.trusted_domains[0]"},
		{`{"attributes":[{"content_type":"person","name":"x","type":"string"}]}`, "config.attributes[0]: content_type"},
		{`{"attributes":[{"content_type":"user","name":"x","type":"integer"}]}`, "config.attributes[0]: type"},
		{`{"attributes":[{"content_type":"user","name":"x","type":"string"},{"content_type":"user","name":"X","type":"number"}]}`, "config.attributes[1]: user attribute \"X\" is already defined"},
	} {
		_, err := New().NewState(json.RawMessage(tc.config))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewState(%s) error = %v, want it to mention %q", tc.config, err, tc.want)
		}
	}
}

func TestLoadStateRefusesInconsistentSnapshots(t *testing.T) {
	t.Parallel()
	for _, data := range []string{
		`{"users":[{"id":2}]}`,
		`{"users":[null]}`,
		`{"companies":[{"group_id":"g","member_ids":[1]}]}`,
		`{"occurrences":[{"event":"e","user":3}]}`,
		`{"page_views":[null]}`,
		`{"attributes":[{"content_type":"person","name":"x","type":"string"}]}`,
		`[]`,
	} {
		if _, err := emulators.Register(New()).LoadState(json.RawMessage(data)); err == nil {
			t.Errorf("LoadState(%s) accepted", data)
		}
	}
	// Missing maps are made, so a sparse snapshot still works.
	s, err := emulators.Register(New()).LoadState(json.RawMessage(`{"users":[{"id":1,"user_id":"u1"}],"companies":[{"id":1,"group_id":"g","member_ids":[1]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := segment.Decode([]byte(`{"type":"group","userId":"u1","groupId":"g","traits":{"tier":"gold"}}`), time.Time{})
	if err := New().Handle(&emulators.Request{Message: m}, s.(*State)); err != nil {
		t.Fatal(err)
	}
}

// TestAppendJSON: the state a snapshot streams (AppendJSON) is what
// encoding/json writes of the State with HTML escaping off, byte for byte,
// for an empty app and for one with users, companies, events, occurrences
// and page views.
func TestAppendJSON(t *testing.T) {
	t.Parallel()
	empty := newState()
	full := newState()
	if _, err := full.addDomain("shop.example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := full.defineAttribute(AttributeSpec{ContentType: "user", Name: "logins", Type: "number"}, OriginDefined, time.Time{}); err != nil {
		t.Fatal(err)
	}
	SeedUsers(full, 3)
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	full.Companies = append(full.Companies, &Company{ID: 1, GroupID: "acme", Name: "Acme <&>",
		Attributes: map[string]any{"tier": "gold"}, MemberIDs: []int64{1}, CreatedAt: at})
	full.Events = append(full.Events, &EventDefinition{Name: "Order Completed", Properties: []string{"total"}, CreatedAt: at, Occurrences: 1})
	full.addOccurrence(&Occurrence{Event: "Order Completed", User: 1, UserID: "u-0", MessageID: "m-1", Timestamp: at,
		Properties: segment.NewObject(map[string]any{"total": json.Number("27.5"), "note": "a < b & c"})})
	full.addPageView(&PageView{User: 2, UserID: "u-1", MessageID: "m-2", URL: "https://example.com/?a=1&b=2", Timestamp: at})
	for name, st := range map[string]*State{"empty": empty, "full": full} {
		var want strings.Builder
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(st); err != nil {
			t.Fatal(err)
		}
		got, err := st.AppendJSON([]byte("prefix:"))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "prefix:"+strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("%s: AppendJSON wrote\n%s\nencoding/json writes\n%s", name, got, want.String())
		}
	}
}
