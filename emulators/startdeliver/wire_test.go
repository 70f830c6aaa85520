package startdeliver_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
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
	props := []map[string]any{
		nil,
		{"plan": "pro", "seats": 3},
		{"html": "<b>Tom & Jerry</b>", "unicode": "café \u2028 ☕", "big": json.Number("12345678901234567890"), "nested": map[string]any{"z": []any{1.5, nil, true}, "a": "x"}},
		{"empty": map[string]any{}, "list": []any{}},
	}
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
	var out bytes.Buffer
	get := func(path string) []byte {
		status, body := request(t, http.MethodGet, s.URL()+path, nil)
		fmt.Fprintf(&out, "== GET %s %d\n%s\n", path, status, body)
		return body
	}
	lists := func() {
		for _, acct := range []string{"startdeliver/accounts/sd", "startdeliver-v2/accounts/sd2"} {
			base := "/_emulator/" + acct
			for _, q := range []string{"", "?limit=2&offset=3", "?offset=100", "?userId=1", "?userId=2&limit=1&offset=1",
				"?customerId=1", "?customerId=1&userId=2", "?customerId=1&userId=3", "?userId=99", "?type=page",
				"?segmentType=screen", "?name=Pricing", "?from=2026-03-02T05:00:00Z&to=2026-03-02T09:00:00Z", "?userId=x"} {
				get(base + "/usage-events" + q)
			}
			for _, p := range []string{"/users", "/users/1", "/users/2", "/users/3", "/customers", "/customers/1"} {
				get(base + p)
			}
		}
	}
	lists()
	snap := get("/_emulator/snapshot")
	put(t, s.URL()+"/_emulator/snapshot", snap)
	if again := get("/_emulator/snapshot"); !bytes.Equal(again, snap) {
		t.Error("the snapshot changed through an import")
	}
	lists()
	put(t, s.URL()+"/_emulator/snapshot", []byte(handWritten))
	get("/_emulator/snapshot")
	get("/_emulator/startdeliver/accounts/hw/usage-events")
	get("/_emulator/startdeliver/accounts/hw/users/1")

	const golden = "testdata/wire.golden"
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got := out.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("line %d differs from %s:\n%s\nwant\n%s", i+1, golden, gl[i], wl[i])
			}
		}
		t.Fatalf("%d lines, want %d", len(gl), len(wl))
	}
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

// put sends a control-plane PUT that must succeed.
func put(t *testing.T, url string, body []byte) {
	t.Helper()
	if status, answer := request(t, http.MethodPut, url, body); status != http.StatusNoContent {
		t.Fatalf("PUT %s: %d %s", url, status, answer)
	}
}

// request sends a control-plane request and returns the status and body
// of its answer, which must not be a server error.
func request(t *testing.T, method, url string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode >= 500 {
		t.Fatalf("%s %s: %d %s", method, url, res.StatusCode, data)
	}
	return res.StatusCode, data
}
