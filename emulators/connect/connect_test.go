package connect_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"reflect"
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

// t0 is where the tests that move time freeze their namespace clock.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// env is one Connect environment in a namespace of its own: the testkit
// fixture (Account is the environment's id, Key its private key), with the
// environment's client and the reads the tests repeat.
type env struct {
	*testkit.Fixture
	t    *testing.T
	acct *client.ConnectAccount
}

// newEnv creates an isolated namespace and one environment in it.
func newEnv(t *testing.T, id string, config client.ConnectConfig) *env {
	t.Helper()
	e := &env{Fixture: testkit.NewEmptyFixture(t, srv, "connect"), t: t}
	e.addEnv(id, config)
	return e
}

// addEnv creates another environment in e's namespace and points e at it
// (a copy of e keeps pointing at the one before).
func (e *env) addEnv(id string, config client.ConnectConfig) {
	e.t.Helper()
	key := e.Client.NamespaceName() + "-" + id
	testkit.Must(e.Client.CreateConnectEnvironment(ctx, id, config, client.KeySpec{Value: key}))(e.t)
	e.Fixture = e.WithKey(key)
	e.Account, e.acct = id, e.Client.Connect(id)
}

// sendWith sends m with settings in X-Segment-Settings and fails the test
// unless it is answered 200.
func (e *env) sendWith(settings map[string]any, m client.Message) *client.Result {
	e.t.Helper()
	f := *e.Fixture
	f.Settings = settings
	return f.Send(m)
}

func (e *env) user(id string) *client.ConnectUser {
	e.t.Helper()
	return testkit.Must(e.acct.User(ctx, id))(e.t)
}

func (e *env) users(q client.Query) []client.ConnectUser {
	e.t.Helper()
	return testkit.Must(e.acct.Users(ctx, q))(e.t)
}

func (e *env) events(q client.Query) []client.ConnectEvent {
	e.t.Helper()
	return testkit.Must(e.acct.Events(ctx, q))(e.t)
}

func (e *env) counts(q client.Query) []client.ConnectEventCount {
	e.t.Helper()
	return testkit.Must(e.acct.EventCounts(ctx, q))(e.t)
}

func eventNames(evs []client.ConnectEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Name
	}
	return out
}

func userIDs(us []client.ConnectUser) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

func warned(ws []string, part string) bool {
	return slices.ContainsFunc(ws, func(w string) bool { return strings.Contains(w, part) })
}

func withDevice(m client.Message, device map[string]any) client.Message {
	return m.WithContext(map[string]any{"device": device})
}

