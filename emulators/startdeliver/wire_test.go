package startdeliver_test

import (
	"bytes"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

var update = flag.Bool("update", false, "rewrite testdata/wire.golden")

// goldenStart is the frozen clock of TestWireGolden.
var goldenStart = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// TestWireGolden freezes what the control plane answers about usage events
// and how a snapshot writes them, byte for byte (go test -update rewrites
// testdata/wire.golden): events of both destinations sent through the
// webhook on a frozen clock, some dropped by retention, read through every
// list, user and customer view, and the snapshot exported, imported and
// exported again; then a hand-written snapshot (times with a UTC offset,
// properties not in destemu's compact form) imported and exported.
func TestWireGolden(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.WithFrozenClock(goldenStart),
		testkit.WithConfig(func(c *server.Config) { c.Retention.Events = 8 }))
	c := s.Client()
	testkit.Must(c.CreateAccount(ctx, classic, client.AccountSpec{ID: "sd", Config: externalID(),
		Settings: matchOn("externalId"), Keys: []client.KeySpec{{Value: "k-sd"}}}))(t)
	v2cfg := map[string]any{
		"customFields": []any{map[string]any{"alias": "externalId", "type": "text", "entity": "user"},
			map[string]any{"alias": "companyId", "type": "number", "entity": "customer"}},
		"segmentApp": map[string]any{"identifyEnabled": true, "startdeliverMatchingField": map[string]any{"field": "externalId", "type": "text"},
			"externalMatchingField": map[string]any{"field": "userId"}, "startdeliverCustomerField": map[string]any{"field": "companyId", "type": "number"},
			"externalCustomerField": map[string]any{"field": "traits.companyId"}},
	}
	testkit.Must(c.CreateAccount(ctx, v2, client.AccountSpec{ID: "sd2", Config: v2cfg,
		Settings: matchOn("externalId"), Keys: []client.KeySpec{{Value: "k-sd2"}}}))(t)
	props := testkit.WireProperties()
	for i := range 14 {
		user := fmt.Sprintf("u-%d", i%3)
		var m client.Message
		switch i % 3 {
		case 0:
			m = client.Track(user, fmt.Sprintf("Event <%d> & more", i), props[i%4])
		case 1:
			m = client.Page(user, "Pricing", props[i%4])
		default:
			m = client.Track(user, "Order Completed", props[i%4]).At(goldenStart.Add(-time.Duration(i) * time.Hour))
		}
		testkit.Must(c.Send(ctx, classic, "k-sd", nil, m.WithID(fmt.Sprintf("m-%d", i))))(t)
		testkit.Must(c.AdvanceClock(ctx, 1500*time.Millisecond+time.Duration(i)))(t)
	}
	for i, m := range []client.Message{
		client.Identify("e-1", map[string]any{"companyId": 7}),
		client.Screen("e-1", "Home", props[2]),
		client.Track("e-1", "Clicked", nil),
		client.Identify("e-2", map[string]any{"companyId": 7}),
		client.Page("e-2", "Docs", props[1]),
		client.Track("e-3", "Alone", props[3]),
	} {
		testkit.Must(c.Send(ctx, v2, "k-sd2", nil, m.WithID(fmt.Sprintf("v2-%d", i))))(t)
		testkit.Must(c.AdvanceClock(ctx, time.Second))(t)
	}
	tr := testkit.NewTranscript(t, s.URL())
	lists := func() {
		for _, acct := range []string{"startdeliver/accounts/sd", "startdeliver-v2/accounts/sd2"} {
			base := "/_emulator/" + acct
			for _, q := range []string{"", "?limit=2&offset=3", "?offset=100", "?userId=1", "?userId=2&limit=1&offset=1",
				"?customerId=1", "?customerId=1&userId=2", "?customerId=1&userId=3", "?userId=99", "?type=page",
				"?segmentType=screen", "?name=Pricing", "?from=2026-03-02T05:00:00Z&to=2026-03-02T09:00:00Z", "?userId=x"} {
				tr.Get(base + "/usage-events" + q)
			}
			for _, p := range []string{"/users", "/users/1", "/users/2", "/users/3", "/customers", "/customers/1"} {
				tr.Get(base + p)
			}
		}
	}
	lists()
	snap := tr.Get("/_emulator/snapshot")
	tr.Put("/_emulator/snapshot", snap)
	if again := tr.Get("/_emulator/snapshot"); !bytes.Equal(again, snap) {
		t.Error("the snapshot changed through an import")
	}
	lists()
	tr.Put("/_emulator/snapshot", []byte(handWritten))
	tr.Get("/_emulator/snapshot")
	tr.Get("/_emulator/startdeliver/accounts/hw/usage-events")
	tr.Get("/_emulator/startdeliver/accounts/hw/users/1")
	tr.Check("testdata/wire.golden", *update)
}

