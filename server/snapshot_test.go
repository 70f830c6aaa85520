package server_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
	"github.com/destemu/destemu/wire"
)

var snapT0 = time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)

// withAll runs the built-in destinations and the probe, so the round trip
// covers every destination registered in DefaultEmulators.
func withAll() testkit.Option {
	return testkit.WithEmulators(append(server.DefaultEmulators(), emulators.Register(probe{}))...)
}

// populate gives a server state of every kind a snapshot must keep: keys
// in every status and permission, applied messageIds, a provisioned
// account, a Promoter account with a campaign, contacts, a delivered and
// answered survey, custom events and its own daily limit, a frozen clock
// and a running clock ahead of real time.
func populate(t *testing.T, c *client.Client) {
	t.Helper()
	testkit.Must(c.FreezeClockAt(ctx, snapT0))(t)
	testkit.Must(c.CreateAccount(ctx, "probe", client.AccountSpec{ID: "a", Settings: regionEU, Keys: []client.KeySpec{
		{Value: "k-a"}, {Value: "k-off", Active: client.Inactive()}, {Value: "k-ro", Permission: "read"}, {Value: "k-rev"},
	}}))(t)
	testkit.Must(c.RevokeKey(ctx, "probe", "a", "k-rev"))(t)
	for i, m := range []client.Message{
		client.Identify("u1", map[string]any{"firstName": "Ada"}).WithID("m-1"),
		client.Track("u1", "Signed Up", map[string]any{"plan": "pro"}).WithID("m-2"),
	} {
		if _, err := c.Send(ctx, "probe", "k-a", nil, m); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	testkit.Must(c.Send(ctx, "probe", "fresh-key", map[string]any{"region": "us"}, client.Track("u9", "E", nil).WithID("m-9")))(t)

	t1 := c.Namespace("t1")
	testkit.Must(t1.FreezeClockAt(ctx, snapT0))(t)
	testkit.Must(t1.CreateAccount(ctx, "promoter", client.AccountSpec{ID: "acme", Keys: []client.KeySpec{{Value: "k-acme"}},
		Config: client.PromoterConfig{Campaigns: []client.PromoterCampaignSpec{
			{ID: "c1", Name: "NPS", TriggerEvent: "Signed Up", DeliveryDelayDays: 2, ReminderDays: 3, Activate: true},
		}}}))(t)
	for _, m := range []client.Message{
		client.Identify("u1", map[string]any{"email": "ada@example.com", "first_name": "Ada", "plan": "pro"}),
		client.Identify("u2", map[string]any{"email": "bob@example.com"}),
		client.Track("u1", "Signed Up", nil),
		client.Track("u2", "Viewed Pricing", map[string]any{"page": 3}),
	} {
		if _, err := t1.Send(ctx, "promoter", "k-acme", nil, m); err != nil {
			t.Fatalf("promoter %s %s: %v", m.Type, m.Event, err)
		}
	}
	testkit.Must(t1.AdvanceClock(ctx, 3*24*time.Hour))(t)
	p := t1.Promoter("acme")
	surveys := testkit.Must(p.Surveys(ctx, nil))(t)
	if len(surveys) != 1 || surveys[0].Status != "delivered" {
		t.Fatalf("surveys %+v", surveys)
	}
	testkit.Must(p.RespondSurvey(ctx, surveys[0].ID, 9, "great"))(t)
	testkit.Must(p.SetDailyLimit(ctx, 1000))(t)

	t2 := c.Namespace("t2")
	testkit.Must(t2.AdvanceClock(ctx, 90*time.Minute))(t)
	testkit.Must(t2.CreateAccount(ctx, "probe", client.AccountSpec{ID: "b", Keys: []client.KeySpec{{Value: "k-b"}}}))(t)

	populateOthers(t, c.Namespace("t3"))
}

// populateOthers gives each other built-in destination state of its own:
// Startdeliver users, customers and usage events, a Startdeliver-v2 Segment
// app configuration with a warm cache, Connect users with an alias and
// push tokens, User.com users, companies, definitions and page views.
func populateOthers(t *testing.T, c *client.Client) {
	t.Helper()
	testkit.Must(c.FreezeClockAt(ctx, snapT0))(t)
	sd := map[string]any{"startdeliverUserCustomFieldToMatchOn": "externalId"}
	fields := []map[string]any{
		{"alias": "externalId", "type": "text", "entity": "user"},
		{"alias": "customfieldMatchingId", "type": "text", "entity": "user"},
		{"alias": "customfieldCustomId", "type": "number", "entity": "customer"},
	}
	testkit.Must(c.CreateAccount(ctx, "startdeliver", client.AccountSpec{ID: "sd", Settings: sd, Keys: []client.KeySpec{{Value: "k-sd"}},
		Config: map[string]any{"customFields": fields[:1], "customers": []map[string]any{{"name": "Acme Inc"}},
			"users": []map[string]any{{"name": "Ada", "customerId": 1, "customFields": map[string]any{"externalId": "97980cfea0067"}}}}}))(t)
	testkit.Must(c.CreateAccount(ctx, "startdeliver-v2", client.AccountSpec{ID: "sd2", Settings: sd, Keys: []client.KeySpec{{Value: "k-sd2"}},
		Config: map[string]any{"customFields": fields, "segmentApp": map[string]any{
			"identifyEnabled": true, "groupEnabled": true,
			"startdeliverMatchingField": map[string]any{"field": "customfieldMatchingId", "type": "text"},
			"externalMatchingField":     map[string]any{"field": "userId"},
			"startdeliverCustomerField": map[string]any{"field": "customfieldCustomId", "type": "number"},
			"externalCustomerField":     map[string]any{"field": "traits.customerId"},
			"userMapping":               []map[string]any{{"field": "name", "externalField": "traits.name", "type": "text"}},
		}}}))(t)
	for _, s := range []struct {
		dest, key string
		m         client.Message
	}{
		{"startdeliver", "k-sd", client.Track("97980cfea0067", "Login Button Clicked", map[string]any{"button": "blue"})},
		{"startdeliver", "k-sd", client.Page("new-user", "Pricing", nil)},
		{"startdeliver-v2", "k-sd2", client.Identify("m-7", map[string]any{"name": "Bob", "customerId": 7})},
		{"startdeliver-v2", "k-sd2", client.Track("m-7", "Exported", nil)},
		{"connect", "k-cn", client.Identify("u1", map[string]any{"name": "Ada Lovelace", "email": "ada@example.com", "timezone": "Europe/London", "vip": true}).
			WithContext(map[string]any{"device": map[string]any{"token": "tok-1", "type": "ios"}})},
		{"connect", "k-cn", client.Track("u1", "Order Completed", map[string]any{"total": 12.5})},
		{"connect", "k-cn", client.Identify("", map[string]any{"plan": "free"}).Anonymous("anon-1")},
		{"connect", "k-cn", client.Alias("u1", "anon-1")},
		{"usercom", "k-uc", client.Identify("u1", map[string]any{"email": "ada@example.com", "first_name": "Ada", "score": 7})},
		{"usercom", "k-uc", client.Track("u1", "Upgraded", map[string]any{"plan": "pro"})},
		{"usercom", "k-uc", client.Page("u1", "Home", map[string]any{"url": "https://example.com/"})},
		{"usercom", "k-uc", client.Group("u1", "g1", map[string]any{"name": "Acme", "employees": 12})},
	} {
		if _, err := c.Send(ctx, s.dest, s.key, nil, s.m); err != nil {
			t.Fatalf("%s %s %s: %v", s.dest, s.m.Type, s.m.Event, err)
		}
	}
}

var accountView = regexp.MustCompile(`^/_emulator/([a-z0-9._-]+)/accounts/\{account\}(/[^{}]*)?$`)

// views reads every view the control plane has of every namespace: the
// clock, the accounts of each destination and, for each account, every
// GET route of the OpenAPI document that needs no other parameter (its
// keys and each destination's own views), as raw JSON.
func views(t *testing.T, c *client.Client) map[string]string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := c.Do(ctx, http.MethodGet, "/_emulator/openapi.json", nil, nil, &doc); err != nil {
		t.Fatal(err)
	}
	perDest := map[string][]string{}
	for p, ops := range doc.Paths {
		if m := accountView.FindStringSubmatch(p); m != nil && ops["get"] != nil {
			perDest[m[1]] = append(perDest[m[1]], m[2])
		}
	}
	out := map[string]string{}
	get := func(c *client.Client, path string) {
		t.Helper()
		var raw json.RawMessage
		if err := c.Do(ctx, http.MethodGet, path, nil, nil, &raw); err != nil {
			t.Fatalf("%s GET %s: %v", c.NamespaceName(), path, err)
		}
		out[c.NamespaceName()+" "+path] = string(raw)
	}
	for _, n := range testkit.Must(c.Namespaces(ctx))(t) {
		nc := c.Namespace(n.Name)
		// A running clock's now moves; its offset is what a snapshot keeps.
		if n.Clock.Frozen {
			out[n.Name+" clock"] = "frozen at " + n.Clock.Now.String()
		} else {
			out[n.Name+" clock"] = "running, offset " + n.Clock.Offset
		}
		for dest, suffixes := range perDest {
			get(nc, "/_emulator/"+dest+"/accounts")
			for _, a := range testkit.Must(nc.Accounts(ctx, dest))(t) {
				for _, s := range suffixes {
					get(nc, client.AccountPath(dest, a.ID)+s)
				}
			}
		}
	}
	return out
}

