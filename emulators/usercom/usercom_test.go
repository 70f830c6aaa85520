package usercom_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// srv is the server the package's tests share; each test takes a
// namespace of its own on it.
var srv *testkit.Server

func TestMain(m *testing.M) { os.Exit(testkit.Main(m, &srv)) }

var ctx = context.Background()

// Real browser user agents (UC-7).
const (
	uaChrome    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.127 Safari/537.36"
	uaFirefox   = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:127.0) Gecko/20100101 Firefox/127.0"
	uaSafariIOS = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

// app is one User.com account "app" in a namespace of its own: the testkit
// fixture, with the account's client and the reads the tests repeat.
type app struct {
	*testkit.Fixture
	t  *testing.T
	uc *client.Usercom
}

// newApp creates an account "app" with one active key in a fresh
// namespace; cfg is its vendor-side config (nil for none).
func newApp(t *testing.T, cfg *client.UsercomConfig) *app {
	t.Helper()
	spec := client.AccountSpec{ID: "app"}
	if cfg != nil {
		spec.Config = cfg
	}
	f := testkit.NewFixture(t, srv, "usercom", spec)
	return &app{Fixture: f, t: t, uc: f.Client.Usercom(f.Account)}
}

// sendWith sends a message with extra HTTP headers (Origin, Referer).
func (a *app) sendWith(h http.Header, m client.Message) error {
	a.t.Helper()
	body, err := json.Marshal(m)
	if err != nil {
		a.t.Fatal(err)
	}
	var res client.Result
	return a.Client.SendRaw(ctx, "usercom", client.RawRequest{Authorization: client.BasicAuth(a.Key), Header: h, Body: body}, &res)
}

func (a *app) user(key string) *client.UsercomUserDetail {
	a.t.Helper()
	return testkit.Must(a.uc.User(ctx, key))(a.t)
}

func (a *app) users(q client.Query) []client.UsercomUser {
	a.t.Helper()
	return testkit.Must(a.uc.Users(ctx, q))(a.t)
}

func (a *app) attribute(contentType, name string) (client.UsercomAttribute, bool) {
	a.t.Helper()
	as, err := a.uc.Attributes(ctx, client.Query{"content_type": contentType, "name": name})
	if err != nil {
		a.t.Fatalf("attributes: %v", err)
	}
	if len(as) != 1 {
		return client.UsercomAttribute{}, false
	}
	return as[0], true
}

func contains(list []string, sub string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.Contains(s, sub) })
}

