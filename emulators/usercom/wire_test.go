package usercom_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenStart is the frozen clock of TestWireGolden.
var goldenStart = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// TestWireGolden freezes what User.com answers about event occurrences and
// page views, and how a snapshot writes them, byte for byte (go test
// -update rewrites testdata/wire.golden): every webhook answer of tracks
// and pages (of identified and anonymous users, properties converted to
// defined types, pages that take their path, title or fields from the
// context) sent on a frozen clock, the oldest dropped by retention (by
// count across both lists, and by age); the occurrences and page views
// lists read through every filter and page, with the users, user details
// and event definitions; the snapshot exported, imported, exported again
// and added to; a hand-written snapshot (ids with gaps, times in UTC
// offsets, properties not in compact form) imported and added to; a state
// whose occurrence names no user refused; apps without events in both
// snapshots.
func TestWireGolden(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.WithFrozenClock(goldenStart), testkit.WithConfig(func(c *server.Config) {
		c.Retention = emulators.Retention{Events: 10, MaxAge: time.Hour}
	}))
	c := s.Client()
	testkit.Must(c.CreateAccount(ctx, "usercom", client.AccountSpec{ID: "app", Keys: []client.KeySpec{{Value: "k-app"}},
		Config: client.UsercomConfig{Attributes: []client.UsercomAttributeSpec{{ContentType: "event", Name: "seats", Type: "number"}}}}))(t)
	testkit.Must(c.CreateAccount(ctx, "usercom", client.AccountSpec{ID: "beta", Keys: []client.KeySpec{{Value: "k-beta"}}}))(t)
	testkit.Must(c.CreateAccount(ctx, "usercom", client.AccountSpec{ID: "quiet"}))(t) // never stores an event
	props := testkit.WireProperties()
	tr := testkit.NewTranscript(t, s.URL())
	send := tr.Sender(c, "usercom", 3*time.Minute)
	app := func(m client.Message) { send("k-app", m) }
	// at is an event time n minutes after the start, for messages that
	// would otherwise carry the real time.
	at := func(minutes int) time.Time { return goldenStart.Add(time.Duration(minutes) * time.Minute) }
	reads := func(acct string) {
		base := "/_emulator/usercom/accounts/" + acct
		for _, q := range []string{"", "?limit=3&offset=2", "?offset=100", "?user=1", "?user=2&limit=1&offset=1", "?user=99", "?user=x",
			"?event=Order%20Completed", "?event=Order%20Completed&user=1", "?user_id=u1", "?anonymous_id=a1", "?message_id=m-2",
			"?properties.plan=pro", "?properties.seats=3", "?properties.nope=1", "?from=2026-03-02T09:00:00Z&to=2026-03-02T10:30:00Z",
			"?from=yesterday", "?mail=x"} {
			tr.Get(base + "/occurrences" + q)
		}
		for _, q := range []string{"", "?limit=2&offset=1", "?offset=100", "?user=1", "?user=2&limit=1&offset=1", "?user=99", "?user=x",
			"?url=https://example.com/pricing", "?path=/pricing", "?title=Docs", "?name=Home", "?user_id=u1", "?anonymous_id=a1",
			"?message_id=m-3", "?from=2026-03-02T09:00:00Z&to=2026-03-02T10:30:00Z", "?mail=x"} {
			tr.Get(base + "/page-views" + q)
		}
		for _, p := range []string{"/users", "/users/u1", "/users/a1", "/users/2", "/users/3", "/users/99", "/events"} {
			tr.Get(base + p)
		}
	}

	app(client.Identify("u1", map[string]any{"email": "u1@example.com", "firstName": "Uma"}))
	app(client.Track("u1", "Order Completed", props[1]).At(at(1)))
	app(client.Page("u1", "Pricing", map[string]any{"url": "https://example.com/pricing", "title": "Pricing <b>"}).At(at(2)))
	app(client.Track("u1", "Order Completed", props[2]).At(goldenStart.Add(-5 * time.Hour)))
	app(client.Page("", "Home", nil).Anonymous("a1").At(at(4)).WithContext(map[string]any{"page": map[string]any{"url": "https://example.com/?q=1", "path": "/", "title": "Home page"}}))
	app(client.Track("", "Viewed <b>", props[3]).Anonymous("a1").At(at(5)))
	app(client.Track("u2", "Signed Up", map[string]any{"seats": "7", "plan": "free"}).At(at(6)))
	app(client.Page("u2", "Docs", map[string]any{"url": "https://example.com/docs/start"}).At(at(7))) // path from the URL, title from the name
	app(client.Page("u1", "", nil).At(at(-30)))                                                       // older than last_seen
	reads("app")                                                                                      // every event still held
	for i := range 6 {
		u := fmt.Sprintf("u%d", 1+i%3)
		if i%2 == 0 {
			app(client.Track(u, "Order Completed", props[i%4]).At(at(60 * i)))
		} else {
			app(client.Page(u, "Pricing", map[string]any{"url": "https://example.com/pricing", "path": "/pricing"}).At(at(60 * i)))
		}
	}
	send("k-beta", client.Track("b1", "Order Completed", props[1]).At(at(1)))
	send("k-beta", client.Page("", "Anon", nil).Anonymous("b-anon").At(at(2)))
	reads("app") // the oldest dropped by count
	testkit.Must(c.AdvanceClock(ctx, 4*time.Hour))(t)
	app(client.Track("u3", "Late", props[2]).At(at(300)))
	all := func() {
		reads("app") // those over an hour old dropped too
		reads("beta")
		tr.Get("/_emulator/usercom/accounts/quiet/occurrences")
		tr.Get("/_emulator/usercom/accounts/quiet/page-views")
	}
	all()
	snap := tr.Get("/_emulator/snapshot")
	tr.Put("/_emulator/snapshot", snap)
	if again := tr.Get("/_emulator/snapshot"); !bytes.Equal(again, snap) {
		t.Error("the snapshot changed through an import")
	}
	all()
	app(client.Track("u1", "After import", props[2]).At(at(301)))
	app(client.Page("u3", "After import", map[string]any{"url": "https://example.com/after"}).At(at(302)))
	all()
	tr.Get("/_emulator/snapshot")

	tr.Put("/_emulator/snapshot", []byte(handWritten))
	tr.Get("/_emulator/snapshot")
	reads("hw")
	send("k-hw", client.Track("h1", "After load", props[1]).At(at(10)))
	send("k-hw", client.Page("h1", "After load", nil).At(at(11)))
	reads("hw")
	tr.Get("/_emulator/snapshot")
	tr.Record(http.MethodPut, "/_emulator/snapshot", []byte(`{"version":1,"namespaces":[{"name":"default","accounts":[`+
		`{"destination":"usercom","id":"other","state":{"users":[{"id":1}],"occurrences":[{"id":1,"user":1},{"id":2,"user":2}]}}]}]}`))
	tr.Get("/_emulator/usercom/accounts/hw/occurrences") // unchanged by the refused import
	tr.Check("testdata/wire.golden", *update)
}