func diffViews(t *testing.T, want, got map[string]string) {
	t.Helper()
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if want[k] != got[k] {
			t.Errorf("%s:\n  before %s\n  after  %s", k, want[k], got[k])
		}
	}
}

// TestSnapshotRoundTrip exports, resets, imports, and finds every view of
// every namespace as it was, and the state behaving as it did.
func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	c := testkit.Start(t, withAll()).Client()
	populate(t, c)
	before := views(t, c)
	if len(before) < 60 {
		t.Fatalf("only %d views: %v", len(before), before)
	}
	last := testkit.Must(c.Requests(ctx, client.RequestFilter{Limit: 1}))(t)
	doc := testkit.Must(c.Snapshot(ctx))(t)

	if err := c.ResetAll(ctx); err != nil {
		t.Fatal(err)
	}
	if v := views(t, c); len(v) >= len(before) {
		t.Fatalf("the reset left %d views", len(v))
	}
	if err := c.RestoreSnapshot(ctx, doc); err != nil {
		t.Fatal(err)
	}
	diffViews(t, before, views(t, c))
	// Running clocks are written by their offset alone, so the bytes match.
	if again := testkit.Must(c.Snapshot(ctx))(t); !bytes.Equal(again, doc) {
		t.Errorf("exporting the imported state gives another document:\n%s\n%s", doc, again)
	}

	t.Run("the request log is cleared and its ids go on", func(t *testing.T) {
		if got := testkit.Must(c.Requests(ctx, client.RequestFilter{}))(t); len(got) != 0 {
			t.Fatalf("log after import: %+v", got)
		}
		testkit.Must(c.Send(ctx, "probe", "k-a", nil, client.Track("u1", "After", nil)))(t)
		got := testkit.Must(c.Requests(ctx, client.RequestFilter{}))(t)
		if len(got) != 1 || got[0].ID <= last[0].ID {
			t.Fatalf("log %+v, want one entry after id %d", got, last[0].ID)
		}
	})
	t.Run("G-10 messageIds applied before the export are still duplicates", func(t *testing.T) {
		res := testkit.Must(c.Send(ctx, "probe", "k-a", nil, client.Track("u1", "Signed Up", nil).WithID("m-2")))(t)
		if res.Status != "duplicate" {
			t.Fatalf("resent m-2: %+v", res)
		}
	})
	t.Run("keys keep their status and the index finds them", func(t *testing.T) {
		_, err := c.Send(ctx, "probe", "k-rev", nil, client.Track("u", "E", nil))
		testkit.ExpectError(t, err, 403, "revoked")
		_, err = c.Send(ctx, "probe", "k-off", nil, client.Track("u", "E", nil))
		testkit.ExpectError(t, err, 401, "not active")
		res := testkit.Must(c.Send(ctx, "probe", "fresh-key", nil, client.Track("u9", "E", nil)))(t)
		if res.Account != "fresh-key" || len(res.Warnings) != 0 {
			t.Fatalf("the provisioned account's key: %+v", res)
		}
		res = testkit.Must(c.Namespace("t2").Send(ctx, "probe", "k-b", regionEU, client.Track("u", "E", nil)))(t)
		if res.Namespace != "t2" || res.Account != "b" {
			t.Fatalf("k-b went to %s/%s", res.Namespace, res.Account)
		}
		_, err = c.Namespace("t2").CreateAccount(ctx, "probe", client.AccountSpec{ID: "c", Keys: []client.KeySpec{{Value: "k-a"}}})
		testkit.ExpectError(t, err, 409, "k-a")
		if err := c.ResetAccount(ctx, "probe", "fresh-key"); err != nil {
			t.Fatalf("a restored provisioned account resets: %v", err)
		}
	})
	t.Run("the other destinations number new records after the old ones", func(t *testing.T) {
		t3 := c.Namespace("t3")
		for _, s := range []struct{ dest, key, account, list string }{
			{"startdeliver", "k-sd", "sd", "usage-events"},
			{"startdeliver-v2", "k-sd2", "sd2", "usage-events"},
			{"connect", "k-cn", "k-cn", "events"},
			{"usercom", "k-uc", "k-uc", "occurrences"},
		} {
			testkit.Must(t3.Send(ctx, s.dest, s.key, nil, client.Track("97980cfea0067", "After Import", nil)))(t)
			var l client.List[map[string]any]
			if err := t3.Do(ctx, http.MethodGet, client.AccountPath(s.dest, s.account, s.list), nil, nil, &l); err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			for _, it := range l.Items {
				ids[fmt.Sprint(it["id"])] = true
			}
			if len(l.Items) < 2 || len(ids) != len(l.Items) {
				t.Errorf("%s %s after the import: %v", s.dest, s.list, l.Items)
			}
		}
	})
	t.Run("Promoter goes on where it was", func(t *testing.T) {
		t1 := c.Namespace("t1")
		testkit.Must(t1.Send(ctx, "promoter", "k-acme", nil, client.Track("u2", "Signed Up", nil)))(t)
		surveys := testkit.Must(t1.Promoter("acme").Surveys(ctx, nil))(t)
		if len(surveys) != 2 || surveys[0].ID == surveys[1].ID {
			t.Fatalf("surveys after import: %+v", surveys)
		}
		dl := testkit.Must(t1.Promoter("acme").DailyLimit(ctx))(t)
		if dl.Limit != 1000 || dl.Count != 1 {
			t.Fatalf("daily limit %+v", dl)
		}
	})
}

