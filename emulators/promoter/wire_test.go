package promoter_test

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

// TestWireGolden freezes what Promoter answers about custom events, and how
// a snapshot writes them, byte for byte (go test -update rewrites
// testdata/wire.golden): every webhook answer of tracks (of contacts, of
// users never identified, anonymous, with campaigns that survey) sent on a
// frozen clock, the oldest events dropped by retention (by count and by
// age), read through every filter and page of the custom events list; the
// snapshot exported, imported, exported again and added to; a hand-written
// snapshot (times in UTC offsets, properties not in compact form, ids
// ahead of the sequence) imported and added to; and a null event refused.
// Accounts that hold no event are in both snapshots.
func TestWireGolden(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.WithFrozenClock(goldenStart), testkit.WithConfig(func(c *server.Config) {
		c.Retention = emulators.Retention{Events: 10, MaxAge: time.Hour}
	}))
	c := s.Client()
	testkit.Must(c.CreateAccount(ctx, "promoter", client.AccountSpec{ID: "acme", Keys: []client.KeySpec{{Value: "k-acme"}},
		Config: client.PromoterConfig{Campaigns: []client.PromoterCampaignSpec{
			{ID: "nps", Name: "NPS", TriggerEvent: "Order Completed", Activate: true, ReminderDays: 2},
			{ID: "draft", Name: "Draft", TriggerEvent: "Signed Up"}}}}))(t)
	testkit.Must(c.CreateAccount(ctx, "promoter", client.AccountSpec{ID: "beta", Keys: []client.KeySpec{{Value: "k-beta"}}}))(t)
	testkit.Must(c.CreateAccount(ctx, "promoter", client.AccountSpec{ID: "quiet"}))(t) // never stores an event
	props := testkit.WireProperties()
	tr := testkit.NewTranscript(t, s.URL())
	n := 0
	send := func(key string, m client.Message) {
		t.Helper()
		tr.Send("promoter", key, m.WithID(fmt.Sprintf("m-%d", n)))
		testkit.Must(c.AdvanceClock(ctx, 3*time.Minute+time.Duration(n)))(t)
		n++
	}
	acme := func(m client.Message) { send("k-acme", m) }
	reads := func(acct string) {
		base := "/_emulator/promoter/accounts/" + acct
		for _, q := range []string{"", "?limit=3&offset=2", "?offset=100", "?userId=u1", "?userId=u2&limit=1&offset=1", "?userId=",
			"?userId=nobody", "?userId=h1", "?event=Order%20Completed", "?event=Order%20Completed&userId=u1", "?event=Signed%20Up&limit=1",
			"?from=2026-03-02T09:00:00Z&to=2026-03-02T10:30:00Z", "?from=yesterday", "?user=x", "?limit=-1"} {
			tr.Get(base + "/custom-events" + q)
		}
		for _, p := range []string{"/contacts/u1", "/surveys", "/daily-limit"} {
			tr.Get(base + p)
		}
	}

	acme(client.Identify("u1", map[string]any{"email": "u1@example.com", "firstName": "Uma"}))
	acme(client.Track("u1", "Signed Up", props[1]))
	acme(client.Track("u1", "Order Completed", props[2]).At(goldenStart.Add(-5 * time.Hour)))
	acme(client.Track("u2", "Order Completed", props[3])) // never identified
	acme(client.Track("", "Viewed <b>", props[2]).Anonymous("a1"))
	acme(client.Identify("u2", map[string]any{"email": "u2@example.com"}))
	acme(client.Track("u2", "Order Completed", nil))
	acme(client.Track("u1", "Order Completed", props[1])) // within a day of u1's survey
	reads("acme")                                         // every event still held
	for i := range 6 {
		acme(client.Track(fmt.Sprintf("u%d", 1+i%3), "Order Completed", props[i%4]).At(goldenStart.Add(time.Duration(i) * time.Hour)))
	}
	send("k-beta", client.Track("b1", "Order Completed", props[1]))
	send("k-beta", client.Track("", "Anon", nil).Anonymous("b-anon"))
	reads("acme") // the oldest dropped by count
	testkit.Must(c.AdvanceClock(ctx, 50*time.Minute))(t)
	acme(client.Track("u3", "Late", props[2]))
	all := func() {
		reads("acme") // those over an hour old dropped too
		reads("beta")
		tr.Get("/_emulator/promoter/accounts/quiet/custom-events")
	}
	all()
	snap := tr.Get("/_emulator/snapshot")
	tr.Put("/_emulator/snapshot", snap)
	if again := tr.Get("/_emulator/snapshot"); !bytes.Equal(again, snap) {
		t.Error("the snapshot changed through an import")
	}
	all()
	acme(client.Track("u1", "After import", props[2]))
	acme(client.Track("u3", "Order Completed", props[1]))
	all()
	tr.Get("/_emulator/snapshot")

	tr.Put("/_emulator/snapshot", []byte(handWritten))
	tr.Get("/_emulator/snapshot")
	reads("hw")
	send("k-hw", client.Track("h1", "After load", props[1]))
	reads("hw")
	tr.Get("/_emulator/snapshot")
	tr.Record(http.MethodPut, "/_emulator/snapshot", []byte(`{"version":1,"namespaces":[{"name":"default","accounts":[`+
		`{"destination":"promoter","id":"other","state":{"customEvents":[{"id":"evt_1"},null]}}]}]}`))
	tr.Get("/_emulator/promoter/accounts/hw/custom-events") // unchanged by the refused import
	tr.Check("testdata/wire.golden", *update)
}

// handWritten is a snapshot as a person might write it: custom events with
// times in zones of their own, properties spaced and unsorted, fields left
// out, ids ahead of the sequence (the next generated one goes past them);
// accounts with an empty and a null list of events.
const handWritten = `{"version":1,"namespaces":[{"name":"default","clock":{"frozen":true,"now":"2026-03-02T10:00:00Z"},"accounts":[
 {"destination":"promoter","id":"hw","created":"2026-03-01T00:00:00Z","keys":[{"value":"k-hw"}],
  "state":{"contacts":{"h1":{"email":"h1@example.com","createdAt":"2026-03-01T08:00:00+01:00","updatedAt":"2026-03-01T08:00:00+01:00"}},
   "customEvents":[
    {"id":"evt_7","event":"A <page>","userId":"h1","properties":{ "z" : 1.50, "a" : [ 1e3, "x" ] },"timestamp":"2026-03-01T12:00:00.123+02:00","receivedAt":"2026-03-02T09:30:00.5-05:30"},
    {"id":"evt_9","event":"B","anonymousId":"ha","messageId":"m\u00e9-9","properties":null,"timestamp":"0001-01-01T00:00:00Z","receivedAt":"2026-03-02T09:45:00Z"},
    {"id":"custom","event":"C","userId":"h1","receivedAt":"2026-03-02T09:59:59Z"}],
   "seq":{"customEvent":2}}},
 {"destination":"promoter","id":"hw-empty","state":{"customEvents":[]}},
 {"destination":"promoter","id":"hw-null","state":{"customEvents":null}}]}]}`