// handWritten is a snapshot as a person might write it: occurrences and
// page views with ids that leave gaps, times in zones of their own,
// properties spaced and unsorted, fields left out; apps with empty and
// null lists of events.
const handWritten = `{"version":1,"namespaces":[{"name":"default","clock":{"frozen":true,"now":"2026-03-02T10:00:00Z"},"accounts":[
 {"destination":"usercom","id":"hw","created":"2026-03-01T00:00:00Z","keys":[{"value":"k-hw"}],
  "state":{"users":[{"id":1,"user_id":"h1","companies":[]},{"id":2,"anonymous_id":"ha"}],
   "events":[{"name":"A <page>","properties":["z"]}],
   "occurrences":[
    {"id":4,"event":"A <page>","user":1,"user_id":"h1","properties":{ "z" : 1.50, "a" : [ 1e3, "x" ] },"timestamp":"2026-03-02T12:00:00.123+02:00"},
    {"id":9,"event":"B","user":2,"anonymous_id":"ha","message_id":"m\u00e9-9","properties":null,"timestamp":"2026-03-02T09:45:00Z"}],
   "page_views":[
    {"id":3,"user":2,"anonymous_id":"ha","url":"https://example.com/a","path":"/a","title":"A","timestamp":"2026-03-02T09:30:00.5-05:30"},
    {"id":7,"user":1,"timestamp":"2026-03-02T09:59:59Z"}]}},
 {"destination":"usercom","id":"hw-empty","state":{"occurrences":[],"page_views":[]}},
 {"destination":"usercom","id":"hw-null","state":{"occurrences":null,"page_views":null}}]}]}`

