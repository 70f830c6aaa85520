package connect_test

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"slices"
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

// TestWireGolden freezes what the control plane answers about users and
// their events, and how a snapshot writes them, byte for byte (go test
// -update rewrites testdata/wire.golden): events sent through the webhook
// on a frozen clock to users that are then renamed and merged by aliases
// (CN-8), the oldest dropped by retention (by count and by age), read
// through every list, filter and page, the users and the events views
// (CN-10); the snapshot exported, imported, exported again and added to;
// an environment reset; a hand-written snapshot (ids with gaps, times in
// UTC offsets, properties not in compact form, a null event) imported and
// added to; and state documents the snapshot import refuses.
func TestWireGolden(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.WithFrozenClock(goldenStart), testkit.WithConfig(func(c *server.Config) {
		c.Retention = emulators.Retention{Events: 12, MaxAge: time.Hour}
	}))
	c := s.Client()
	testkit.Must(c.CreateConnectEnvironment(ctx, "prod", client.ConnectConfig{Environment: "production", PublicAPIKey: "pub",
		Users: []client.ConnectUser{{ID: "s1", Email: "seed@example.com", APNS: []string{"t-s1"}, Aliases: []string{"sa"},
			Attributes: map[string]any{"plan": "pro"}}}}, client.KeySpec{Value: "k-prod"}))(t)
	testkit.Must(c.CreateConnectEnvironment(ctx, "dev", client.ConnectConfig{}, client.KeySpec{Value: "k-dev"}))(t)
	props := testkit.WireProperties()
	tr := testkit.NewTranscript(t, s.URL())
	reads := func(env string, users []string) {
		base := "/_emulator/connect/accounts/" + env
		tr.Get(base + "/environment")
		for _, q := range []string{"", "?limit=1&offset=1", "?email=u1@example.com", "?alias=a3", "?apns=t-a1", "?first_name=Ann", "?alias=nobody", "?mail=x"} {
			tr.Get(base + "/users" + q)
		}
		for _, u := range users {
			tr.Get(base + "/users/" + u)
		}
		for _, q := range []string{"", "?limit=3&offset=2", "?offset=100", "?userId=u1", "?userId=a3", "?userId=u1&limit=2&offset=1",
			"?userId=nobody", "?name=Order%20Completed", "?type=page", "?type=screen", "?search=ORDER", "?search=segment&userId=u1",
			"?search=nothing", "?from=2026-03-02T09:00:00Z&to=2026-03-02T12:00:00Z", "?from=yesterday", "?mail=x"} {
			tr.Get(base + "/events" + q)
		}
		for _, q := range []string{"", "?search=PAGE", "?name=Seeded"} {
			tr.Get(base + "/event-counts" + q)
		}
	}
	n := 0
	send := func(key string, m client.Message) {
		t.Helper()
		testkit.Must(c.Send(ctx, "connect", key, nil, m.WithID(fmt.Sprintf("m-%d", n))))(t)
		testkit.Must(c.AdvanceClock(ctx, 3*time.Minute+time.Duration(n)))(t)
		n++
	}
	prod := func(m client.Message) { send("k-prod", m) }
	prod(withDevice(client.Identify("", map[string]any{"email": "ann@example.com", "name": "Ann Lee", "big": json.Number("12345678901234567890")}).Anonymous("a1"),
		map[string]any{"type": "ios", "token": "t-a1"}))
	prod(client.Track("", "Viewed <b>", props[2]).Anonymous("a1"))
	prod(client.Page("", "Pricing", props[1]).Anonymous("a1"))
	prod(client.Identify("u1", map[string]any{"email": "u1@example.com", "firstName": "Uma"}))
	prod(client.Track("u1", "Signed Up", nil))
	prod(client.Screen("", "Home", props[3]).Anonymous("a1"))
	prod(client.Track("u1", "Order Completed", props[2]).At(goldenStart.Add(-5 * time.Hour)))
	prod(client.Alias("u1", "a1")) // both exist: merged
	prod(client.Track("", "After alias", nil).Anonymous("a1"))
	prod(client.Alias("u2", "a2")) // neither exists
	prod(client.Track("", "Anon two", props[1]).Anonymous("a2"))
	prod(client.Track("", "Three", nil).Anonymous("a3"))
	prod(client.Page("", "", nil).Anonymous("a3"))
	prod(client.Alias("u3", "a3")) // no u3: a3 renamed
	prod(client.Track("u3", "Renamed", props[1]))
	prod(client.Alias("u1", "u3")) // both exist: merged
	prod(client.Track("", "Via old alias", nil).Anonymous("a3"))
	prod(client.Track("sa", "Seeded", props[3]))
	prodUsers := []string{"u1", "a1", "a3", "u2", "a2", "s1", "sa", "nobody"}
	reads("prod", prodUsers) // every event still held
	for i := range 6 {
		prod(client.Track(fmt.Sprintf("u%d", 1+i%3), "Order Completed", props[i%4]).At(goldenStart.Add(time.Duration(i) * time.Hour)))
	}
	send("k-dev", client.Track("d1", "Order Completed", props[1]))
	send("k-dev", client.Screen("d1", "", nil))

	all := func() {
		reads("prod", prodUsers)
		reads("dev", []string{"d1"})
	}
	all()
	snap := tr.Get("/_emulator/snapshot")
	tr.Put("/_emulator/snapshot", snap)
	if again := tr.Get("/_emulator/snapshot"); string(again) != string(snap) {
		t.Error("the snapshot changed through an import")
	}
	all()
	prod(client.Track("a2", "After import", props[2]))
	prod(client.Alias("u1", "u2")) // merged after an import
	prod(client.Track("u4", "New user", nil))
	all()
	tr.Get("/_emulator/snapshot")
	tr.Record(http.MethodPost, "/_emulator/connect/accounts/dev/reset", nil)
	send("k-dev", client.Track("d2", "After reset", nil))
	reads("dev", []string{"d1", "d2"})

	tr.Put("/_emulator/snapshot", []byte(handWritten))
	tr.Get("/_emulator/snapshot")
	send("k-hw", client.Track("ha", "After load", nil))
	send("k-hw", client.Alias("h2", "h1")) // h1's events move to h2
	reads("hw", []string{"h1", "h2", "h3", "ha"})
	tr.Get("/_emulator/snapshot")

	importState := func(state string) {
		tr.Record(http.MethodPut, "/_emulator/snapshot", []byte(`{"version":1,"namespaces":[{"name":"default","accounts":[`+
			`{"destination":"connect","id":"other","state":`+state+`}]}]}`))
	}
	for _, state := range badStates {
		importState(state)
	}
	tr.Get("/_emulator/connect/accounts/hw/events") // unchanged by the refused imports
	importState("null")                             // an empty environment
	tr.Get("/_emulator/connect/accounts/other/environment")
	tr.Get("/_emulator/connect/accounts/other/events")
	tr.Check("testdata/wire.golden", *update)
}