func TestUsercom(t *testing.T) {
	t.Parallel()
	t.Run("UC-1 accepts identify track page group; screen and alias are 501", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, nil)
		for _, m := range []client.Message{
			client.Identify("u1", map[string]any{"email": "a@example.com"}),
			client.Track("u1", "Signed Up", nil),
			client.Page("u1", "Home", nil),
			client.Group("u1", "g1", nil),
		} {
			if res := a.Send(m); res.Status != "ok" {
				t.Errorf("%s: status %q", m.Type, res.Status)
			}
		}
		for _, m := range []client.Message{client.Screen("u1", "Home", nil), client.Alias("u2", "u1")} {
			_, err := a.SendErr(m)
			if client.StatusOf(err) != http.StatusNotImplemented {
				t.Errorf("%s: got %v, want 501", m.Type, err)
			}
		}
		info, err := a.Client.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(info.Destinations, func(d client.Destination) bool { return d.Slug == "usercom" })
		if i < 0 || !slices.Equal(info.Destinations[i].Integrations, []string{"User.com", "UserEngage"}) ||
			!slices.Equal(info.Destinations[i].Accepts, []string{"identify", "track", "page", "group"}) {
			t.Fatalf("usercom destination info: %+v", info.Destinations)
		}
	})

	t.Run("UC-2 a revoked key is 403 saying it was revoked", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, nil)
		a.Send(client.Identify("u1", nil))
		testkit.Must(a.Client.RevokeKey(ctx, "usercom", "app", a.Key))(t)
		_, err := a.SendErr(client.Identify("u2", nil))
		testkit.ExpectError(t, err, http.StatusForbidden, "revoked")
		if got := a.users(nil); len(got) != 1 {
			t.Fatalf("a refused message changed state: %d users", len(got))
		}
		entries, err := a.Client.Requests(ctx, client.RequestFilter{Destination: "usercom", Account: "app", Status: 403})
		if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Message, "revoked") {
			t.Fatalf("request log: %+v, %v", entries, err)
		}
		testkit.Must(a.Client.ActivateKey(ctx, "usercom", "app", a.Key))(t)
		a.Send(client.Identify("u2", nil))
	})

	t.Run("UC-3 trusted domains", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, &client.UsercomConfig{TrustedDomains: []string{"example.com"}})
		origin := func(o string) http.Header { return http.Header{"Origin": {o}} }
		withPage := func(m client.Message, url string) client.Message {
			return m.WithContext(map[string]any{"page": map[string]any{"url": url}})
		}
		for _, tc := range []struct {
			name   string
			header http.Header
			msg    client.Message
			ok     bool
			source string
		}{
			{"listed domain", origin("https://example.com"), client.Identify("ok1", nil), true, ""},
			{"real sub-domain", origin("https://shop.eu.example.com:8443"), client.Identify("ok2", nil), true, ""},
			{"evilexample.com merely ends with the name", origin("https://evilexample.com"), client.Identify("bad1", nil), false, "Origin"},
			{"example.com.evil.net", origin("https://example.com.evil.net"), client.Identify("bad2", nil), false, "Origin"},
			{"Referer when no Origin", http.Header{"Referer": {"https://evilexample.com/pricing"}}, client.Identify("bad3", nil), false, "Referer"},
			{"Origin before Referer", http.Header{"Origin": {"https://www.example.com"}, "Referer": {"https://evil.net/"}}, client.Identify("ok3", nil), true, ""},
			{"context.page.url when no header", nil, withPage(client.Page("bad4", "x", nil), "https://evilexample.com/a"), false, "context.page.url"},
			{"context.page.url trusted", nil, withPage(client.Page("ok4", "x", nil), "https://blog.example.com/a"), true, ""},
			{"Origin before context.page.url", origin("https://evil.net"), withPage(client.Identify("bad5", nil), "https://example.com/"), false, "Origin"},
			{"no domain at all is allowed", nil, client.Track("ok5", "Server Event", nil), true, ""},
		} {
			err := a.sendWith(tc.header, tc.msg)
			if tc.ok {
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
				}
				continue
			}
			var e *client.Error
			if !errors.As(err, &e) || e.Status != http.StatusForbidden || !strings.Contains(e.Message, "not a trusted domain") || !strings.Contains(e.Message, tc.source) {
				t.Errorf("%s: got %v, want 403 naming the domain as untrusted, from %s", tc.name, err, tc.source)
			}
		}
		for _, u := range a.users(nil) {
			if strings.HasPrefix(u.UserID, "bad") {
				t.Errorf("a refused message created user %q", u.UserID)
			}
		}

		// The list is managed through the control plane; an empty list
		// trusts everyone.
		b := newApp(t, nil)
		evil := origin("https://evilexample.com")
		if err := b.sendWith(evil, client.Identify("u1", nil)); err != nil {
			t.Fatalf("no trusted domains: %v", err)
		}
		if d, err := b.uc.AddTrustedDomain(ctx, "Example.COM"); err != nil || d != "example.com" {
			t.Fatalf("add: %q, %v", d, err)
		}
		_, err := b.uc.AddTrustedDomain(ctx, "example.com")
		testkit.ExpectError(t, err, http.StatusConflict, "already trusted")
		_, err = b.uc.AddTrustedDomain(ctx, "not a domain")
		testkit.ExpectError(t, err, http.StatusBadRequest, "domain")
		if ds, err := b.uc.TrustedDomains(ctx); err != nil || !slices.Equal(ds, []string{"example.com"}) {
			t.Fatalf("list: %v, %v", ds, err)
		}
		testkit.ExpectError(t, b.sendWith(evil, client.Identify("u1", nil)), http.StatusForbidden, `"evilexample.com"`)
		if err := b.uc.RemoveTrustedDomain(ctx, "example.com"); err != nil {
			t.Fatal(err)
		}
		testkit.ExpectError(t, b.uc.RemoveTrustedDomain(ctx, "example.com"), http.StatusNotFound, "example.com")
		if err := b.sendWith(evil, client.Identify("u1", nil)); err != nil {
			t.Fatalf("after removing the last domain: %v", err)
		}
	})

	t.Run("UC-4 users are found by userId else anonymousId and created, never 404", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, nil)
		res := a.Send(client.Track("u1", "Opened", nil)) // unknown user on a track call
		if !contains(res.Actions, `created user "u1"`) {
			t.Fatalf("actions %v", res.Actions)
		}
		a.Send(client.Page("", "Home", nil).Anonymous("anon-1"))
		a.Send(client.Group("", "g1", nil).Anonymous("anon-2"))
		m := client.Identify("u1", map[string]any{"email": "u1@example.com"})
		m.AnonymousID = "anon-1" // userId wins over anonymousId
		a.Send(m)
		a.Send(client.Identify("", map[string]any{"first_name": "Ann"}).Anonymous("anon-1"))
		us := a.users(nil)
		if len(us) != 3 {
			t.Fatalf("want 3 users (u1, anon-1, anon-2), got %+v", us)
		}
		if u := a.user("u1"); u.Email != "u1@example.com" || u.FirstName != "" || u.AnonymousID != "anon-1" || len(u.Events) != 1 {
			t.Fatalf("u1: %+v", u)
		}
		if u := a.user("anon-1"); u.UserID != "" || u.FirstName != "Ann" || u.PageViews != 1 {
			t.Fatalf("anon-1: %+v", u)
		}
		if u := a.user("anon-2"); !slices.Equal(u.Companies, []string{"g1"}) {
			t.Fatalf("anon-2: %+v", u)
		}
		if _, err := a.uc.User(ctx, "nobody"); client.StatusOf(err) != http.StatusNotFound {
			t.Fatalf("control plane, unknown user: %v", err)
		}
	})

	t.Run("UC-4 a user identified with both ids is found by a later call with only the anonymousId", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, nil)
		both := client.Identify("u1", map[string]any{"email": "u1@example.com"})
		both.AnonymousID = "anon-1"
		a.Send(both)
		res := a.Send(client.Page("", "Pricing", nil).Anonymous("anon-1"))
		if contains(res.Actions, "created user") {
			t.Fatalf("actions %v: the anonymous page created a user", res.Actions)
		}
		a.Send(client.Track("", "Clicked", nil).Anonymous("anon-1"))
		if us := a.users(nil); len(us) != 1 {
			t.Fatalf("want 1 user, got %+v", us)
		}
		if u := a.user("u1"); u.PageViews != 1 || len(u.Events) != 1 {
			t.Fatalf("u1: %+v", u)
		}
		// A user that learns its anonymousId later is found by it too.
		a.Send(client.Identify("u2", nil))
		later := client.Identify("u2", nil)
		later.AnonymousID = "anon-2"
		a.Send(later)
		a.Send(client.Page("", "Home", nil).Anonymous("anon-2"))
		if u := a.user("u2"); u.PageViews != 1 || len(a.users(nil)) != 2 {
			t.Fatalf("u2: %+v", u)
		}
	})

	t.Run("UC-8 object and array traits are string attributes holding their compact JSON", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, nil)
		res := a.Send(client.Identify("u1", map[string]any{
			"prefs":   map[string]any{"theme": "dark", "beta": true, "limit": json.Number("9007199254740993"), "html": "<b>"},
			"tags":    []any{"a", 1, nil},
			"address": map[string]any{"country": "PL", "city": "Kraków"},
		}))
		if len(res.Warnings) != 0 {
			t.Fatalf("warnings %v", res.Warnings)
		}
		u := a.user("u1")
		if u.Attributes["prefs"] != `{"beta":true,"html":"<b>","limit":9007199254740993,"theme":"dark"}` || u.Attributes["tags"] != `["a",1,null]` {
			t.Fatalf("attributes %#v", u.Attributes)
		}
		if u.Country != "PL" || u.City != "Kraków" || u.Attributes["address"] != nil {
			t.Fatalf("address is mapped, not an attribute: %+v", u)
		}
		if at, ok := a.attribute("user", "prefs"); !ok || at.Type != "string" || at.Origin != "auto" {
			t.Fatalf("definition %+v", at)
		}
		// Track properties and group traits follow the same rule.
		a.Send(client.Track("u1", "Ordered", map[string]any{"items": []any{map[string]any{"sku": "x"}}}))
		if occ := a.user("u1").Events; len(occ) != 1 || occ[0].Properties["items"] != `[{"sku":"x"}]` {
			t.Fatalf("occurrences %+v", occ)
		}
	})

	t.Run("UC-5 standard traits in any casing", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, nil)
		a.Send(client.Identify("u1", map[string]any{
			"Email": " ann@example.com ", "firstName": "Ann", "LastName": "Lee", "phone": "+48 600 000 000", "GENDER": "female",
		}))
		u := a.user("u1")
		if u.Email != "ann@example.com" || u.FirstName != "Ann" || u.LastName != "Lee" || u.Phone != "+48 600 000 000" || u.Gender != "female" {
			t.Fatalf("user: %+v", u.UsercomUser)
		}
		if len(u.Attributes) != 0 {
			t.Fatalf("standard traits became attributes: %v", u.Attributes)
		}
		if got := a.users(client.Query{"email": "ann@example.com"}); len(got) != 1 || got[0].UserID != "u1" {
			t.Fatalf("filter by email: %+v", got)
		}
	})

	t.Run("UC-6 address fills country region city", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, nil)
		a.Send(client.Identify("u1", map[string]any{"address": map[string]any{
			"street": "Main 1", "city": "Kraków", "state": "Małopolska", "country": "Poland", "postalCode": "30-001"}}))
		if u := a.user("u1"); u.Country != "Poland" || u.Region != "Małopolska" || u.City != "Kraków" {
			t.Fatalf("user: %+v", u.UsercomUser)
		}
		a.Send(client.Identify("u1", map[string]any{"address": map[string]any{"region": "Mazowieckie"}}))
		if u := a.user("u1"); u.Country != "Poland" || u.Region != "Mazowieckie" || u.City != "Kraków" {
			t.Fatalf("region from region, the rest unchanged: %+v", u.UsercomUser)
		}
	})

	t.Run("UC-7 context fields", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, nil)
		a.Send(client.Identify("u1", nil).WithContext(fullContext(uaChrome)))
		u := a.user("u1")
		want := client.UsercomUser{
			UserAgent: uaChrome, OS: "Windows", DeviceName: "Surface", DeviceType: "desktop", Language: "pl-PL",
			Resolution: "1920x1080", IPAddress: "203.0.113.7", BrowserFamily: "Chrome", BrowserVersion: "126.0.6478.127",
			Timezone: "Europe/Warsaw", CurrentURL: "https://example.com/pricing",
		}
		got := client.UsercomUser{
			UserAgent: u.UserAgent, OS: u.OS, DeviceName: u.DeviceName, DeviceType: u.DeviceType, Language: u.Language,
			Resolution: u.Resolution, IPAddress: u.IPAddress, BrowserFamily: u.BrowserFamily, BrowserVersion: u.BrowserVersion,
			Timezone: u.Timezone, CurrentURL: u.CurrentURL,
		}
		if !jsonEqual(got, want) {
			t.Fatalf("context fields:\n got %+v\nwant %+v", got, want)
		}
		// Absent ones are left unchanged; device.model stands in for a
		// missing device.name.
		a.Send(client.Identify("u1", nil).WithContext(map[string]any{"device": map[string]any{"model": "iPhone15,2"}}))
		if u := a.user("u1"); u.DeviceName != "iPhone15,2" || u.DeviceType != "desktop" || u.BrowserFamily != "Chrome" || u.Timezone != "Europe/Warsaw" {
			t.Fatalf("after a sparse context: %+v", u.UsercomUser)
		}
		for _, tc := range []struct{ name, ua, family, version string }{
			{"Chrome", uaChrome, "Chrome", "126.0.6478.127"},
			{"Firefox", uaFirefox, "Firefox", "127.0"},
			{"Safari on iOS", uaSafariIOS, "Safari", "17.5"},
		} {
			a.Send(client.Identify("ua-"+tc.name, nil).WithContext(map[string]any{"userAgent": tc.ua}))
			if u := a.user("ua-" + tc.name); u.BrowserFamily != tc.family || u.BrowserVersion != tc.version || u.UserAgent != tc.ua {
				t.Errorf("%s: browser %q %q, want %q %q", tc.name, u.BrowserFamily, u.BrowserVersion, tc.family, tc.version)
			}
		}
		if got := a.users(client.Query{"browser_family": "Firefox"}); len(got) != 1 || got[0].UserID != "ua-Firefox" {
			t.Fatalf("filter by browser_family: %+v", got)
		}
	})

	t.Run("UC-8 an undefined trait is defined as a string and stored as a string", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, nil)
		res := a.Send(client.Identify("u1", map[string]any{"custom_integer_new": 999, "vip": true, "plan": "pro"}))
		if !contains(res.Actions, `defined user attribute "custom_integer_new" as string`) ||
			!contains(res.Actions, `set custom_integer_new, plan, vip on user "u1"`) {
			t.Fatalf("actions %v", res.Actions)
		}
		u := a.user("u1")
		if u.Attributes["custom_integer_new"] != "999" || u.Attributes["vip"] != "true" || u.Attributes["plan"] != "pro" {
			t.Fatalf("attributes: %#v", u.Attributes)
		}
		if at, ok := a.attribute("user", "custom_integer_new"); !ok || at.Type != "string" || at.Origin != "auto" {
			t.Fatalf("definition: %+v", at)
		}
		// Once defined as a string, it stays one.
		a.Send(client.Identify("u2", map[string]any{"custom_integer_new": 1.5}))
		if u := a.user("u2"); u.Attributes["custom_integer_new"] != "1.5" {
			t.Fatalf("u2 attributes: %#v", u.Attributes)
		}
	})

	t.Run("UC-8 numbers above 2^53 keep every digit, as text and as numbers", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, &client.UsercomConfig{Attributes: []client.UsercomAttributeSpec{
			{ContentType: "user", Name: "account_no", Type: "number"}}})
		a.Send(client.Identify("u1", map[string]any{"big": json.Number("9007199254740993"), "account_no": json.Number("9007199254740993")}))
		if u := a.user("u1"); u.Attributes["big"] != "9007199254740993" {
			t.Fatalf("attributes: %#v", u.Attributes)
		}
		var raw json.RawMessage
		if err := a.Client.Do(ctx, http.MethodGet, client.AccountPath("usercom", "app", "users", "u1"), nil, nil, &raw); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), `"account_no":9007199254740993`) {
			t.Fatalf("user %s: want account_no 9007199254740993", raw)
		}
	})

	t.Run("UC-9 defined attributes convert; unconvertible values are ignored and logged", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, &client.UsercomConfig{Attributes: []client.UsercomAttributeSpec{
			{ContentType: "user", Name: "custom_integer", Type: "number"},
			{ContentType: "user", Name: "newsletter", Type: "boolean"},
			{ContentType: "user", Name: "birthday", Type: "date"},
		}})
		testkit.Must(a.uc.CreateAttribute(ctx, client.UsercomAttributeSpec{ContentType: "user", Name: "trial_ends", Type: "datetime"}))(t)
		_, err := a.uc.CreateAttribute(ctx, client.UsercomAttributeSpec{ContentType: "user", Name: "Custom_Integer", Type: "string"})
		testkit.ExpectError(t, err, http.StatusConflict, "already defined")
		_, err = a.uc.CreateAttribute(ctx, client.UsercomAttributeSpec{ContentType: "user", Name: "x", Type: "integer"})
		testkit.ExpectError(t, err, http.StatusBadRequest, "type")

		t.Run("the seed's example", func(t *testing.T) {
			a.Send(client.Identify("seed", map[string]any{"custom_integer": "123", "custom_integer_new": 999}))
			u := a.user("seed")
			if u.Attributes["custom_integer"] != 123.0 || u.Attributes["custom_integer_new"] != "999" {
				t.Fatalf("attributes: %#v", u.Attributes)
			}
			if at, _ := a.attribute("user", "custom_integer_new"); at.Type != "string" {
				t.Fatalf("custom_integer_new defined as %q", at.Type)
			}
		})

		res := a.Send(client.Identify("u1", map[string]any{
			"email": "u1@example.com", "custom_integer": "abc", "newsletter": "maybe",
			"birthday": "1990-04-01", "trial_ends": "2024-06-01T10:00:00+02:00",
		}))
		u := a.user("u1")
		if u.Email != "u1@example.com" || u.Attributes["birthday"] != "1990-04-01" || u.Attributes["trial_ends"] != "2024-06-01T08:00:00Z" {
			t.Fatalf("the rest of the message was not applied: %+v", u.UsercomUser)
		}
		if _, ok := u.Attributes["custom_integer"]; ok {
			t.Fatalf("'abc' was stored into a number: %#v", u.Attributes)
		}
		if _, ok := u.Attributes["newsletter"]; ok {
			t.Fatalf("'maybe' was stored into a boolean: %#v", u.Attributes)
		}
		if !contains(res.Warnings, `"abc" cannot be converted to number`) || !contains(res.Warnings, `"maybe" cannot be converted to boolean`) {
			t.Fatalf("warnings %v", res.Warnings)
		}
		entries, err := a.Client.Requests(ctx, client.RequestFilter{Destination: "usercom", Account: "app", UserID: "u1"})
		if err != nil || len(entries) != 1 || !contains(entries[0].Warnings, `"abc"`) || !contains(entries[0].Warnings, `"maybe"`) {
			t.Fatalf("request log: %+v, %v", entries, err)
		}
		// A stored value is kept when a later one does not convert.
		a.Send(client.Identify("u1", map[string]any{"customInteger": 7, "newsletter": "TRUE"}))
		a.Send(client.Identify("u1", map[string]any{"custom_integer": "seven"}))
		if u := a.user("u1"); u.Attributes["custom_integer"] != 7.0 || u.Attributes["newsletter"] != true {
			t.Fatalf("attributes: %#v", u.Attributes)
		}
		if got := a.users(client.Query{"attributes.custom_integer": "7"}); len(got) != 1 || got[0].UserID != "u1" {
			t.Fatalf("filter by attribute: %+v", got)
		}
	})

	t.Run("UC-10 page counts page_views, records the view, last_seen never moves back", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, nil)
		t1 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		t0 := t1.Add(-time.Hour)
		a.Send(client.Page("u1", "Pricing", map[string]any{"url": "https://example.com/pricing?x=1", "title": "Pricing | Acme"}).At(t1))
		u := a.user("u1")
		if u.PageViews != 1 || u.LastSeen == nil || !u.LastSeen.Equal(t1) {
			t.Fatalf("after the first page: %+v", u.UsercomUser)
		}
		if len(u.PageViewLog) != 1 || u.PageViewLog[0].URL != "https://example.com/pricing?x=1" || u.PageViewLog[0].Path != "/pricing" ||
			u.PageViewLog[0].Title != "Pricing | Acme" || !u.PageViewLog[0].Timestamp.Equal(t1) {
			t.Fatalf("page view: %+v", u.PageViewLog)
		}
		// An older page arrives late: counted and recorded, last_seen kept.
		m := client.Page("u1", "Home", nil).At(t0).WithContext(map[string]any{"page": map[string]any{
			"url": "https://example.com/", "path": "/", "title": "Acme"}})
		res := a.Send(m)
		u = a.user("u1")
		if u.PageViews != 2 || !u.LastSeen.Equal(t1) || len(u.PageViewLog) != 2 || u.PageViewLog[1].Path != "/" || u.PageViewLog[1].Title != "Acme" {
			t.Fatalf("after an older page: %+v %+v", u.UsercomUser, u.PageViewLog)
		}
		if !contains(res.Actions, "kept last_seen") {
			t.Fatalf("actions %v", res.Actions)
		}
		t2 := t1.Add(time.Minute)
		a.Send(client.Page("u1", "Docs", map[string]any{"url": "https://example.com/docs"}).At(t2))
		if u = a.user("u1"); u.PageViews != 3 || !u.LastSeen.Equal(t2) {
			t.Fatalf("after a newer page: %+v", u.UsercomUser)
		}
		views, err := a.uc.PageViews(ctx, client.Query{"user_id": "u1", "from": t1.Format(time.RFC3339)})
		if err != nil || len(views) != 2 {
			t.Fatalf("page views from t1: %+v, %v", views, err)
		}
		_, err = a.uc.PageViews(ctx, client.Query{"from": "yesterday"})
		testkit.ExpectError(t, err, http.StatusBadRequest, `"from"`)
	})

	t.Run("UC-11 track records an occurrence and defines the event and its properties", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, &client.UsercomConfig{Attributes: []client.UsercomAttributeSpec{
			{ContentType: "event", Name: "amount", Type: "number"},
		}})
		at := time.Date(2024, 5, 2, 9, 30, 0, 0, time.UTC)
		res := a.Send(client.Track("u1", "Order Completed", map[string]any{"amount": "42.50", "currency": "PLN", "items": 3}).At(at))
		if !contains(res.Actions, `defined event "Order Completed"`) {
			t.Fatalf("actions %v", res.Actions)
		}
		evs, err := a.uc.Events(ctx, client.Query{"name": "Order Completed"})
		if err != nil || len(evs) != 1 || !slices.Equal(evs[0].Properties, []string{"amount", "currency", "items"}) || evs[0].Occurrences != 1 {
			t.Fatalf("event definition: %+v, %v", evs, err)
		}
		if at, _ := a.attribute("event", "items"); at.Type != "string" || at.Origin != "auto" {
			t.Fatalf("items defined as %+v", at)
		}
		occ, err := a.uc.Occurrences(ctx, client.Query{"event": "Order Completed", "user_id": "u1"})
		if err != nil || len(occ) != 1 {
			t.Fatalf("occurrences: %+v, %v", occ, err)
		}
		if p := occ[0].Properties; p["amount"] != 42.5 || p["currency"] != "PLN" || p["items"] != "3" || !occ[0].Timestamp.Equal(at) {
			t.Fatalf("occurrence: %+v", occ[0])
		}
		// A second occurrence: the definition is reused, a value that does
		// not convert is ignored and logged, the rest recorded.
		res = a.Send(client.Track("u1", "Order Completed", map[string]any{"amount": "abc", "coupon": "SPRING"}))
		if !contains(res.Warnings, `"abc" cannot be converted to number`) || contains(res.Actions, `defined event "`) {
			t.Fatalf("second track: actions %v warnings %v", res.Actions, res.Warnings)
		}
		occ, _ = a.uc.Occurrences(ctx, client.Query{"event": "Order Completed"})
		if len(occ) != 2 || occ[1].Properties["coupon"] != "SPRING" || occ[1].Properties["amount"] != nil {
			t.Fatalf("occurrences: %+v", occ)
		}
		if u := a.user("u1"); len(u.Events) != 2 || u.Events[0].Event != "Order Completed" {
			t.Fatalf("user events: %+v", u.Events)
		}
		if evs, _ := a.uc.Events(ctx, nil); len(evs) != 1 || evs[0].Occurrences != 2 || !slices.Contains(evs[0].Properties, "coupon") {
			t.Fatalf("events: %+v", evs)
		}
	})

	t.Run("UC-12 group creates or updates the company and adds the member", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, &client.UsercomConfig{Attributes: []client.UsercomAttributeSpec{
			{ContentType: "company", Name: "mrr", Type: "number"},
		}})
		a.Send(client.Group("u1", "acme", map[string]any{
			"name": "Acme", "Description": "Anvils", "email": "hi@acme.test", "employees": "120", "phone": "+1 555",
			"address": map[string]any{"country": "US", "state": "CA", "city": "Palo Alto"},
			"mrr":     "990", "industry": "Tools",
		}))
		a.Send(client.Group("u2", "acme", map[string]any{"mrr": "lots", "name": "Acme Inc."}))
		a.Send(client.Group("u1", "acme", nil)) // no duplicate membership
		c, err := a.uc.Company(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "Acme Inc." || c.Description != "Anvils" || c.Email != "hi@acme.test" || c.Phone != "+1 555" ||
			c.Employees == nil || *c.Employees != 120 || c.Country != "US" || c.Region != "CA" || c.City != "Palo Alto" {
			t.Fatalf("company: %+v", c.UsercomCompany)
		}
		if c.Attributes["mrr"] != 990.0 || c.Attributes["industry"] != "Tools" {
			t.Fatalf("company attributes: %#v", c.Attributes)
		}
		if len(c.Members) != 2 || c.Members[0].UserID != "u1" || c.Members[1].UserID != "u2" {
			t.Fatalf("members: %+v", c.Members)
		}
		if u := a.user("u2"); !slices.Equal(u.Companies, []string{"acme"}) {
			t.Fatalf("u2 companies: %v", u.Companies)
		}
		if at, _ := a.attribute("company", "industry"); at.Type != "string" {
			t.Fatalf("industry: %+v", at)
		}
		if cs, err := a.uc.Companies(ctx, client.Query{"member": "u2"}); err != nil || len(cs) != 1 {
			t.Fatalf("companies of u2: %+v, %v", cs, err)
		}
		if _, err := a.uc.Company(ctx, "nope"); client.StatusOf(err) != http.StatusNotFound {
			t.Fatalf("unknown company: %v", err)
		}
	})

	t.Run("EN-1 audience membership as a trait", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, &client.UsercomConfig{Attributes: []client.UsercomAttributeSpec{
			{ContentType: "user", Name: "high_value_users", Type: "boolean"},
		}})
		a.Send(client.Identify("u1", map[string]any{"order_completed_last_30days": true, "high_value_users": true}))
		u := a.user("u1")
		if u.Attributes["order_completed_last_30days"] != "true" || u.Attributes["high_value_users"] != true {
			t.Fatalf("joined: %#v", u.Attributes)
		}
		a.Send(client.Identify("u1", map[string]any{"order_completed_last_30days": false, "high_value_users": false}))
		u = a.user("u1")
		if u.Attributes["order_completed_last_30days"] != "false" || u.Attributes["high_value_users"] != false {
			t.Fatalf("left: %#v", u.Attributes)
		}
	})

	t.Run("G-15 integrations names User.com and UserEngage", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, nil)
		for _, name := range []string{"User.com", "UserEngage"} {
			m := client.Identify("u1", nil)
			m.Integrations = map[string]any{name: false}
			if res := a.Send(m); !contains(res.Warnings, "would not have delivered") {
				t.Errorf("%s: false gave warnings %v", name, res.Warnings)
			}
			m.Integrations = map[string]any{"All": false, name: true}
			if res := a.Send(m); len(res.Warnings) != 0 {
				t.Errorf("%s: true gave warnings %v", name, res.Warnings)
			}
		}
	})

	t.Run("control plane: bad filters and config are 400s naming the field", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, nil)
		_, err := a.uc.Users(ctx, client.Query{"emial": "x"})
		testkit.ExpectError(t, err, http.StatusBadRequest, `"emial"`)
		_, err = a.uc.Attributes(ctx, client.Query{"content": "user"})
		testkit.ExpectError(t, err, http.StatusBadRequest, `"content"`)
		_, err = a.Client.CreateAccount(ctx, "usercom", client.AccountSpec{ID: "bad",
			Config: client.UsercomConfig{Attributes: []client.UsercomAttributeSpec{{ContentType: "person", Name: "x", Type: "string"}}}})
		testkit.ExpectError(t, err, http.StatusBadRequest, "content_type")
	})
}

// fullContext is a browser's context as analytics.js sends it.
func fullContext(ua string) map[string]any {
	return map[string]any{
		"userAgent": ua,
		"os":        map[string]any{"name": "Windows", "version": "10"},
		"device":    map[string]any{"name": "Surface", "model": "Surface Pro 9", "type": "desktop", "manufacturer": "Microsoft"},
		"locale":    "pl-PL",
		"screen":    map[string]any{"width": 1920, "height": 1080, "density": 2},
		"ip":        "203.0.113.7",
		"timezone":  "Europe/Warsaw",
		"page":      map[string]any{"url": "https://example.com/pricing", "path": "/pricing", "title": "Pricing"},
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