// usersGoldenStart is the frozen clock of TestUsersWireGolden.
var usersGoldenStart = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// TestUsersWireGolden freezes what User.com answers about users and
// companies, and how a snapshot writes them, byte for byte (go test
// -update rewrites testdata/users.golden): identify, page, track and group
// answers sent on a frozen clock (traits of every kind, a full context,
// users found by userId or anonymousId, an anonymousId carried by two
// users, a user that learns its anonymousId, fields and attributes that
// change and move the lookups); the users list through every filter, the
// lookups and paging, each user by userId, anonymousId and id, and the
// companies; the snapshot exported, imported, exported again and added
// to; a hand-written snapshot imported and added to; states the import
// refuses.
func TestUsersWireGolden(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.WithFrozenClock(usersGoldenStart))
	c := s.Client()
	testkit.Must(c.CreateAccount(ctx, "usercom", client.AccountSpec{ID: "app", Keys: []client.KeySpec{{Value: "k-app"}},
		Config: client.UsercomConfig{Attributes: []client.UsercomAttributeSpec{
			{ContentType: "user", Name: "logins", Type: "number"}, {ContentType: "user", Name: "newsletter", Type: "boolean"},
			{ContentType: "user", Name: "birthday", Type: "date"}, {ContentType: "company", Name: "founded", Type: "number"}}}}))(t)
	testkit.Must(c.CreateAccount(ctx, "usercom", client.AccountSpec{ID: "beta", Keys: []client.KeySpec{{Value: "k-beta"}}}))(t)
	testkit.Must(c.CreateAccount(ctx, "usercom", client.AccountSpec{ID: "quiet"}))(t) // never has a user
	props := testkit.WireProperties()
	tr := testkit.NewTranscript(t, s.URL())
	send := tr.Sender(c, "usercom", 3*time.Minute)
	app := func(m client.Message) { send("k-app", m) }
	at := func(minutes int) time.Time { return usersGoldenStart.Add(time.Duration(minutes) * time.Minute) }
	reads := func(acct string, users ...string) {
		base := "/_emulator/usercom/accounts/" + acct
		for _, q := range []string{"", "?limit=2&offset=1", "?offset=100", "?limit=1",
			"?user_id=u1", "?user_id=nobody", "?anonymous_id=a1", "?anonymous_id=shared", "?email=ada@example.com", "?email=old@example.com",
			"?first_name=Ada", "?first_name=Ada&limit=1&offset=1", "?last_name=Lovelace", "?phone=%2B44%2020%207946%200000",
			"?gender=female", "?country=UK", "?region=England", "?city=London", "?os=Windows", "?device_type=desktop", "?language=pl-PL",
			"?timezone=Europe/Warsaw", "?browser_family=Chrome", "?browser_version=127.0", "?company=acme", "?company=nope",
			"?attributes.plan=pro", "?attributes.logins=42", "?attributes.newsletter=true", "?attributes.birthday=1815-12-10",
			"?attributes.nested=%7B%22a%22:1%7D", "?attributes.nope=1", "?attributes.plan=", "?email=", "?user_id=u1&email=ada@example.com",
			"?user_id=u1&email=b@example.com", "?first_name=Ada&last_name=Byron", "?from=2026-03-02T10:05:00Z&to=2026-03-02T10:20:00Z",
			"?from=yesterday", "?mail=x"} {
			tr.Get(base + "/users" + q)
		}
		for _, u := range users {
			tr.Get(base + "/users/" + u)
		}
		for _, q := range []string{"", "?member=u1", "?member=a1", "?member=nobody", "?name=Acme", "?attributes.founded=1999"} {
			tr.Get(base + "/companies" + q)
		}
		for _, g := range []string{"acme", "initech", "nope"} {
			tr.Get(base + "/companies/" + g)
		}
		tr.Get(base + "/attributes")
	}

	full := map[string]any{
		"userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.127 Safari/537.36",
		"os":        map[string]any{"name": "Windows", "version": "10"},
		"device":    map[string]any{"name": "Surface", "model": "Surface Pro 9", "type": "desktop"},
		"locale":    "pl-PL", "screen": map[string]any{"width": 1920, "height": 1080}, "ip": "203.0.113.7",
		"timezone": "Europe/Warsaw", "page": map[string]any{"url": "https://example.com/pricing <b>"},
	}
	app(client.Identify("u1", map[string]any{
		"email": " ada@example.com ", "firstName": "Ada", "lastName": "Lovelace", "phone": "+44 20 7946 0000", "gender": "female",
		"address": map[string]any{"city": "London", "state": "England", "country": "UK"}, "plan": "pro", "logins": "42",
		"newsletter": 1, "birthday": "1815-12-10T08:00:00+01:00", "nested": map[string]any{"a": 1}, "html": "<b>Tom & Jerry</b>",
		"unicode": "café \u2028 ☕", "big": json.Number("12345678901234567890"), "nothing": nil, "bad_logins": true,
	}).WithContext(full))
	app(client.Page("u1", "Pricing", map[string]any{"url": "https://example.com/pricing"}).At(at(2)))
	app(client.Track("u1", "Order Completed", props[1]).At(at(3)))
	app(client.Page("u1", "Old", nil).At(at(-30))) // older than last_seen
	app(client.Identify("", map[string]any{"firstName": "Ada", "lastName": "Byron", "logins": "x"}).Anonymous("a1").
		WithContext(map[string]any{"userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:127.0) Gecko/20100101 Firefox/127.0",
			"device": map[string]any{"model": "MacBook"}, "region": "ignored"}))
	app(client.Track("", "Viewed", props[2]).Anonymous("a1"))
	app(client.Group("u1", "acme", map[string]any{"name": "Acme", "employees": "120", "founded": 1999, "industry": "tools",
		"address": map[string]any{"city": "Berlin", "country": "DE"}}))
	app(client.Group("", "acme", nil).Anonymous("a1"))
	app(client.Group("u1", "initech", map[string]any{"name": "Initech", "employees": "many"}))
	app(client.Group("u1", "acme", map[string]any{"description": "Tools"})) // already a member
	// An anonymousId stays with the first user that carried it: u2 carries
	// "shared" too, and a call with only "shared" finds the anonymous user.
	app(client.Page("", "Home", nil).Anonymous("shared").At(at(20)))
	app(client.Identify("u2", map[string]any{"email": "b@example.com", "firstName": "Ada"}).Anonymous("shared"))
	app(client.Track("", "Shared", props[3]).Anonymous("shared").At(at(21)))
	// u3 has no anonymousId until a call brings one that a later user
	// already carries.
	app(client.Identify("u3", map[string]any{"email": "c@example.com"}))
	app(client.Track("", "Late", nil).Anonymous("late"))
	app(client.Track("u3", "Learns", nil).Anonymous("late"))
	app(client.Track("", "Who", nil).Anonymous("late"))
	// u1 changes: its old email and last name no longer find it.
	app(client.Identify("u1", map[string]any{"email": "ada@example.com", "lastName": "King", "plan": "enterprise", "logins": 43, "newsletter": "false"}).
		WithContext(map[string]any{"timezone": "Europe/London", "ip": "198.51.100.1"}))
	app(client.Identify("u1", map[string]any{"lastName": "Lovelace", "plan": "pro", "logins": 42}))
	app(client.Identify("", map[string]any{"email": "old@example.com"}).Anonymous("a1"))
	app(client.Identify("", map[string]any{"email": "new@example.com"}).Anonymous("a1"))
	send("k-beta", client.Identify("b1", map[string]any{"email": "ada@example.com", "plan": "pro"}).Anonymous("a1"))
	send("k-beta", client.Page("", "Beta", nil).Anonymous("b-anon").At(at(5)))
	appUsers := []string{"u1", "a1", "u2", "shared", "u3", "late", "1", "2", "7", "99", "0", "x"}
	all := func() {
		reads("app", appUsers...)
		reads("beta", "b1", "a1", "b-anon", "2")
		tr.Get("/_emulator/usercom/accounts/quiet/users")
		tr.Get("/_emulator/usercom/accounts/quiet/users/1")
	}
	all()
	snap := tr.Get("/_emulator/snapshot")
	tr.Put("/_emulator/snapshot", snap)
	if again := tr.Get("/_emulator/snapshot"); !bytes.Equal(again, snap) {
		t.Error("the snapshot changed through an import")
	}
	all()
	app(client.Identify("u1", map[string]any{"email": "ada2@example.com", "plan": "free"}))
	app(client.Page("", "After import", nil).Anonymous("late").At(at(300)))
	app(client.Track("u9", "New after import", nil).Anonymous("a9"))
	app(client.Group("u9", "acme", nil))
	all()
	tr.Get("/_emulator/snapshot")

	tr.Put("/_emulator/snapshot", []byte(usersHandWritten))
	tr.Get("/_emulator/snapshot")
	hw := []string{"h1", "ha", "hb", "1", "2", "3"}
	reads("hw", hw...)
	send("k-hw", client.Identify("h1", map[string]any{"email": "h1@example.com", "plan": "pro"}).Anonymous("ha"))
	send("k-hw", client.Page("", "After load", nil).Anonymous("hb").At(at(10)))
	send("k-hw", client.Group("h1", "hc", nil))
	reads("hw", hw...)
	tr.Get("/_emulator/snapshot")
	for _, state := range usersBadStates {
		tr.Record(http.MethodPut, "/_emulator/snapshot", []byte(`{"version":1,"namespaces":[{"name":"default","accounts":[`+
			`{"destination":"usercom","id":"other","state":`+state+`}]}]}`))
	}
	tr.Get("/_emulator/usercom/accounts/hw/users") // unchanged by the refused imports
	tr.Check("testdata/users.golden", *update)
}