// handWritten is a snapshot as a person might write it: event ids with
// gaps and a lastEventId behind them, times in zones of their own,
// properties spaced and unsorted, a null event, events null, fields left
// out or in another casing, an unknown field, a user given twice (the
// second wins, as encoding/json reads it).
const handWritten = `{"version":1,"namespaces":[{"name":"default","clock":{"frozen":true,"now":"2026-03-02T10:00:00Z"},"accounts":[
 {"destination":"connect","id":"hw","created":"2026-03-01T00:00:00Z","keys":[{"value":"k-hw"}],
  "state":{"environment":"staging","LastEventId":4,"users":{
   "h3":{"id":"h3","events":[{"id":6,"name":"Replaced"}]},
   "h1":{"id":"h1","email":"h1@example.com","aliases":["ha"],"attributes":{ "b" : 2, "a" : [ 1e3, "x" ] },"events":[
    {"id":3,"name":"A <page>","type":"page","properties":{ "z" : 1.50, "a" : [ 1e3, "x" ] },"timestamp":"2026-03-01T12:00:00.123+02:00","receivedAt":"2026-03-02T09:30:00.5-05:30"},
    {"id":7,"name":"B","type":"track","properties":null,"timestamp":"0001-01-01T00:00:00Z","receivedAt":"2026-03-02T09:45:00Z","messageId":"m\u00e9-7","extra":1}]},
   "h2":{"id":"h2","events":null,"createdAt":"2026-03-01T08:00:00+01:00"},
   "h3":{"id":"h3","First_Name":"Hal","events":[null,{"id":5,"name":"A <page>","type":"page","receivedAt":"2026-03-02T09:59:59Z"}]}}}}]}]}`