func TestConnect(t *testing.T) {
	t.Parallel()
	t.Run("CN-1 accepted calls, page and screen as track events, group 501", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		e.Send(client.Identify("u1", map[string]any{"email": "a@b.c"}))
		e.Send(client.Track("u1", "Signed Up", nil))
		e.Send(client.Page("u1", "Pricing", map[string]any{"url": "https://x.test/pricing"}))
		e.Send(client.Page("u1", "", nil))
		e.Send(client.Screen("u1", "Home", nil))
		e.Send(client.Screen("u1", "", nil))
		e.Send(client.Alias("u2", "u1"))

		want := []string{"Signed Up", "[Segment Page] Pricing", "[Segment Page]", "[Segment Screen] Home", "[Segment Screen]"}
		if got := eventNames(e.events(nil)); !reflect.DeepEqual(got, want) {
			t.Errorf("event names = %q, want %q", got, want)
		}
		if got := e.events(client.Query{"type": "page"}); len(got) != 2 || got[0].Properties["url"] != "https://x.test/pricing" {
			t.Errorf("page events = %+v, want 2 with the page's properties", got)
		}

		_, err := e.Client.Send(ctx, "connect", e.Key, nil, client.Group("u2", "g1", map[string]any{"name": "Initech"}))
		if client.StatusOf(err) != http.StatusNotImplemented {
			t.Fatalf("group: err = %v, want 501", err)
		}
		if got := e.user("u2").EventCount; got != 5 {
			t.Errorf("after group: %d events, want 5 (group stores nothing)", got)
		}
	})

	t.Run("CN-2 users keyed by userId else anonymousId", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		e.Send(client.Identify("", map[string]any{"email": "anon@b.c"}).Anonymous("a1"))
		e.Send(client.Identify("u1", map[string]any{"email": "one@b.c"}))
		both := client.Identify("u2", map[string]any{"email": "two@b.c"})
		both.AnonymousID = "a2"
		e.Send(both)
		e.Send(client.Identify("u1", map[string]any{"email": "one-again@b.c"}))

		if got, want := userIDs(e.users(nil)), []string{"a1", "u1", "u2"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("users = %q, want %q (a2 is not a user of its own)", got, want)
		}
		if got := e.user("a1").Email; got != "anon@b.c" {
			t.Errorf("a1 email = %q", got)
		}
		if got := e.user("u1").Email; got != "one-again@b.c" {
			t.Errorf("u1 email = %q, want the update", got)
		}
	})

	t.Run("CN-3 name split into first and last name", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		for _, tc := range []struct {
			user        string
			traits      map[string]any
			first, last string
		}{
			{"two", map[string]any{"name": "Michael Bolton"}, "Michael", "Bolton"},
			{"one", map[string]any{"name": "Cher"}, "Cher", ""},
			{"three", map[string]any{"name": "Ludwig van Beethoven"}, "Ludwig", "van Beethoven"},
			{"spaces", map[string]any{"name": "  Samir   Nagheenanajar "}, "Samir", "Nagheenanajar"},
			{"explicit", map[string]any{"name": "Michael Bolton", "firstName": "Mike", "last_name": "Bolt"}, "Mike", "Bolt"},
			{"explicit-first-only", map[string]any{"name": "Michael Bolton", "FirstName": "Mike"}, "Mike", "Bolton"},
			{"no-name", map[string]any{"first_name": "Peter", "LastName": "Gibbons"}, "Peter", "Gibbons"},
		} {
			e.Send(client.Identify(tc.user, tc.traits))
			u := e.user(tc.user)
			if u.FirstName != tc.first || u.LastName != tc.last {
				t.Errorf("%s: first/last = %q/%q, want %q/%q", tc.user, u.FirstName, u.LastName, tc.first, tc.last)
			}
			if _, ok := u.Attributes["name"]; ok {
				t.Errorf("%s: name kept as an attribute too", tc.user)
			}
		}
		// A later one-word name replaces the whole name (decision).
		e.Send(client.Identify("two", map[string]any{"name": "Bob"}))
		if u := e.user("two"); u.FirstName != "Bob" || u.LastName != "" {
			t.Errorf("renamed: %q/%q, want Bob/\"\"", u.FirstName, u.LastName)
		}
	})

	t.Run("CN-4 email and phone number", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		e.Send(client.Identify("u1", map[string]any{"email": "mbolton@initech.com", "phone": "1234567890"}))
		e.Send(client.Identify("u2", map[string]any{"Email": "s@initech.com", "PHONE": 5551234}))
		if u := e.user("u1"); u.Email != "mbolton@initech.com" || u.PhoneNumber != "1234567890" {
			t.Errorf("u1 email/phone = %q/%q", u.Email, u.PhoneNumber)
		}
		u := e.user("u2")
		if u.Email != "s@initech.com" || u.PhoneNumber != "5551234" {
			t.Errorf("u2 email/phone = %q/%q (any casing, a numeric phone as text)", u.Email, u.PhoneNumber)
		}
		if len(u.Attributes) != 0 {
			t.Errorf("u2 attributes = %v, want none", u.Attributes)
		}
		if got := e.users(client.Query{"phone_number": "1234567890"}); len(got) != 1 || got[0].ID != "u1" {
			t.Errorf("users by phone_number = %q", userIDs(got))
		}
		// PR-4's rule holds everywhere: emails are stored without surrounding spaces.
		e.Send(client.Identify("u3", map[string]any{"email": " p@initech.com\t"}))
		if got := e.users(client.Query{"email": "p@initech.com"}); len(got) != 1 || got[0].ID != "u3" {
			t.Errorf("users by email = %q", userIDs(got))
		}
	})

	t.Run("CN-5 device tokens", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		for _, d := range []map[string]any{
			{"type": "ios", "token": "ios-1"},
			{"type": "iOS", "token": "ios-2"},
			{"type": "IOS", "token": "ios-1"}, // the same token again
			{"type": "android", "token": "fcm-1"},
			{"Type": "ANDROID", "Token": "fcm-2"},
			{"type": "Android", "token": "fcm-1"},
		} {
			e.Send(withDevice(client.Identify("u1", nil), d))
		}
		u := e.user("u1")
		if want := []string{"ios-1", "ios-2"}; !reflect.DeepEqual(u.APNS, want) {
			t.Errorf("apns = %q, want %q", u.APNS, want)
		}
		if want := []string{"fcm-1", "fcm-2"}; !reflect.DeepEqual(u.FCM, want) {
			t.Errorf("fcm = %q, want %q", u.FCM, want)
		}

		res := e.Send(withDevice(client.Identify("u1", nil), map[string]any{"token": "untyped"}))
		if !warned(res.Warnings, "context.device.type is missing") {
			t.Errorf("no type: warnings = %q", res.Warnings)
		}
		if ent := e.LastEntry(); ent.Status != 200 || !warned(ent.Warnings, "not stored") {
			t.Errorf("no type: request log = %d %q", ent.Status, ent.Warnings)
		}
		res = e.Send(withDevice(client.Identify("u1", nil), map[string]any{"type": "web", "token": "web-1"}))
		if !warned(res.Warnings, `"web" is neither ios nor android`) {
			t.Errorf("web type: warnings = %q", res.Warnings)
		}
		u = e.user("u1")
		if len(u.APNS) != 2 || len(u.FCM) != 2 {
			t.Errorf("after untyped tokens: apns %q fcm %q, want unchanged", u.APNS, u.FCM)
		}
		if got := e.users(client.Query{"apns": "ios-2"}); len(got) != 1 {
			t.Errorf("users by apns token = %q", userIDs(got))
		}
	})

	t.Run("CN-6 timezone only when an IANA zone name", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		for _, tc := range []struct {
			tz     string
			stored bool
		}{
			{"Europe/Stockholm", true},
			{"America/Argentina/Buenos_Aires", true},
			{"+01:00", false},
			{"PST", false},
			{"Mars/Base", false},
			{"UTC", true},    // decision: in the database (a link to Etc/UTC)
			{"Local", false}, // decision: the server's zone, not a name
			{"", false},      // decision: not a name
			{"europe/stockholm", false},
			{"posix/Europe/Stockholm", false}, // a system directory's copy, not the database
		} {
			// (user ids without '/': the router decodes %2F, see the report)
			user := "u-" + strings.ReplaceAll(tc.tz, "/", "_")
			res := e.Send(client.Identify(user, map[string]any{"timezone": tc.tz, "plan": "pro"}))
			got := e.user(user)
			if tc.stored {
				if got.Timezone != tc.tz || len(res.Warnings) != 0 {
					t.Errorf("%q: stored %q, warnings %q; want stored, no warning", tc.tz, got.Timezone, res.Warnings)
				}
				continue
			}
			if got.Timezone != "" {
				t.Errorf("%q: stored %q, want nothing", tc.tz, got.Timezone)
			}
			if got.Attributes["plan"] != "pro" {
				t.Errorf("%q: the rest of the message was not applied: %v", tc.tz, got.Attributes)
			}
			ent := e.LastEntry()
			if ent.Status != 200 || ent.Outcome != "ok" || !warned(ent.Warnings, "timezone not stored") {
				t.Errorf("%q: request log = %d %s %q, want 200 ok with a warning", tc.tz, ent.Status, ent.Outcome, ent.Warnings)
			}
		}

		// context.timezone when there is no trait; the trait wins over it.
		e.Send(client.Identify("ctx", nil).WithContext(map[string]any{"timezone": "Asia/Tokyo"}))
		if got := e.user("ctx").Timezone; got != "Asia/Tokyo" {
			t.Errorf("context.timezone: stored %q", got)
		}
		e.Send(client.Identify("ctx", map[string]any{"timeZone": "Europe/Paris"}).WithContext(map[string]any{"timezone": "Asia/Tokyo"}))
		if got := e.user("ctx").Timezone; got != "Europe/Paris" {
			t.Errorf("trait over context: stored %q", got)
		}
		res := e.Send(client.Identify("ctx", map[string]any{"timezone": "PST"}))
		if got := e.user("ctx").Timezone; got != "Europe/Paris" || !warned(res.Warnings, `"PST"`) {
			t.Errorf("a refused zone changed the stored one to %q (warnings %q)", got, res.Warnings)
		}
	})

	t.Run("CN-7 other traits are attributes with their JSON types", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		e.Send(client.Identify("u1", map[string]any{
			"email": "a@b.c", "plan": "Startup", "seats": 12, "mrr": 99.5, "trial": false,
			"address": map[string]any{"city": "Austin"}, "tags": []any{"a", 1}, "gone": "soon",
		}))
		e.Send(client.Identify("u1", map[string]any{"gone": nil, "seats": 13}))
		want := map[string]any{
			"plan": "Startup", "seats": float64(13), "mrr": 99.5, "trial": false,
			"address": map[string]any{"city": "Austin"}, "tags": []any{"a", float64(1)},
		}
		if got := e.user("u1").Attributes; !reflect.DeepEqual(got, want) {
			t.Errorf("attributes = %#v, want %#v (null removes, decision)", got, want)
		}
	})

	t.Run("CN-8 alias: only the anonymous user exists", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		e.Send(withDevice(client.Identify("", map[string]any{"email": "anon@b.c"}).Anonymous("a1"), map[string]any{"type": "ios", "token": "t1"}))
		e.Send(client.Track("", "Viewed Pricing", nil).Anonymous("a1"))
		res := e.Send(client.Alias("u1", "a1"))
		if !warned(res.Actions, "renamed user a1 to u1") {
			t.Errorf("actions = %q", res.Actions)
		}
		if got := userIDs(e.users(nil)); !reflect.DeepEqual(got, []string{"u1"}) {
			t.Fatalf("users = %q, want only u1", got)
		}
		u := e.user("u1")
		if u.Email != "anon@b.c" || !reflect.DeepEqual(u.APNS, []string{"t1"}) || len(u.Events) != 1 || !reflect.DeepEqual(u.Aliases, []string{"a1"}) {
			t.Errorf("u1 = %+v, want the anonymous user's data and alias a1", u)
		}
		// The old id keeps naming the user.
		e.Send(client.Track("", "Signed Up", nil).Anonymous("a1"))
		if got := eventNames(e.events(client.Query{"userId": "u1"})); !reflect.DeepEqual(got, []string{"Viewed Pricing", "Signed Up"}) {
			t.Errorf("u1 events = %q", got)
		}
		if got := e.user("a1").ID; got != "u1" {
			t.Errorf("user a1 resolves to %q, want u1", got)
		}
	})

	t.Run("CN-8 alias: both exist, merged, identified values win", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		e.Send(withDevice(client.Identify("", map[string]any{
			"name": "Anon Ymous", "email": "anon@b.c", "phone": "111", "plan": "free", "source": "ad",
		}).Anonymous("a1"), map[string]any{"type": "android", "token": "shared"}))
		e.Send(client.Track("", "Viewed Pricing", nil).Anonymous("a1"))
		e.Send(withDevice(client.Identify("u1", map[string]any{
			"email": "u1@b.c", "plan": "pro", "timezone": "Europe/Stockholm",
		}), map[string]any{"type": "android", "token": "own"}))
		e.Send(withDevice(client.Identify("u1", nil), map[string]any{"type": "android", "token": "shared"}))
		e.Send(client.Track("u1", "Signed Up", nil))
		e.Send(client.Track("", "Viewed Docs", nil).Anonymous("a1"))

		res := e.Send(client.Alias("u1", "a1"))
		if !warned(res.Actions, "merged user a1 into u1") {
			t.Errorf("actions = %q", res.Actions)
		}
		if got := userIDs(e.users(nil)); !reflect.DeepEqual(got, []string{"u1"}) {
			t.Fatalf("users = %q, want only u1", got)
		}
		u := e.user("u1")
		if u.Email != "u1@b.c" || u.Attributes["plan"] != "pro" || u.Timezone != "Europe/Stockholm" {
			t.Errorf("identified values lost: email %q plan %v tz %q", u.Email, u.Attributes["plan"], u.Timezone)
		}
		if u.FirstName != "Anon" || u.PhoneNumber != "111" || u.Attributes["source"] != "ad" {
			t.Errorf("what only the anonymous user had is lost: %q %q %v", u.FirstName, u.PhoneNumber, u.Attributes)
		}
		if want := []string{"own", "shared"}; !reflect.DeepEqual(u.FCM, want) {
			t.Errorf("fcm = %q, want %q", u.FCM, want)
		}
		if got, want := eventNames(u.Events), []string{"Viewed Pricing", "Signed Up", "Viewed Docs"}; !reflect.DeepEqual(got, want) {
			t.Errorf("events = %q, want both users' in arrival order %q", got, want)
		}
		if c := e.counts(client.Query{"name": "Viewed Pricing"}); len(c) != 1 || c[0].Total != 1 {
			t.Errorf("events view after merge = %+v", c)
		}
	})

	t.Run("CN-8 alias: neither exists", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		res := e.Send(client.Alias("u1", "a1"))
		if res.Status != "ok" || !warned(res.Actions, "neither was known") {
			t.Errorf("answer = %s %q", res.Status, res.Actions)
		}
		u := e.user("u1")
		if !reflect.DeepEqual(u.Aliases, []string{"a1"}) || len(u.Events) != 0 {
			t.Errorf("u1 = %+v, want an empty user that remembers alias a1", u)
		}
		// The anonymous messages that arrive late land on u1 (decision).
		e.Send(client.Identify("", map[string]any{"email": "late@b.c"}).Anonymous("a1"))
		if got := userIDs(e.users(nil)); !reflect.DeepEqual(got, []string{"u1"}) {
			t.Fatalf("users = %q, want only u1", got)
		}
		if got := e.user("u1").Email; got != "late@b.c" {
			t.Errorf("u1 email = %q", got)
		}
		if got := e.users(client.Query{"alias": "a1"}); len(got) != 1 {
			t.Errorf("users by alias = %q", userIDs(got))
		}
		// An alias that is already in place is a no-op.
		if res := e.Send(client.Alias("u1", "a1")); res.Status != "ignored" {
			t.Errorf("repeated alias: %s", res.Status)
		}
	})

	t.Run("CN-9 track stores the event, creating the user", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		e.Freeze(t0)
		at := t0.Add(-time.Hour)
		e.Send(client.Track("u9", "Signed Up", map[string]any{"plan": "Startup", "source": "Analytics Academy", "n": 2}).At(at).WithID("m-1"))
		u := e.user("u9")
		if len(u.Events) != 1 {
			t.Fatalf("events = %+v", u.Events)
		}
		ev := u.Events[0]
		if ev.Name != "Signed Up" || ev.Type != "track" || !ev.Timestamp.Equal(at) || !ev.ReceivedAt.Equal(t0) || ev.MessageID != "m-1" {
			t.Errorf("event = %+v", ev)
		}
		if !reflect.DeepEqual(ev.Properties, map[string]any{"plan": "Startup", "source": "Analytics Academy", "n": float64(2)}) {
			t.Errorf("properties = %v", ev.Properties)
		}
		if got := e.events(client.Query{"userId": "u9", "name": "Signed Up"}); len(got) != 1 || got[0].UserID != "u9" {
			t.Errorf("events list = %+v", got)
		}
	})

	t.Run("CN-10 the events view is searchable by a part of the name, in any casing", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		e.Freeze(t0)
		for _, name := range []string{"Signed Up", "Sign Out", "Order Completed", "Straße Visited"} {
			e.Send(client.Track("u1", name, nil))
		}
		e.Send(client.Track("u1", "Signed Up", nil))
		names := func(q client.Query) []string {
			var out []string
			for _, c := range e.counts(q) {
				out = append(out, fmt.Sprintf("%s:%d", c.Name, c.Last24h))
			}
			return out
		}
		if got := names(client.Query{"search": "SIGN"}); !slices.Equal(got, []string{"Sign Out:1", "Signed Up:2"}) {
			t.Errorf("search SIGN: %v", got)
		}
		if got := names(client.Query{"search": "straße"}); !slices.Equal(got, []string{"Straße Visited:1"}) {
			t.Errorf("search straße: %v", got)
		}
		if got := names(client.Query{"search": "nothing"}); len(got) != 0 {
			t.Errorf("search nothing: %v", got)
		}
		if evs, err := e.acct.Events(ctx, client.Query{"search": "completed"}); err != nil || len(evs) != 1 || evs[0].Name != "Order Completed" {
			t.Errorf("events?search=completed: %+v, %v", evs, err)
		}
	})

	t.Run("CN-10 events view over the last 24 hours", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		e.Freeze(t0)
		e.Send(client.Track("u1", "Signed Up", nil))
		e.Advance(time.Hour)
		e.Send(client.Track("u2", "Signed Up", nil).At(t0.Add(-72 * time.Hour))) // counted by receipt, not event time
		e.Send(client.Page("u1", "Home", nil))

		want := []client.ConnectEventCount{
			{Name: "Signed Up", Last24h: 2, Total: 2, LastReceivedAt: t0.Add(time.Hour)},
			{Name: "[Segment Page] Home", Last24h: 1, Total: 1, LastReceivedAt: t0.Add(time.Hour)},
		}
		if got := e.counts(nil); !reflect.DeepEqual(got, want) {
			t.Fatalf("view = %+v, want %+v", got, want)
		}

		// The first Signed Up is 24h minus 1s old: still in the window.
		e.Advance(23*time.Hour - time.Second)
		if got := e.counts(client.Query{"name": "Signed Up"}); len(got) != 1 || got[0].Last24h != 2 {
			t.Errorf("24h-1s: %+v, want 2", got)
		}
		// Exactly 24h old: out of it.
		e.Advance(time.Second)
		if got := e.counts(client.Query{"name": "Signed Up"}); len(got) != 1 || got[0].Last24h != 1 || got[0].Total != 2 {
			t.Errorf("24h: %+v, want 1 in the window, 2 in all", got)
		}
		e.Advance(time.Hour)
		got := e.counts(client.Query{"name": "Signed Up"})
		if len(got) != 1 || got[0].Last24h != 0 || !got[0].LastReceivedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("25h: %+v, want none in the window, still listed with its last receipt", got)
		}
		if got := e.counts(client.Query{"name": "Never Sent"}); len(got) != 0 {
			t.Errorf("an event never received is listed: %+v", got)
		}
	})

	t.Run("CN-11 environments are separate accounts", func(t *testing.T) {
		t.Parallel()
		prod := newEnv(t, "production", client.ConnectConfig{Environment: "production"})
		dev := *prod
		dev.addEnv("development", client.ConnectConfig{Environment: "development"})
		if envs := testkit.Must(prod.Client.ConnectEnvironments(ctx))(t); len(envs) != 2 || envs[0].Keys[0].Value == envs[1].Keys[0].Value {
			t.Fatalf("environments = %+v, want two with their own keys", envs)
		}
		prod.Send(client.Identify("u1", map[string]any{"email": "prod@b.c"}))
		prod.Send(client.Track("u1", "Purchased", nil))
		dev.Send(client.Identify("u1", map[string]any{"email": "dev@b.c"}))

		if got := prod.user("u1"); got.Email != "prod@b.c" || len(got.Events) != 1 {
			t.Errorf("production u1 = %q, %d events", got.Email, len(got.Events))
		}
		if got := dev.user("u1"); got.Email != "dev@b.c" || len(got.Events) != 0 {
			t.Errorf("development u1 = %q, %d events", got.Email, len(got.Events))
		}
		if got := dev.counts(nil); len(got) != 0 {
			t.Errorf("development events view = %+v", got)
		}
		info, err := dev.acct.Environment(ctx)
		if err != nil || info.Environment != "development" || info.Users != 1 || info.Events != 0 {
			t.Errorf("development environment = %+v, %v", info, err)
		}
	})

	t.Run("EN-1 audience traits set and clear a boolean attribute", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		e.Send(client.Identify("u1", map[string]any{"high_value_users": true}))
		if got, ok := e.user("u1").Attributes["high_value_users"]; got != true || !ok {
			t.Errorf("after entering: %v", got)
		}
		e.Send(client.Identify("u1", map[string]any{"high_value_users": false}))
		if got, ok := e.user("u1").Attributes["high_value_users"]; got != false || !ok {
			t.Errorf("after leaving: %v (%v), want false", got, ok)
		}
	})

	t.Run("G-15 the names Segment uses for Connect", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		for _, name := range []string{"Zendesk Connect", "Outbound", "Connect"} {
			m := client.Track("u1", "Signed Up", nil)
			m.Integrations = map[string]any{name: false}
			if res := e.Send(m); len(res.Warnings) == 0 {
				t.Errorf("%s: false gave no warning", name)
			}
		}
	})
}