// usersHandWritten is a snapshot as a person might write it: users with
// fields left out (no companies, no attributes, null attributes), times in
// zones of their own, attributes spaced and unsorted, a last_seen, two
// users carrying one anonymousId, a company with members.
const usersHandWritten = `{"version":1,"namespaces":[{"name":"default","clock":{"frozen":true,"now":"2026-03-02T10:00:00Z"},"accounts":[
 {"destination":"usercom","id":"hw","created":"2026-03-01T00:00:00Z","keys":[{"value":"k-hw"}],
  "state":{"attributes":[{"content_type":"user","name":"plan","type":"string","origin":"auto"}],
   "users":[
    {"id":1,"user_id":"h1","email":"H1@Example.com","first_name":"Hal","companies":["hc"],"attributes":{ "z" : 1.50, "plan" : "free", "a" : [ 1e3, "x" ] },
     "page_views":3,"last_seen":"2026-03-02T12:00:00.123+02:00","created_at":"2026-03-01T08:00:00+01:00","updated_at":"2026-03-01T09:00:00Z"},
    {"id":2,"anonymous_id":"ha","attributes":null},
    {"id":3,"user_id":"h3","anonymous_id":"ha","city":"Paris","browser_family":"Chrome","companies":[]}],
   "companies":[{"id":1,"group_id":"hc","name":"HC","member_ids":[1],"attributes":{"founded":1999}}]}}]}]}`