// handWritten is a snapshot as a person might write it: events with times
// in a zone of their own, properties spaced and unsorted, ids after three
// dropped events.
const handWritten = `{"version":1,"namespaces":[{"name":"default","clock":{"frozen":true,"now":"2026-03-02T10:00:00Z"},"accounts":[
 {"destination":"startdeliver","id":"hw","created":"2026-03-01T00:00:00Z","settings":{"startdeliverUserCustomFieldToMatchOn":"externalId"},"keys":[{"value":"k-hw"}],
  "state":{"customFields":[{"alias":"externalId","type":"text","entity":"user"}],"users":[{"id":1,"customFields":{"externalId":"h-1"}}],"customers":[],
   "usageEvents":[
    {"id":4,"type":"page","segmentType":"page","name":"A <page>","properties":{ "z" : 1.50, "a" : [ 1e3, "x" ] },"timestamp":"2026-03-01T12:00:00.123+02:00","received":"2026-03-01T10:00:00.123-05:30","userId":1},
    {"id":5,"type":"custom","segmentType":"other","name":"","properties":null,"timestamp":"0001-01-01T00:00:00Z","received":"2026-03-01T10:00:00Z","userId":1,"customerId":0,"messageId":"m\u00e9-5"}],
   "usageEventsDropped":3}}]}]}`

// TestSnapshotWhileUsersChange exports snapshots while identify calls
// change users and customers over and over (run it with -race): each
// change appends a user's record again and the records left behind are
// compacted away, and every export imports into another server with each
// user whole, its name and number from the same identify.
func TestSnapshotWhileUsersChange(t *testing.T) {
	t.Parallel()
	s, other := testkit.Start(t), testkit.Start(t).Client()
	c := s.Client()
	testkit.Must(c.CreateAccount(ctx, v2, client.AccountSpec{ID: "acme", Config: seedApp(),
		Settings: matchingID, Keys: []client.KeySpec{{Value: "k"}}}))(t)
	done := make(chan error)
	go func() {
		var err error
		for i := 0; err == nil && i < 600; i++ {
			_, err = c.Send(ctx, v2, "k", nil, client.Identify(fmt.Sprintf("u-%d", i%9), map[string]any{
				"trait1": i, "trait2": fmt.Sprintf("n-%d", i), "customerId": i % 4, "customerName": fmt.Sprintf("c-%d", i)}))
		}
		done <- err
	}()
	testkit.RestoreWhile(t, c, other, done, func() {
		acct := other.StartdeliverV2("acme")
		for _, u := range testkit.Must(acct.Users(ctx, nil))(t) {
			if n := u.CustomFields["customfieldNumber"]; u.Name != fmt.Sprintf("n-%v", n) || u.CustomerID == 0 {
				t.Fatalf("user %d is torn: %+v", u.ID, u)
			}
		}
		if cs := testkit.Must(acct.Customers(ctx, nil))(t); len(cs) > 4 {
			t.Fatalf("%d customers, want at most 4", len(cs))
		}
	})
}
