package usercom_test

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

var update = flag.Bool("update", false, "rewrite testdata/wire.golden")

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
	n := 0
	send := func(key string, m client.Message) {
		t.Helper()
		tr.Send("usercom", key, m.WithID(fmt.Sprintf("m-%d", n)))
		testkit.Must(c.AdvanceClock(ctx, 3*time.Minute+time.Duration(n)))(t)
		n++
	}
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