// usersBadStates are User.com states the snapshot import refuses, each
// with a message naming what is wrong.
var usersBadStates = []string{
	`{"users":[{"id":2}]}`,
	`{"users":[null]}`,
	`{"users":[{"id":1},{"id":1}]}`,
	`{"users":[{"id":1,"email":7}]}`,
	`{"users":{}}`,
	`{"users":[{"id":1,"attributes":[1]}]}`,
	`{"users":[{"id":1,"last_seen":"soon"}]}`,
	`{"users":[{"id":1}],"companies":[{"id":1,"group_id":"g","member_ids":[2]}]}`,
}

// TestSnapshotWhileUsersChange exports snapshots while users are created
// and changed (run it with -race): every export imports into another
// server, where each user reads back with the id it was listed with and
// page_views never ahead of the page views stored for it.
func TestSnapshotWhileUsersChange(t *testing.T) {
	t.Parallel()
	s, other := testkit.Start(t), testkit.Start(t).Client()
	c := s.Client()
	testkit.Must(c.CreateAccount(ctx, "usercom", client.AccountSpec{ID: "app", Keys: []client.KeySpec{{Value: "k"}}}))(t)
	done := make(chan error)
	go func() {
		var err error
		for i := 0; err == nil && i < 200; i++ {
			u := fmt.Sprintf("u-%d", i%9)
			for _, m := range []client.Message{
				client.Identify(u, map[string]any{"email": fmt.Sprintf("%s-%d@example.com", u, i), "plan": []string{"pro", "free"}[i%2]}).
					Anonymous(fmt.Sprintf("a-%d", i)).WithContext(map[string]any{"timezone": fmt.Sprintf("Zone/%d", i%5)}),
				client.Page(u, "Home", nil),
				client.Group(u, fmt.Sprintf("g-%d", i%4), nil),
			} {
				if err == nil {
					_, err = c.Send(ctx, "usercom", "k", nil, m)
				}
			}
		}
		done <- err
	}()
	testkit.RestoreWhile(t, c, other, done, func() {
		acct := other.Usercom("app")
		for _, u := range testkit.Must(acct.Users(ctx, nil))(t) {
			d := testkit.Must(acct.User(ctx, strconv.FormatInt(u.ID, 10)))(t)
			if d.UserID != u.UserID || int64(len(d.PageViewLog)) != u.PageViews {
				t.Fatalf("user %d (%s): read back as %s with %d page views, listed with %d", u.ID, u.UserID, d.UserID, len(d.PageViewLog), u.PageViews)
			}
		}
	})
}
