package promoter_test

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata (wire.golden, state.golden)")

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
	send := tr.Sender(c, "promoter", 3*time.Minute)
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

// stateStart is the frozen clock of TestStateWireGolden.
var stateStart = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// TestStateWireGolden freezes what Promoter answers about contacts,
// surveys and contact lists, and how a snapshot writes them, byte for byte
// (go test -update rewrites testdata/state.golden): identifies that create,
// rename and re-address contacts (PR-2..PR-4, EN-1); tracks that survey
// them through campaigns with a delivery delay, a throttle and a reminder,
// or are refused one by the 24-hour rule (PR-6..PR-12), read as the clock
// moves them from scheduled to delivered and reminded; responses recorded
// and refused; contact lists joined and read; the daily limit reached,
// raised and reset by the date (PR-13); every list, lookup, filter and
// page of contacts, surveys and lists; the snapshot exported, imported,
// exported again and added to; a hand-written snapshot (times in UTC
// offsets, ids of its own and ahead of the sequences, a survey of a
// contact and a campaign that are not there, a list naming a member twice)
// imported and added to; and states the import refuses.
func TestStateWireGolden(t *testing.T) {
	t.Parallel()
	s := testkit.Start(t, testkit.WithFrozenClock(stateStart))
	c := s.Client()
	limit := 40
	testkit.Must(c.CreateAccount(ctx, "promoter", client.AccountSpec{ID: "acme", Keys: []client.KeySpec{{Value: "k-acme"}},
		Config: client.PromoterConfig{DailyLimit: &limit,
			ContactLists: []client.PromoterContactListSpec{{ID: "buyers", Name: "Buyers"}},
			Campaigns: []client.PromoterCampaignSpec{
				{ID: "post", Name: "Post purchase", TriggerEvent: "Order Completed", ContactList: "buyers",
					DeliveryDelayDays: 2, ThrottleDays: 10, ReminderDays: 3, Activate: true},
				{ID: "welcome", Name: "Welcome", TriggerEvent: "Signed Up", Activate: true},
				{ID: "later", Name: "Later", TriggerEvent: "Upgraded"}}}}))(t)
	tiny := 3
	testkit.Must(c.CreateAccount(ctx, "promoter", client.AccountSpec{ID: "tiny", Keys: []client.KeySpec{{Value: "k-tiny"}},
		Config: client.PromoterConfig{DailyLimit: &tiny}}))(t)
	tr := testkit.NewTranscript(t, s.URL())
	send := tr.Sender(c, "promoter", 7*time.Minute)
	acme := func(m client.Message) { send("k-acme", m) }
	advance := func(d time.Duration) { testkit.Must(c.AdvanceClock(ctx, d))(t) }
	respond := func(acct, survey, body string) {
		tr.Record(http.MethodPost, "/_emulator/promoter/accounts/"+acct+"/surveys/"+survey+"/response", []byte(body))
	}
	reads := func(acct string, contacts, surveys []string) {
		base := "/_emulator/promoter/accounts/" + acct
		for _, q := range []string{"", "?limit=2&offset=1", "?offset=100", "?email=u1@example.com", "?email=U1@EXAMPLE.COM",
			"?email=old@example.com", "?email=nobody@example.com", "?list=buyers", "?list=segment-list", "?list=", "?list=nope",
			"?list=buyers&email=u2@example.com", "?list=buyers&limit=1&offset=1", "?name=x"} {
			tr.Get(base + "/contacts" + q)
		}
		for _, u := range contacts {
			tr.Get(base + "/contacts/" + u)
		}
		for _, q := range []string{"", "?limit=2&offset=1", "?offset=100", "?contact=u1", "?contact=u2&limit=1", "?contact=", "?contact=nobody",
			"?campaign=post", "?campaign=welcome&contact=u3", "?status=scheduled", "?status=delivered", "?status=reminded", "?status=responded",
			"?status=sent", "?from=2026-03-02T10:30:00Z&to=2026-03-03T00:00:00Z", "?from=yesterday"} {
			tr.Get(base + "/surveys" + q)
		}
		for _, id := range surveys {
			tr.Get(base + "/surveys/" + id)
		}
		for _, p := range []string{"/contact-lists", "/contact-lists?limit=1&offset=1", "/contact-lists/buyers", "/contact-lists/segment-list",
			"/contact-lists/nope", "/campaigns", "/campaigns?status=active", "/campaigns/post", "/daily-limit"} {
			tr.Get(base + p)
		}
	}
	acmeContacts := []string{"u1", "u2", "u3", "u4", "a-only", "nobody"}
	acmeSurveys := []string{"srv_1", "srv_2", "srv_3", "srv_4", "srv_5", "srv_6", "srv_7", "nope"}

	acme(client.Identify("u1", map[string]any{"email": "old@example.com", "name": "Uma  Lee Ray", "plan": "pro"}))
	acme(client.Identify("", map[string]any{"email": "anon@example.com"}).Anonymous("a-only")) // not stored
	acme(client.Identify("u2", map[string]any{"firstName": "Bo"}))                             // no email: refused
	acme(client.Identify("u2", map[string]any{"email": "u2@example.com", "first_name": "Bo", "last_name": "Di", "audience": true}))
	acme(client.Identify("u1", map[string]any{"email": "u1@example.com", "Plan": "team", "firstName": "Uma"}))
	acme(client.Track("u1", "Order Completed", map[string]any{"total": 30}))
	acme(client.Track("u1", "Signed Up", nil))       // within a day of u1's survey
	acme(client.Track("u9", "Order Completed", nil)) // never identified
	acme(client.Track("", "Order Completed", nil).Anonymous("a-only"))
	acme(client.Track("u2", "Signed Up", nil))
	acme(client.Track("u2", "Upgraded", nil)) // a draft campaign
	acme(client.Identify("u3", map[string]any{"email": "u3@example.com", "name": "Cy"}))
	acme(client.Track("u3", "Order Completed", nil))
	respond("acme", "srv_1", `{"score":9}`) // not delivered yet
	reads("acme", acmeContacts, acmeSurveys)
	advance(2 * 24 * time.Hour)
	acme(client.Track("u2", "Order Completed", nil)) // two days after its welcome survey
	acme(client.Track("u1", "Order Completed", nil)) // throttled
	acme(client.Track("u3", "Signed Up", nil))       // within a day of u3's delayed survey
	respond("acme", "srv_1", `{"score":9,"comment":"great <b>"}`)
	respond("acme", "srv_1", `{"score":3}`) // already answered
	respond("acme", "srv_3", `{"score":11}`)
	respond("acme", "srv_3", `{}`)
	respond("acme", "nope", `{"score":1}`)
	advance(4 * 24 * time.Hour)
	respond("acme", "srv_3", `{"score":0}`)                                // after its reminder
	acme(client.Identify("u4", map[string]any{"email": "u1@example.com"})) // shares u1's email
	acme(client.Track("u4", "Signed Up", nil))
	acme(client.Identify("u1", map[string]any{"email": "new@example.com", "plan": nil}))
	acme(client.Track("u1", "Signed Up", nil))
	reads("acme", acmeContacts, acmeSurveys)

	tinyReads := func() {
		tr.Get("/_emulator/promoter/accounts/tiny/daily-limit")
		tr.Get("/_emulator/promoter/accounts/tiny/contacts")
	}
	for i := range 4 {
		send("k-tiny", client.Identify(fmt.Sprintf("t%d", i), map[string]any{"email": fmt.Sprintf("t%d@example.com", i)}))
	}
	tinyReads()
	tr.Record(http.MethodPut, "/_emulator/promoter/accounts/tiny/daily-limit", []byte(`{"limit":5}`))
	send("k-tiny", client.Identify("t4", map[string]any{"email": "t4@example.com"}))
	tr.Record(http.MethodPut, "/_emulator/promoter/accounts/tiny/daily-limit", []byte(`{"limit":-1}`))
	tr.Record(http.MethodPut, "/_emulator/promoter/accounts/tiny/daily-limit", []byte(`{}`))
	tinyReads()
	advance(24 * time.Hour)
	send("k-tiny", client.Identify("t5", map[string]any{"email": "t5@example.com"}))
	tinyReads()

	tr.Record(http.MethodPost, "/_emulator/promoter/accounts/acme/contact-lists", []byte(`{"name":"VIP"}`))
	tr.Record(http.MethodPost, "/_emulator/promoter/accounts/acme/campaigns", []byte(`{"name":"VIP NPS","triggerEvent":"VIP","contactList":"list_1","reminderDays":1,"activate":true}`))
	acme(client.Track("u3", "VIP", nil))
	acme(client.Track("u2", "VIP", nil))

	all := func() {
		reads("acme", acmeContacts, acmeSurveys)
		tinyReads()
	}
	all()
	snap := tr.Get("/_emulator/snapshot")
	tr.Put("/_emulator/snapshot", snap)
	if again := tr.Get("/_emulator/snapshot"); !bytes.Equal(again, snap) {
		t.Error("the snapshot changed through an import")
	}
	all()
	acme(client.Track("u4", "Order Completed", nil))
	acme(client.Track("u3", "Order Completed", nil)) // throttled across the import
	respond("acme", "srv_7", `{"score":5}`)
	acme(client.Identify("u5", map[string]any{"email": "u5@example.com"}))
	acme(client.Track("u5", "VIP", nil))
	advance(3 * 24 * time.Hour)
	all()
	tr.Get("/_emulator/promoter/accounts/acme/surveys/srv_8")
	tr.Get("/_emulator/promoter/accounts/acme/surveys/srv_9")
	tr.Get("/_emulator/snapshot")

	tr.Put("/_emulator/snapshot", []byte(handWrittenState))
	tr.Get("/_emulator/snapshot")
	hwContacts := []string{"h1", "h2", "ghost"}
	hwSurveys := []string{"srv_9", "mine", "srv_2", "srv_10"}
	reads("hw", hwContacts, hwSurveys)
	send("k-hw", client.Track("h1", "Order Completed", nil)) // within a day of srv_9's delivery
	send("k-hw", client.Track("h2", "Order Completed", nil))
	advance(2 * 24 * time.Hour)
	send("k-hw", client.Track("h1", "Order Completed", nil))
	tr.Record(http.MethodPost, "/_emulator/promoter/accounts/hw/contact-lists", []byte(`{"name":"Next"}`))
	respond("hw", "mine", `{"score":4}`)
	reads("hw", hwContacts, hwSurveys)
	tr.Get("/_emulator/snapshot")

	for _, state := range badStates {
		tr.Record(http.MethodPut, "/_emulator/snapshot", []byte(`{"version":1,"namespaces":[{"name":"default","accounts":[`+
			`{"destination":"promoter","id":"other","state":`+state+`}]}]}`))
	}
	tr.Get("/_emulator/promoter/accounts/hw/surveys") // unchanged by the refused imports
	tr.Check("testdata/state.golden", *update)
}