func putSnapshot(t *testing.T, url string, doc []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url+"/_emulator/snapshot", bytes.NewReader(doc))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Message string `json:"message"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Message
}

// frozenProbeServer is a server whose every namespace has a frozen clock,
// so that two exports of an unchanged state are the same bytes.
func frozenProbeServer(t *testing.T) *testkit.Server {
	t.Helper()
	srv := probeServer(t)
	c := srv.Client()
	testkit.Must(c.FreezeClockAt(ctx, snapT0))(t)
	newAccount(t, c, "a")
	testkit.Must(c.Send(ctx, "probe", "k-a", nil, client.Track("u", "E", nil).WithID("m-1")))(t)
	t2 := c.Namespace("t2")
	testkit.Must(t2.FreezeClockAt(ctx, snapT0))(t)
	testkit.Must(t2.CreateAccount(ctx, "probe", client.AccountSpec{ID: "b", Settings: regionEU, Keys: []client.KeySpec{{Value: "k-b"}}}))(t)
	return srv
}

// TestSnapshotInvalidImportChangesNothing sends broken documents: each is
// answered 400 with a message naming what and where, and the state, the
// clocks and the request log stay exactly as they were.
func TestSnapshotInvalidImportChangesNothing(t *testing.T) {
	t.Parallel()
	srv := frozenProbeServer(t)
	c := srv.Client()
	good := string(testkit.Must(c.Snapshot(ctx))(t))
	swap := func(old, new string) string {
		t.Helper()
		if !strings.Contains(good, old) {
			t.Fatalf("the document has no %s: %s", old, good)
		}
		return strings.Replace(good, old, new, 1)
	}
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"empty", "", []string{"empty"}},
		{"truncated", good[:len(good)/2], []string{"snapshot is truncated"}},
		{"not an object", `[1,2]`, []string{"not a JSON object"}},
		{"no version", swap(`"version":1,`, ""), []string{`"version" is required`}},
		{"another version", swap(`"version":1`, `"version":2`), []string{"version 2 is not supported"}},
		{"unknown field", swap(`"version":1`, `"version":1,"extras":true`), []string{`unknown field "extras"`}},
		{"unknown destination", swap(`"destination":"probe","id":"b"`, `"destination":"nope","id":"b"`),
			[]string{`namespace "t2"`, `nope account "b"`, `unknown destination "nope"`}},
		{"a key in two accounts", swap(`"value":"k-b"`, `"value":"k-a"`),
			[]string{`namespace "t2"`, `key "k-a" is also a key of probe account "a" in namespace "default"`}},
		{"a bad key status", swap(`"status":"active"`, `"status":"paused"`), []string{`namespace "default"`, `probe account "a"`, `status "paused"`}},
		{"a state the destination refuses", swap(`"state":{"events":null}`, `"state":{"events":{}}`), []string{`probe account "b"`, "state:"}},
		{"a bad setting", swap(`"settings":{"region":"eu"}`, `"settings":{"region":7}`), []string{`probe account "a"`, `setting "region" must be a string`}},
		{"a bad config", swap(`"id":"b",`, `"id":"b","config":{"x":1},`), []string{`probe account "b"`, "config: probe takes no config"}},
		{"a bad account id", swap(`"id":"b",`, `"id":"b b",`), []string{`probe account "b b"`, "not a valid name"}},
		{"a bad namespace name", swap(`"name":"t2"`, `"name":"t 2"`), []string{`namespace "t 2" is not a valid name`}},
		{"a namespace twice", swap(`"name":"t2"`, `"name":"default"`), []string{`namespace "default" is given twice`}},
		{"an account twice", `{"version":1,"namespaces":[{"name":"x","clock":{},"accounts":[` +
			`{"destination":"probe","id":"a","keys":[]},{"destination":"probe","id":"a","keys":[]}]}]}`,
			[]string{`namespace "x"`, `probe account "a" is given twice`}},
		{"a key twice in one account", `{"version":1,"namespaces":[{"name":"x","clock":{},"accounts":[` +
			`{"destination":"probe","id":"a","keys":[{"value":"k","status":"active"},{"value":"k","status":"active"}]}]}]}`,
			[]string{`key "k" is given twice`}},
		{"a frozen clock without a time", `{"version":1,"namespaces":[{"name":"x","clock":{"frozen":true},"accounts":[]}]}`,
			[]string{`namespace "x": a frozen clock needs "now"`}},
		// Accounts are built while the next ones are read: the first fault
		// in the document is still the one reported.
		{"two faulty accounts", `{"version":1,"namespaces":[{"name":"x","clock":{},"accounts":[` +
			`{"destination":"probe","id":"ok","keys":[]},{"destination":"nope","id":"first","keys":[]},` +
			`{"destination":"probe","id":"second","keys":[],"extras":1},{"destination":"probe","id":"third","keys":[]}]}]}`,
			[]string{`accounts[1] (nope account "first")`, `unknown destination "nope"`}},
		{"two faulty accounts, the second one's state", `{"version":1,"namespaces":[{"name":"x","clock":{},"accounts":[` +
			`{"destination":"probe","id":"first","keys":[],"state":{"events":{}}},{"destination":"nope","id":"second","keys":[]}]}]}`,
			[]string{`accounts[0] (probe account "first")`, "state:"}},
	} {
		status, msg := putSnapshot(t, srv.URL(), []byte(tc.doc))
		if status != http.StatusBadRequest {
			t.Errorf("%s: answered %d %q, want 400", tc.name, status, msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: message %q does not say %q", tc.name, msg, w)
			}
		}
		if now := string(testkit.Must(c.Snapshot(ctx))(t)); now != good {
			t.Fatalf("%s changed the state:\n%s\n%s", tc.name, good, now)
		}
	}
	if logged := testkit.Must(c.Requests(ctx, client.RequestFilter{}))(t); len(logged) != 1 {
		t.Fatalf("the request log has %d entries, want the 1 from before", len(logged))
	}
}

// TestSnapshotImportReplacesEverything imports another server's document:
// namespaces it does not name are gone, fault rules and request logs are
// cleared as a reset clears them, and a test already long-polling a log
// that stays still sees the requests that come after the import.
func TestSnapshotImportReplacesEverything(t *testing.T) {
	t.Parallel()
	doc := testkit.Must(frozenProbeServer(t).Client().Snapshot(ctx))(t)
	c := probeServer(t).Client()
	testkit.Must(c.Namespace("gone").CreateAccount(ctx, "probe", client.AccountSpec{ID: "g", Keys: []client.KeySpec{{Value: "k-g"}}}))(t)
	testkit.Must(c.AddFault(ctx, client.FaultRule{Match: client.FaultMatch{Event: "E"}, Action: client.FaultAction{Kind: "status", Status: 503}}))(t)
	testkit.Must(c.Send(ctx, "probe", "k-g", regionEU, client.Track("u", "Before", nil)))(t)
	waited := waitRequests(t, c, client.RequestFilter{Event: "After"}, 1)
	// Whether the waiter starts before the import or just after it, it
	// must see the request sent after the import.
	if err := c.RestoreSnapshot(ctx, doc); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range testkit.Must(c.Namespaces(ctx))(t) {
		names = append(names, n.Name)
	}
	if strings.Join(names, ",") != "default,t2" {
		t.Fatalf("namespaces after the import: %v", names)
	}
	if rules := testkit.Must(c.Faults(ctx))(t); len(rules) != 0 {
		t.Fatalf("fault rules survived the import: %+v", rules)
	}
	if logged := testkit.Must(c.Requests(ctx, client.RequestFilter{}))(t); len(logged) != 0 {
		t.Fatalf("the request log survived the import: %+v", logged)
	}
	res, err := c.Send(ctx, "probe", "k-a", nil, client.Track("u", "After", nil))
	if err != nil || res.Status != "ok" {
		t.Fatalf("after the import: %+v, %v", res, err)
	}
	if got := <-waited; len(got) != 1 || got[0].Account != "a" {
		t.Fatalf("the waiter saw %+v", got)
	}
	if _, err := c.Send(ctx, "probe", "k-a", nil, client.Track("u", "E", nil)); err != nil {
		t.Fatalf("a cleared fault rule still applies: %v", err)
	}
}

// TestSnapshotHandWritten imports the seed document of docs/state.md, which
// leaves out states, seen ids, creation times, key permissions and a
// running clock's now: the accounts start as their config describes.
func TestSnapshotHandWritten(t *testing.T) {
	t.Parallel()
	c := testkit.Start(t).Client()
	seed := `{"version": 1, "namespaces": [{"name": "default",
  "clock": {"now": "2030-01-01T00:00:00Z", "frozen": true},
  "accounts": [
    {"destination": "usercom", "id": "app", "keys": [{"value": "uc-key", "status": "active"}],
     "config": {"trusted_domains": ["example.com"]}},
    {"destination": "startdeliver", "id": "acme", "settings": {"startdeliverUserCustomFieldToMatchOn": "externalId"},
     "keys": [{"value": "sd-key", "status": "active"}],
     "config": {"customFields": [{"alias": "externalId", "type": "text", "entity": "user"}]}}]}]}`
	if err := c.RestoreSnapshot(ctx, json.RawMessage(seed)); err != nil {
		t.Fatal(err)
	}
	res := testkit.Must(c.Send(ctx, "startdeliver", "sd-key", nil, client.Track("u-1", "Login", nil)))(t)
	if res.Account != "acme" || len(res.Warnings) != 0 {
		t.Fatalf("the seeded account: %+v", res)
	}
	var domains client.List[map[string]any]
	if err := c.Do(ctx, http.MethodGet, client.AccountPath("usercom", "app", "trusted-domains"), nil, nil, &domains); err != nil ||
		len(domains.Items) != 1 || !strings.Contains(fmt.Sprint(domains.Items[0]), "example.com") {
		t.Fatalf("trusted domains %+v, %v", domains, err)
	}
	if st := testkit.Must(c.Clock(ctx))(t); !st.Frozen || !st.Now.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("clock %+v", st)
	}
}

// TestSnapshotImportLimit: a document over the limit is refused by its
// size (413), not cut short and refused as broken JSON.
func TestSnapshotImportLimit(t *testing.T) {
	t.Parallel()
	srv := probeServer(t, testkit.WithConfig(func(c *serverConfig) { c.SnapshotLimit = 1024 }))
	doc := testkit.Must(srv.Client().Snapshot(ctx))(t)
	if status, msg := putSnapshot(t, srv.URL(), doc); status != http.StatusNoContent {
		t.Fatalf("a small import: %d %q", status, msg)
	}
	padded := append(bytes.Repeat([]byte(" "), 1025-len(doc)), doc...)
	status, msg := putSnapshot(t, srv.URL(), padded)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "1024-byte limit") {
		t.Fatalf("an oversized import: %d %q", status, msg)
	}
}

// TestSnapshotUnderLoad exports and imports while webhooks, provisioning
// and account churn flow (run it with -race). Every export must import
// again, even while a key moves from a deleted account to a new one, and at
// the end every key must lead a webhook to the account that holds it.
func TestSnapshotUnderLoad(t *testing.T) {
	t.Parallel()
	srv := probeServer(t)
	c := srv.Client()
	other := probeServer(t).Client()
	newAccount(t, c, "a")
	tolerated := func(err error) bool { s := client.StatusOf(err); return err == nil || s == 404 || s == 409 }

	stop := make(chan struct{})
	var wg sync.WaitGroup
	halted := false
	halt := func() { // before the servers close, even when the test fails
		if !halted {
			halted = true
			close(stop)
			wg.Wait()
		}
	}
	defer halt()
	worker := func(f func(i int) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := f(i); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for w := 0; w < 3; w++ {
		worker(func(i int) error {
			// Ids repeat, so the state changes (G-10 duplicates or new
			// events) without growing past a few hundred events.
			_, err := c.Send(ctx, "probe", "k-a", nil, client.Track("u", "E", nil).WithID(fmt.Sprintf("m-%d-%d", w, i%100)))
			return err
		})
	}
	worker(func(i int) error { // provisioning
		_, err := c.Send(ctx, "probe", fmt.Sprintf("p-%d", i%64), regionEU, client.Track("u", "E", nil))
		return err
	})
	worker(func(i int) error { // a key moving between accounts of two namespaces
		nc, id := c, "x"
		if i%2 == 1 {
			nc, id = c.Namespace("zz"), "y"
		}
		_, err := nc.CreateAccount(ctx, "probe", client.AccountSpec{ID: id, Settings: regionEU, Keys: []client.KeySpec{{Value: "k-moving"}}})
		if !tolerated(err) {
			return err
		}
		if _, err := nc.AddKey(ctx, "probe", id, client.KeySpec{Value: "k-extra-" + id}); !tolerated(err) {
			return err
		}
		if err := nc.DeleteAccount(ctx, "probe", id); !tolerated(err) {
			return err
		}
		return nil
	})
	worker(func(i int) error { // namespaces coming and going
		n := c.Namespace(fmt.Sprintf("churn-%d", i%3))
		if _, err := n.Send(ctx, "probe", fmt.Sprintf("n-%d", i%3), regionEU, client.Track("u", "E", nil)); err != nil {
			return err
		}
		if err := c.DeleteNamespace(ctx, n.NamespaceName()); !tolerated(err) {
			return err
		}
		return nil
	})

	for i := 0; i < 30; i++ {
		doc, err := c.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := other.RestoreSnapshot(ctx, doc); err != nil {
			t.Fatalf("export %d does not import: %v", i, err)
		}
		if i%5 == 4 {
			if err := c.RestoreSnapshot(ctx, doc); err != nil {
				t.Fatalf("import %d into the busy server: %v", i, err)
			}
		}
	}
	halt()

	// Every key leads a webhook to the account that holds it in the
	// export, and a key no account holds any more is unknown (the webhook
	// provisions an account for it) rather than leading to an account that
	// an import or a deletion took away.
	snap, err := emulators.ParseSnapshot(testkit.Must(c.Snapshot(ctx))(t))
	if err != nil {
		t.Fatal(err)
	}
	holder := map[string]string{}
	for _, ns := range snap.Namespaces {
		for _, a := range ns.Accounts {
			for _, k := range a.Keys {
				holder[k.Value] = ns.Name + "/" + a.ID
			}
		}
	}
	keys := []string{"k-a", "k-moving", "k-extra-x", "k-extra-y", "n-0", "n-1", "n-2"}
	for i := 0; i < 64; i++ {
		keys = append(keys, fmt.Sprintf("p-%d", i))
	}
	for _, k := range keys {
		res, err := c.Send(ctx, "probe", k, regionEU, client.Track("u", "E", nil))
		if err != nil {
			t.Fatalf("key %s: %v", k, err)
		}
		provisioned := len(res.Warnings) > 0 && strings.Contains(res.Warnings[0], "provisioned")
		if want := holder[k]; want != "" && (provisioned || res.Namespace+"/"+res.Account != want) {
			t.Errorf("key %s went to %s/%s (provisioned %v), want %s", k, res.Namespace, res.Account, provisioned, want)
		} else if want == "" && !provisioned {
			t.Errorf("key %s, held by no account, went to %s/%s", k, res.Namespace, res.Account)
		}
	}
	if len(holder) < 3 {
		t.Fatalf("only %d keys at the end", len(holder))
	}
}

func startWithStateFile(t *testing.T, path string, interval time.Duration, opts ...testkit.Option) (*client.Client, *server.StateFile) {
	t.Helper()
	srv := testkit.Start(t, opts...)
	sf, err := srv.Server().OpenStateFile(path, interval)
	if err != nil {
		t.Fatal(err)
	}
	return srv.Client(), sf
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestStateFileSurvivesRestart saves one server's state at stop and finds
// every view equal in a second server started on the same file.
func TestStateFileSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	c1, sf1 := startWithStateFile(t, path, 0, withAll())
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("opening a missing state file made one: %v", err)
	}
	populate(t, c1)
	before := views(t, c1)
	if err := sf1.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("a new state file: %v, %v; want mode 0600 (it holds API keys)", fi, err)
	}

	c2, sf2 := startWithStateFile(t, path, 0, withAll())
	diffViews(t, before, views(t, c2))
	// The restored server goes on: a retry of m-2 is still a duplicate.
	res := testkit.Must(c2.Send(ctx, "probe", "k-a", nil, client.Track("u1", "Signed Up", nil).WithID("m-2")))(t)
	if res.Status != "duplicate" {
		t.Fatalf("after the restart: %+v", res)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	testkit.Must(c2.Send(ctx, "probe", "k-a", nil, client.Track("u1", "More", nil)))(t)
	if err := sf2.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Fatalf("a save changed the file's mode to %v", fi.Mode())
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Fatalf("the directory holds %v, want the state file alone", names)
	}
}

// TestStateFileSavesEveryInterval waits for a periodic save to bring a
// change into the file, without a stop.
func TestStateFileSavesEveryInterval(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	c, sf := startWithStateFile(t, path, 10*time.Millisecond, withProbe())
	defer sf.Close()
	newAccount(t, c, "saved-by-the-ticker")
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if data, err := os.ReadFile(path); err == nil && bytes.Contains(data, []byte(`"saved-by-the-ticker"`)) {
			if _, err := emulators.ParseSnapshot(data); err != nil {
				t.Fatalf("the saved file does not parse: %v", err)
			}
			return
		}
		select {
		case <-deadline:
			t.Fatal("no periodic save within 10s")
		case <-tick.C:
		}
	}
}

// TestStateFileIdleNotRewritten: a save with nothing changed writes nothing,
// even with a clock running in real time (a snapshot writes its offset, not
// its now); a change is written as a new file renamed into place.
func TestStateFileIdleNotRewritten(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	c, sf := startWithStateFile(t, path, 0, withProbe())
	defer sf.Close()
	testkit.Must(c.AdvanceClock(ctx, time.Hour))(t)
	newAccount(t, c, "a")
	if err := sf.Save(); err != nil {
		t.Fatal(err)
	}
	first := testkit.Must(os.Stat(path))(t)
	if err := sf.Save(); err != nil {
		t.Fatal(err)
	}
	if again := testkit.Must(os.Stat(path))(t); !os.SameFile(first, again) {
		t.Fatal("an idle save replaced the file")
	}
	testkit.Must(c.Send(ctx, "probe", "k-a", nil, client.Track("u", "E", nil)))(t)
	if err := sf.Save(); err != nil {
		t.Fatal(err)
	}
	if after := testkit.Must(os.Stat(path))(t); os.SameFile(first, after) {
		t.Fatal("a change was not saved")
	}
}

// TestStateFileBrokenStopsStartup opens files that are not a snapshot this
// server can load: each is an error that names the file and the fault, and
// the file is left byte for byte (and mode for mode) as it was.
func TestStateFileBrokenStopsStartup(t *testing.T) {
	t.Parallel()
	src := probeServer(t)
	newAccount(t, src.Client(), "a")
	good := testkit.Must(src.Server().Snapshot())(t)
	for _, tc := range []struct {
		name, data, want string
	}{
		{"truncated", string(good[:len(good)/2]), "snapshot is truncated"},
		{"cut before the last brace", string(good[:len(good)-3]), "snapshot is truncated"},
		{"cut in a literal", `{"version":1,"namespaces":[{"name":"default","clock":{"frozen":tr`, "snapshot is truncated"},
		{"empty", "", "snapshot is empty"},
		{"garbage", "\x00\x01 not json", "not a JSON object"},
		{"another version", strings.Replace(string(good), `"version":1`, `"version":7`, 1), "version 7 is not supported"},
		// Written by a build with a destination this one lacks.
		{"unknown destination", string(good), `unknown destination "probe"`},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "state.json")
		if err := os.WriteFile(path, []byte(tc.data), 0o640); err != nil {
			t.Fatal(err)
		}
		srv := testkit.Start(t) // the built-in destinations only
		_, err := srv.Server().OpenStateFile(path, time.Millisecond)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "untouched") {
			t.Errorf("%s: error %v, want one naming %s and saying %q", tc.name, err, path, tc.want)
		}
		data, _ := os.ReadFile(path)
		fi, _ := os.Stat(path)
		if string(data) != tc.data || fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: the file changed (mode %v)", tc.name, fi.Mode())
		}
		if names := dirNames(t, dir); len(names) != 1 {
			t.Errorf("%s: the directory holds %v", tc.name, names)
		}
		if accts, _ := srv.Client().Accounts(ctx, "promoter"); len(accts) != 0 {
			t.Errorf("%s: the server took part of the file: %v", tc.name, accts)
		}
	}
}

// TestStateFileDirectory: a directory that cannot be written stops start-up
// (not the first save, minutes later), and temporary files a crash left
// behind are removed while the state file itself is read as it was.
func TestStateFileDirectory(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	_, err := srv.Server().OpenStateFile(filepath.Join(t.TempDir(), "missing-dir", "state.json"), 0)
	if err == nil || !strings.Contains(err.Error(), "cannot write to its directory") {
		t.Fatalf("a missing directory: %v", err)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	src := frozenProbeServer(t)
	if err := os.WriteFile(path, testkit.Must(src.Server().Snapshot())(t), 0o600); err != nil {
		t.Fatal(err)
	}
	// What a crash in the middle of a save leaves: half a document beside
	// the intact previous one.
	if err := os.WriteFile(filepath.Join(dir, ".state.json.tmp-123"), []byte(`{"version":1,"namesp`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, sf := startWithStateFile(t, path, 0, withProbe())
	defer sf.Close()
	if names := dirNames(t, dir); len(names) != 1 || names[0] != "state.json" {
		t.Fatalf("the directory holds %v", names)
	}
	if _, err := c.Account(ctx, "probe", "a"); err != nil {
		t.Fatalf("the state was not loaded: %v", err)
	}
}

// BenchmarkSnapshot measures export and import of 1,000 Promoter accounts,
// each with 20 contacts, 20 custom events and a survey.
func BenchmarkSnapshot(b *testing.B) {
	srv := testkit.Start(b)
	c := srv.Client()
	if _, err := c.FreezeClockAt(ctx, snapT0); err != nil {
		b.Fatal(err)
	}
	if _, err := c.CreateAccount(ctx, "promoter", client.AccountSpec{ID: "seed", Keys: []client.KeySpec{{Value: "k-seed"}},
		Config: client.PromoterConfig{Campaigns: []client.PromoterCampaignSpec{{ID: "c1", Name: "NPS", TriggerEvent: "Signed Up", Activate: true}}}}); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		u := fmt.Sprintf("user-%d", i)
		for _, m := range []client.Message{
			client.Identify(u, map[string]any{"email": u + "@example.com", "plan": "pro", "seats": i}),
			client.Track(u, []string{"Viewed", "Signed Up"}[min(i, 1)], map[string]any{"page": i}),
		} {
			if _, err := c.Send(ctx, "promoter", "k-seed", nil, m); err != nil {
				b.Fatal(err)
			}
		}
	}
	one, err := emulators.ParseSnapshot(testkit.Must(srv.Server().Snapshot())(b))
	if err != nil {
		b.Fatal(err)
	}
	seed := one.Namespaces[0].Accounts[0]
	big := emulators.Snapshot{Version: 1, Namespaces: []emulators.NamespaceSnapshot{{Name: "default", Clock: one.Namespaces[0].Clock}}}
	for i := 0; i < 1000; i++ {
		a := seed
		a.ID = fmt.Sprintf("acct-%d", i)
		a.Keys = []wire.Key{{Value: fmt.Sprintf("k-%d", i), Status: emulators.KeyActive, Permission: "admin"}}
		big.Namespaces[0].Accounts = append(big.Namespaces[0].Accounts, a)
	}
	doc, err := json.Marshal(big)
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Server().Restore(doc); err != nil {
		b.Fatal(err)
	}
	b.Run("export", func(b *testing.B) {
		var n int
		for b.Loop() {
			out, err := srv.Server().Snapshot()
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.ReportMetric(float64(n), "bytes/doc")
	})
	b.Run("import", func(b *testing.B) {
		for b.Loop() {
			if err := srv.Server().Restore(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("save", func(b *testing.B) {
		sf, err := srv.Server().OpenStateFile(filepath.Join(b.TempDir(), "state.json"), 0)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := c.Send(ctx, "promoter", "k-1", nil, client.Track("user-1", "Tick", nil)); err != nil {
				b.Fatal(err)
			}
			if err := sf.Save(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