func TestConnectControlPlane(t *testing.T) {
	t.Parallel()
	t.Run("environment info and seeded users", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "prod", client.ConnectConfig{
			Environment: "production", PublicAPIKey: "pub-1",
			Users: []client.ConnectUser{{
				ID: "u1", Email: "seed@b.c", Timezone: "Europe/Stockholm", APNS: []string{"t", "t"},
				Attributes: map[string]any{"plan": "pro"}, Aliases: []string{"a1"},
			}},
		})
		info, err := e.acct.Environment(ctx)
		if err != nil || *info != (client.ConnectEnvironment{ID: "prod", Environment: "production", PublicAPIKey: "pub-1", Users: 1}) {
			t.Errorf("environment = %+v, %v", info, err)
		}
		u := e.user("a1")
		if u.ID != "u1" || u.Email != "seed@b.c" || !reflect.DeepEqual(u.APNS, []string{"t"}) || u.Attributes["plan"] != "pro" {
			t.Errorf("seeded user = %+v", u)
		}
		res := e.sendWith(map[string]any{"publicApiKey": "other"}, client.Track("a1", "Signed Up", nil))
		if !warned(res.Warnings, "publicApiKey") || res.Data["userId"] != "u1" {
			t.Errorf("mismatching public key: %+v", res)
		}
	})

	t.Run("bad configs are 400 naming the field", func(t *testing.T) {
		t.Parallel()
		c := testkit.Isolated(t, srv).Client()
		for _, tc := range []struct {
			config any
			want   string
		}{
			{map[string]any{"users": []any{map[string]any{"email": "x"}}}, "users[0].id"},
			{map[string]any{"users": []any{map[string]any{"id": "u"}, map[string]any{"id": "u"}}}, "users[1].id"},
			{map[string]any{"users": []any{map[string]any{"id": "u", "timezone": "PST"}}}, "users[0].timezone"},
			{map[string]any{"users": []any{map[string]any{"id": "u", "aliases": []string{"v"}}, map[string]any{"id": "v"}}}, `alias "v"`},
			{map[string]any{"environmnet": "x"}, "environmnet"},
		} {
			_, err := c.CreateAccount(context.Background(), "connect", client.AccountSpec{ID: "x", Config: tc.config})
			if client.StatusOf(err) != 400 || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("config %v: err = %v, want 400 naming %s", tc.config, err, tc.want)
			}
		}
	})

	t.Run("lists filter, unknown filters and ids refused", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "production", client.ConnectConfig{})
		e.Freeze(t0)
		e.Send(client.Identify("u1", map[string]any{"email": "a@b.c", "name": "Ann Lee", "timezone": "Europe/Stockholm"}))
		e.Send(client.Identify("u2", map[string]any{"email": "b@b.c", "name": "Bo Lee"}))
		e.Send(client.Track("u1", "A", nil).At(t0.Add(-2 * time.Hour)))
		e.Send(client.Track("u1", "B", nil).At(t0.Add(-time.Hour)))
		e.Send(client.Track("u2", "A", nil).At(t0))

		for q, want := range map[string][]string{
			"email=a@b.c": {"u1"}, "last_name=Lee": {"u1", "u2"}, "first_name=Bo": {"u2"},
			"timezone=Europe/Stockholm": {"u1"}, "email=none": {},
		} {
			k, v, _ := strings.Cut(q, "=")
			if got := userIDs(e.users(client.Query{k: v})); !reflect.DeepEqual(got, want) {
				t.Errorf("users %s = %q, want %q", q, got, want)
			}
		}
		if got := e.users(nil); got[0].EventCount != 2 || len(got[0].Events) != 0 {
			t.Errorf("list shows %d events, %d inline; want a count only", got[0].EventCount, len(got[0].Events))
		}
		for _, tc := range []struct {
			q    client.Query
			want []string
		}{
			{client.Query{"name": "A"}, []string{"A", "A"}},
			{client.Query{"userId": "u1"}, []string{"A", "B"}},
			{client.Query{"from": t0.Add(-time.Hour).Format(time.RFC3339)}, []string{"B", "A"}},
			{client.Query{"to": t0.Add(-time.Hour).Format(time.RFC3339)}, []string{"A"}},
			{client.Query{"userId": "nobody"}, []string{}},
		} {
			if got := eventNames(e.events(tc.q)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("events %v = %q, want %q", tc.q, got, tc.want)
			}
		}

		if _, err := e.acct.User(ctx, "nobody"); client.StatusOf(err) != 404 {
			t.Errorf("unknown user: %v, want 404", err)
		}
		if _, err := e.acct.Users(ctx, client.Query{"mail": "x"}); client.StatusOf(err) != 400 || !strings.Contains(err.Error(), "mail") {
			t.Errorf("unknown filter: %v, want 400 naming it", err)
		}
		if _, err := e.acct.Events(ctx, client.Query{"from": "yesterday"}); client.StatusOf(err) != 400 || !strings.Contains(err.Error(), "from") {
			t.Errorf("bad from: %v, want 400 naming it", err)
		}
	})
}