// handWrittenState is a snapshot as a person might write it: times in
// zones of their own, a survey id of its own and generated ids ahead of
// the sequence, a survey of a contact and of a campaign that are not
// there, a response, a list naming a member twice and one not a contact,
// fields left out.
var handWrittenState = strings.ReplaceAll(`{"version":1,"namespaces":[{"name":"default","clock":{"frozen":true,"now":"2026-03-02T10:00:00Z"},"accounts":[
 {"destination":"promoter","id":"hw","created":"2026-03-01T00:00:00Z","keys":[{"value":"k-hw"}],
  "state":{"contacts":{
    "h1":{"email":"h1@example.com","firstName":"Hal","attributes":{ "z" : 1.50, "a" : [ 1e3, "x" ] },"createdAt":"2026-03-01T08:00:00+01:00","updatedAt":"2026-03-01T08:00:00.5-05:30"},
    "h2":{"userId":"other","email":"H2@Example.com","updatedAt":"2026-03-01T09:00:00Z"}},
   "contactLists":[
    {"id":"segment-list","name":"Segment List","createdAt":"2026-03-01T00:00:00+02:00","contacts":["h1","ghost","h1"]},
    {"id":"list_4","name":"Four","contacts":null}],
   "campaigns":[{"id":"cmp_2","name":"NPS","triggerEvent":"Order Completed","contactList":"segment-list","distribution":"instant",
     "emailTemplate":"default","reminderDays":2,"deliveryDelayDays":0,"throttleDays":1,"status":"ready","createdAt":"2026-03-01T00:00:00Z"}],
   "surveys":[
    {"id":"srv_9","campaign":"cmp_2","contact":"h1","email":"h1@example.com","triggeredAt":"2026-03-02T09:00:00+01:00","scheduledFor":"2026-03-02T09:00:00+01:00","reminderDays":2},
    {"id":"mine","campaign":"gone","contact":"ghost","email":"ghost@example.com","triggeredAt":"2026-03-01T09:00:00.123456789Z","scheduledFor":"2026-03-01T21:00:00-03:00"},
    {"id":"srv_2","campaign":"cmp_2","contact":"h2","email":"","triggeredAt":"0001-01-01T00:00:00Z","scheduledFor":"2026-02-01T00:00:00Z","reminderDays":1,
     "response":{"score":10,"comment":"ok","respondedAt":"2026-02-02T00:00:00+04:00"}}],
   "dailyLimit":100,"daily":{"2026-03-02":5},"seq":{"survey":3,"list":1}}}]}]}`, "\n", "")

// badStates are Promoter states the snapshot import refuses, each with a
// message naming what is wrong.
var badStates = []string{
	`{"surveys":[null]}`,
	`{"surveys":[{"id":"a"},{"id":"a"}]}`,
	`{"surveys":[{"id":"a","triggeredAt":"soon"}]}`,
	`{"surveys":{}}`,
	`{"contactLists":[null]}`,
	`{"contactLists":[{"id":"l","name":"L"},{"id":"l","name":"M"}]}`,
	`{"contactLists":[{"id":"l","contacts":[1]}]}`,
	`{"contacts":{"u1":null}}`,
	`{"contacts":{"u1":{"createdAt":5}}}`,
	`{"contacts":[]}`,
}