// badStates are Connect states the snapshot import refuses, each with a
// message naming what is wrong.
var badStates = []string{
	`{"users":{"u1":{"id":"u1","events":[{"id":"x"}]}}}`,
	`{"users":{"u1":{"id":"u1","events":{}}}}`,
	`{"users":{"u1":{"id":"u1","events":[1]}}}`,
	`{"users":{"u1":{"id":"u1","events":[{"id":1,"timestamp":"soon"}]}}}`,
	`{"users":{"u1":{"id":"u1","events":[{"id":1,"receivedAt":5}]}}}`,
	`{"users":{"u1":{"id":"u1","events":[{"id":1,"properties":[1]}]}}}`,
	`{"users":{"u1":{"id":"u2"}}}`,
	`{"users":{"u1":null}}`,
	`{"users":{"u1":{"id":"u1","apns":"x"}}}`,
	`{"users":{"u1":{"id":"u1","aliases":["u2"]},"u2":{"id":"u2"}}}`,
	`{"users":{"u1":"x"}}`,
	`{"users":{"u1":{"id":"u1","events":[{"id":1.5}]}}}`,
	`{"users":{"u1":{"id":"u1","events":[{"id":1,"name":7}]}}}`,
	`{"users":[]}`,
	`{"users":7}`,
	`{"lastEventId":"x"}`,
	`{"users":{"u1":{"id":"u1","events":[{"id":1}]}},"environment":7}`,
	`[]`,
	`{"users":{"u1":{"id":"u1","apns":"x"},"u2":{"id":"u2","events":[{"timestamp":"soon"}]}}}`,
	`{"users":{"u1":{"id":"u1","apns":"x"},"u2":{"id":"u2","events":[{"id":"x"}]}}}`,
	`{"lastEventId":"x","users":{"u2":{"id":"u2","events":[{"timestamp":"soon"}]}}}`,
}

// TestSnapshotWhileEventsMove exports snapshots while events arrive, aliases
// merge users (moving their events) and retention drops the oldest (run it
// with -race): every export imports into another server, where each
// user's events are in id order and the events view lists each event once.
func TestSnapshotWhileEventsMove(t *testing.T) {
	t.Parallel()
	small := testkit.WithConfig(func(c *server.Config) { c.Retention.Events = 40 })
	s, other := testkit.Start(t, small), testkit.Start(t, small).Client()
	c := s.Client()
	testkit.Must(c.CreateConnectEnvironment(ctx, "prod", client.ConnectConfig{}, client.KeySpec{Value: "k"}))(t)
	done := make(chan error)
	go func() {
		var err error
		for i := 0; err == nil && i < 300; i++ {
			anon := fmt.Sprintf("a-%d", i)
			_, err = c.Send(ctx, "connect", "k", nil, client.Track("", "Viewed", nil).Anonymous(anon))
			if err == nil {
				_, err = c.Send(ctx, "connect", "k", nil, client.Track(fmt.Sprintf("u-%d", i%7), "Clicked", nil))
			}
			if err == nil && i%2 == 0 {
				_, err = c.Send(ctx, "connect", "k", nil, client.Alias(fmt.Sprintf("u-%d", i%7), anon))
			}
		}
		done <- err
	}()
	testkit.RestoreWhile(t, c, other, done, func() {
		acct := other.Connect("prod")
		seen := map[int64]bool{}
		for _, ev := range testkit.Must(acct.Events(ctx, nil))(t) {
			if seen[ev.ID] {
				t.Fatalf("event %d listed twice", ev.ID)
			}
			seen[ev.ID] = true
		}
		for _, u := range testkit.Must(acct.Users(ctx, nil))(t) {
			evs := testkit.Must(acct.User(ctx, u.ID))(t).Events
			if !slices.IsSortedFunc(evs, func(a, b client.ConnectEvent) int { return cmp.Compare(a.ID, b.ID) }) || len(evs) != u.EventCount {
				t.Fatalf("user %s: %d events out of order or miscounted (%d)", u.ID, len(evs), u.EventCount)
			}
		}
	})
}
