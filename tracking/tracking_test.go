package tracking_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// setup starts a server with its default namespace's clock frozen at t0 and
// a source "wk_app" connected to Connect and Promoter.
func setup(t *testing.T, opts ...testkit.Option) (*testkit.Server, *client.Client) {
	t.Helper()
	srv := testkit.Start(t, append([]testkit.Option{testkit.WithFrozenClock(t0)}, opts...)...)
	c := srv.Client()
	_, err := c.CreateSource(context.Background(), client.Source{WriteKey: "wk_app", Name: "web app",
		Connections: []client.Connection{
			{Destination: "connect", APIKey: "cn_key"},
			{Destination: "promoter", APIKey: "pr_key"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
}

// post sends a raw request to the tracking API.
func post(t *testing.T, srv *testkit.Server, method, path string, header map[string]string, body []byte) reply {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &r.body); err != nil {
			t.Fatalf("%s %s: answer is not a JSON object: %q", method, path, data)
		}
	}
	return r
}

func basic(key string) map[string]string {
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":")), "Content-Type": "application/json"}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	return testkit.Must(json.Marshal(v))(t)
}

// trackingEntries lists the tracking API's log entries, oldest first.
func trackingEntries(t *testing.T, c *client.Client) []client.Entry {
	t.Helper()
	es, err := c.Requests(context.Background(), client.RequestFilter{Destination: "tracking"})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

func wantSuccess(t *testing.T, r reply) {
	t.Helper()
	if r.status != http.StatusOK || r.body["success"] != true {
		t.Fatalf("answer %d %v, want 200 {\"success\": true}", r.status, r.body)
	}
}

// TestBatchFanOut sends a batch as Segment's server libraries do and
// checks Segment's enrichment and the state each destination ends with.
func TestBatchFanOut(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	batch := map[string]any{
		"sentAt":       "2024-03-01T11:00:10Z", // the client's clock is an hour slow
		"context":      map[string]any{"library": map[string]any{"name": "analytics-test"}, "ip": "10.0.0.1"},
		"integrations": map[string]any{"Zendesk Connect": map[string]any{"note": "on"}},
		"batch": []any{
			map[string]any{"type": "identify", "userId": "ada", "messageId": "m-1", "timestamp": "2024-03-01T11:00:00Z",
				"traits": map[string]any{"email": "ada@example.com", "name": "Ada Lovelace"}, "context": map[string]any{"ip": "10.0.0.2"}},
			map[string]any{"type": "track", "userId": "ada", "event": "Order Completed", "properties": map[string]any{"total": 12}},
			map[string]any{"type": "page", "userId": "ada", "name": "Home"},
		},
	}
	wantSuccess(t, post(t, srv, "POST", "/v1/batch", basic("wk_app"), mustJSON(t, batch)))

	// The state each destination holds, right after the answer.
	u, err := c.Connect("cn_key").User(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.com" || u.FirstName != "Ada" || u.LastName != "Lovelace" {
		t.Errorf("Connect user = %+v", u)
	}
	evs, err := c.Connect("cn_key").Events(ctx, client.Query{"userId": "ada"})
	if err != nil || len(evs) != 2 {
		t.Fatalf("Connect events = %+v, %v; want the track and the page", evs, err)
	}
	contact, err := c.Promoter("pr_key").Contact(ctx, "ada")
	if err != nil || contact.Email != "ada@example.com" {
		t.Fatalf("Promoter contact = %+v, %v", contact, err)
	}
	ces, err := c.Promoter("pr_key").CustomEvents(ctx, nil)
	if err != nil || len(ces) != 1 {
		t.Fatalf("Promoter custom events = %+v, %v; want the track only", ces, err)
	}

	es := trackingEntries(t, c)
	if len(es) != 3 {
		t.Fatalf("%d tracking entries, want 3: %v", len(es), es)
	}
	var first map[string]any
	if err := json.Unmarshal(es[0].Body, &first); err != nil {
		t.Fatal(err)
	}
	ctxObj := first["context"].(map[string]any)
	if ctxObj["ip"] != "10.0.0.2" || ctxObj["library"].(map[string]any)["name"] != "analytics-test" {
		t.Errorf("context = %v: want the batch's library and the message's own ip", ctxObj)
	}
	if first["integrations"].(map[string]any)["Zendesk Connect"] == nil {
		t.Errorf("integrations = %v: want the batch's", first["integrations"])
	}
	// receivedAt - (sentAt - originalTimestamp) = 12:00:00 - 10s.
	for k, want := range map[string]string{"messageId": "m-1", "receivedAt": "2024-03-01T12:00:00.000Z",
		"sentAt": "2024-03-01T11:00:10.000Z", "originalTimestamp": "2024-03-01T11:00:00.000Z", "timestamp": "2024-03-01T11:59:50.000Z"} {
		if first[k] != want {
			t.Errorf("%s = %v, want %s", k, first[k], want)
		}
	}
	if es[1].MessageID == "" || !strings.HasPrefix(es[1].MessageID, "api-") {
		t.Errorf("assigned messageId = %q, want api-…", es[1].MessageID)
	}

	// Each tracking entry lists its deliveries, and each delivery's entry
	// names the source.
	page := es[2]
	if page.Tracking == nil || len(page.Tracking.Deliveries) != 2 {
		t.Fatalf("page entry tracking = %+v", page.Tracking)
	}
	d, skipped := page.Tracking.Deliveries[0], page.Tracking.Deliveries[1]
	if d.Destination != "connect" || d.Status != 200 || d.Outcome != "ok" || d.RequestID == 0 {
		t.Errorf("page to Connect = %+v", d)
	}
	if skipped.Destination != "promoter" || skipped.Outcome != "skipped" || !strings.Contains(skipped.Reason, "does not accept page") {
		t.Errorf("page to Promoter = %+v, want skipped for the type", skipped)
	}
	deliveries, err := c.Requests(ctx, client.RequestFilter{Destination: "connect", Type: "page"})
	if err != nil || len(deliveries) != 1 {
		t.Fatalf("Connect page deliveries = %v, %v", deliveries, err)
	}
	if deliveries[0].ID != d.RequestID || deliveries[0].Tracking == nil || deliveries[0].Tracking.Source != "wk_app" ||
		deliveries[0].MessageID != page.MessageID {
		t.Errorf("delivery entry = %+v, want linked to source wk_app and message %s", deliveries[0], page.MessageID)
	}
}

// TestSingleCallsAndBrowser sends what analytics.js sends: the one-letter
// short paths, text/plain bodies with the write key inside, a preflight.
func TestSingleCallsAndBrowser(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	plain := map[string]string{"Content-Type": "text/plain", "Origin": "https://shop.example"}

	pre := post(t, srv, "OPTIONS", "/v1/t", map[string]string{"Origin": "https://shop.example",
		"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}, nil)
	if pre.status != http.StatusNoContent || pre.header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		!strings.Contains(pre.header.Get("Access-Control-Allow-Methods"), "POST") || pre.header.Get("Access-Control-Allow-Headers") != "content-type" {
		t.Fatalf("preflight = %d %v", pre.status, pre.header)
	}
	for _, call := range []struct {
		path string
		msg  map[string]any
	}{
		{"/v1/i", map[string]any{"type": "identify", "anonymousId": "anon-1", "traits": map[string]any{"email": "x@example.com"}}},
		{"/v1/t", map[string]any{"event": "Clicked", "anonymousId": "anon-1"}}, // no type: the path says track
		{"/v1/p", map[string]any{"type": "page", "anonymousId": "anon-1", "name": "Pricing"}},
		{"/v1/a", map[string]any{"type": "alias", "userId": "u-1", "previousId": "anon-1"}},
		{"/v1/track", map[string]any{"event": "Signed Up", "userId": "u-1"}},
	} {
		call.msg["writeKey"] = "wk_app"
		call.msg["sentAt"] = "2024-03-01T12:00:00Z"
		r := post(t, srv, "POST", call.path, plain, mustJSON(t, call.msg))
		wantSuccess(t, r)
		if r.header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
			t.Errorf("%s: no CORS header on the answer", call.path)
		}
	}
	// /v1/b is the browser's batch, the write key inside.
	wantSuccess(t, post(t, srv, "POST", "/v1/b", plain, mustJSON(t, map[string]any{"writeKey": "wk_app",
		"batch": []any{map[string]any{"type": "screen", "userId": "u-1", "name": "Cart"}}})))

	u, err := c.Connect("cn_key").User(ctx, "u-1")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "x@example.com" || u.EventCount != 4 { // Clicked, Pricing page, Signed Up, Cart screen
		t.Errorf("Connect user after the alias = %+v", u)
	}
	es := trackingEntries(t, c)
	if len(es) != 6 || es[1].Type != "track" || es[5].Type != "screen" {
		t.Fatalf("tracking entries = %v", es)
	}
	var body map[string]any
	_ = json.Unmarshal(es[1].Body, &body)
	if _, has := body["writeKey"]; has {
		t.Error("the write key is delivered to destinations; Segment removes it")
	}
}

func TestSettingsDocument(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	r := post(t, srv, "GET", "/v1/projects/wk_app/settings", map[string]string{"Origin": "https://shop.example"}, nil)
	if r.status != 200 {
		t.Fatalf("settings = %d %v", r.status, r.body)
	}
	seg := r.body["integrations"].(map[string]any)["Segment.io"].(map[string]any)
	host := strings.TrimPrefix(srv.URL(), "http://")
	if seg["apiKey"] != "wk_app" || seg["apiHost"] != host+"/v1" || seg["protocol"] != "http" {
		t.Errorf("Segment.io settings = %v, want apiHost %s/v1", seg, host)
	}
	if r.header.Get("Access-Control-Allow-Origin") == "" {
		t.Error("the settings document needs CORS for analytics.js")
	}
}

// TestPythonBodyWriteKey: analytics-python's older releases send the
// write key in the body only, no Authorization header.
func TestPythonBodyWriteKey(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	body := mustJSON(t, map[string]any{"writeKey": "wk_app", "sentAt": "2024-03-01T12:00:00.000000+00:00",
		"batch": []any{map[string]any{"type": "track", "userId": "py", "event": "Ran", "timestamp": "2024-03-01T11:59:59.500000+00:00",
			"context": map[string]any{"library": map[string]any{"name": "analytics-python", "version": "1.4.0"}}}}})
	wantSuccess(t, post(t, srv, "POST", "/v1/batch", map[string]string{"Content-Type": "application/json"}, body))
	evs, err := c.Connect("cn_key").Events(context.Background(), client.Query{"userId": "py"})
	if err != nil || len(evs) != 1 {
		t.Fatalf("events = %v, %v", evs, err)
	}
}

// TestGzip: old mobile libraries gzip their batches.
func TestGzip(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(mustJSON(t, map[string]any{"batch": []any{map[string]any{"type": "track", "userId": "ios", "event": "Opened",
		"context": map[string]any{"device": map[string]any{"type": "ios", "token": "tok-1"}}}}}))
	_ = zw.Close()
	h := basic("wk_app")
	h["Content-Encoding"] = "gzip"
	wantSuccess(t, post(t, srv, "POST", "/v1/import", h, buf.Bytes()))
	if evs, err := c.Connect("cn_key").Events(context.Background(), client.Query{"userId": "ios"}); err != nil || len(evs) != 1 {
		t.Fatalf("events = %v, %v", evs, err)
	}
	bad := post(t, srv, "POST", "/v1/batch", h, []byte("not gzip"))
	if bad.status != 400 || !strings.Contains(bad.body["message"].(string), "gzip") {
		t.Errorf("broken gzip = %d %v", bad.status, bad.body)
	}
}

// TestLimitsAndMalformed: Segment answers 400 for malformed JSON and
// oversize bodies, and delivers nothing of such a request.
func TestLimitsAndMalformed(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	big := strings.Repeat("x", 33<<10)
	small := map[string]any{"type": "track", "userId": "u", "event": "E"}
	for name, tc := range map[string]struct {
		path string
		body []byte
		want string
	}{
		"malformed":       {"/v1/batch", []byte(`{"batch": [`), "not a JSON object"},
		"not an object":   {"/v1/track", []byte(`[1]`), "not a JSON object"},
		"batch not array": {"/v1/batch", []byte(`{"batch": {}}`), "\"batch\""},
		"big message":     {"/v1/batch", mustJSON(t, map[string]any{"batch": []any{small, map[string]any{"type": "track", "userId": "u", "event": big}}}), "batch[1]"},
		"big single":      {"/v1/track", mustJSON(t, map[string]any{"userId": "u", "event": big}), "limit"},
		"big batch":       {"/v1/batch", mustJSON(t, map[string]any{"batch": bigBatch(small, 20<<10, 30)}), "limit"},
		"context not obj": {"/v1/batch", []byte(`{"batch": [], "context": 3}`), "\"context\""},
	} {
		r := post(t, srv, "POST", tc.path, basic("wk_app"), tc.body)
		if r.status != 400 || r.body["success"] != false || !strings.Contains(r.body["message"].(string), tc.want) {
			t.Errorf("%s: %d %v, want 400 naming %s", name, r.status, r.body, tc.want)
		}
	}
	if got, _ := c.Requests(context.Background(), client.RequestFilter{Destination: "connect"}); len(got) != 0 {
		t.Errorf("refused requests delivered %d messages", len(got))
	}
	if got := trackingEntries(t, c); len(got) != 7 || got[0].Outcome != "refused" {
		t.Errorf("refusals logged = %v", got)
	}
}

func bigBatch(m map[string]any, pad, n int) []any {
	out := make([]any, n)
	for i := range out {
		c := map[string]any{"properties": map[string]any{"pad": strings.Repeat("y", pad)}}
		for k, v := range m {
			c[k] = v
		}
		out[i] = c
	}
	return out
}

// TestDroppedMessages: Segment answers 200 for a message it then drops
// (no id, bad timestamp, unknown write key); the log says why.
func TestDroppedMessages(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	wantSuccess(t, post(t, srv, "POST", "/v1/batch", basic("wk_app"), mustJSON(t, map[string]any{"batch": []any{
		map[string]any{"type": "track", "event": "No One"},
		map[string]any{"type": "track", "userId": "u", "event": "Bad Time", "timestamp": "yesterday"},
		"not an object",
		map[string]any{"type": "track", "userId": "u", "event": "Fine"},
	}})))
	es := trackingEntries(t, c)
	if len(es) != 4 {
		t.Fatalf("entries = %v", es)
	}
	for i, want := range []string{"userId", "timestamp", "not a JSON object", ""} {
		if want == "" {
			if es[i].Outcome != "ok" {
				t.Errorf("entry %d = %+v, want ok", i, es[i])
			}
			continue
		}
		if es[i].Outcome != "dropped" || es[i].Status != 200 || !strings.Contains(es[i].Message, want) {
			t.Errorf("entry %d = %s %q, want dropped naming %s", i, es[i].Outcome, es[i].Message, want)
		}
	}

	wantSuccess(t, post(t, srv, "POST", "/v1/track", basic("wk_nobody"), mustJSON(t, map[string]any{"userId": "u", "event": "E"})))
	es = trackingEntries(t, c)
	last := es[len(es)-1]
	if last.Outcome != "dropped" || last.Key != "wk_nobody" || !strings.Contains(last.Message, "unknown write key") {
		t.Errorf("unknown write key entry = %+v", last)
	}
	if r := post(t, srv, "POST", "/v1/track", map[string]string{}, mustJSON(t, map[string]any{"userId": "u", "event": "E"})); r.status != 401 {
		t.Errorf("no write key at all = %d %v, want 401", r.status, r.body)
	}
}

func TestStrictUnknownWriteKey(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, testkit.WithStrict())
	r := post(t, srv, "POST", "/v1/track", basic("wk_nobody"), mustJSON(t, map[string]any{"userId": "u", "event": "E"}))
	if r.status != 401 || !strings.Contains(r.body["message"].(string), "unknown write key") {
		t.Errorf("strict unknown write key = %d %v", r.status, r.body)
	}
	if r := post(t, srv, "GET", "/v1/projects/wk_nobody/settings", nil, nil); r.status != 404 {
		t.Errorf("strict settings of an unknown write key = %d", r.status)
	}
}

// TestIntegrationsObject: the integrations object decides which
// connections get a message: names, All, an object meaning enabled.
func TestIntegrationsObject(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	send := func(integrations map[string]any) []client.Fanout {
		t.Helper()
		wantSuccess(t, post(t, srv, "POST", "/v1/track", basic("wk_app"),
			mustJSON(t, map[string]any{"userId": "u", "event": "E", "integrations": integrations})))
		es := trackingEntries(t, c)
		return es[len(es)-1].Tracking.Deliveries
	}
	for name, tc := range map[string]struct {
		in   map[string]any
		want [2]string // Connect, Promoter
	}{
		"none":              {nil, [2]string{"ok", "ok"}},
		"one off":           {map[string]any{"Promoter.io": false}, [2]string{"ok", "skipped"}},
		"all off":           {map[string]any{"All": false}, [2]string{"skipped", "skipped"}},
		"all off, one on":   {map[string]any{"All": false, "Zendesk Connect": true}, [2]string{"ok", "skipped"}},
		"all off, object":   {map[string]any{"All": false, "Promoter.io": map[string]any{}}, [2]string{"skipped", "ok"}},
		"old name disabled": {map[string]any{"Outbound": false}, [2]string{"skipped", "ok"}},
		"all, lower case":   {map[string]any{"all": false, "Promoter.io": true}, [2]string{"skipped", "ok"}}, // analytics-go's DisableAll
	} {
		got := send(tc.in)
		if len(got) != 2 || got[0].Outcome != tc.want[0] || got[1].Outcome != tc.want[1] {
			t.Errorf("%s: deliveries %+v, want %v", name, got, tc.want)
		}
		for _, f := range got {
			if f.Outcome == "skipped" && !strings.Contains(f.Reason, "integrations object") {
				t.Errorf("%s: skip reason %q", name, f.Reason)
			}
		}
	}
}

// TestFaultsOnTrackingAPI: the namespace's fault rules reach the tracking
// API with match.destination "tracking", so an SDK's retries can be tested.
func TestFaultsOnTrackingAPI(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	if _, err := c.AddFault(ctx, client.FaultRule{Match: client.FaultMatch{Destination: "tracking"},
		Action: client.FaultAction{Kind: client.FaultStatus, Status: 503}, Times: 1}); err != nil {
		t.Fatal(err)
	}
	msg := mustJSON(t, map[string]any{"batch": []any{map[string]any{"type": "track", "userId": "u", "event": "E"}}})
	if r := post(t, srv, "POST", "/v1/batch", basic("wk_app"), msg); r.status != 503 {
		t.Fatalf("faulted = %d %v, want 503", r.status, r.body)
	}
	if got, _ := c.Requests(ctx, client.RequestFilter{Destination: "connect"}); len(got) != 0 {
		t.Fatalf("a faulted request delivered %v", got)
	}
	wantSuccess(t, post(t, srv, "POST", "/v1/batch", basic("wk_app"), msg)) // the retry
	es := trackingEntries(t, c)
	if len(es) != 2 || es[0].Outcome != "faulted" || es[0].Status != 503 || es[0].Fault == "" || es[1].Outcome != "ok" {
		t.Errorf("entries = %v", es)
	}

	// A dropped connection: the SDK sees a transport error.
	if _, err := c.AddFault(ctx, client.FaultRule{Match: client.FaultMatch{Destination: "tracking", Type: "track"},
		Action: client.FaultAction{Kind: client.FaultDrop}, Times: 1}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", srv.URL()+"/v1/track", bytes.NewReader(mustJSON(t, map[string]any{"userId": "u", "event": "E"})))
	req.SetBasicAuth("wk_app", "")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("a drop fault answered %d", resp.StatusCode)
	}
}

// TestDisabledConnectionAndFaultedDelivery: a disabled connection is
// skipped; a delivery a destination refuses is recorded with its status.
func TestDisabledConnectionAndFaultedDelivery(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	if _, err := c.UpdateSource(ctx, client.Source{WriteKey: "wk_app", Connections: []client.Connection{
		{Destination: "connect", APIKey: "cn_key", Enabled: client.Disabled()},
		{Destination: "promoter", APIKey: "pr_key"},
	}}); err != nil {
		t.Fatal(err)
	}
	// Promoter refuses to create a contact without an email (PR-4).
	wantSuccess(t, post(t, srv, "POST", "/v1/identify", basic("wk_app"), mustJSON(t, map[string]any{"userId": "u"})))
	ds := trackingEntries(t, c)[0].Tracking.Deliveries
	if ds[0].Outcome != "skipped" || ds[0].Reason != "the connection is disabled" {
		t.Errorf("disabled connection = %+v", ds[0])
	}
	if ds[1].Status != 400 || ds[1].Outcome != "refused" || !strings.Contains(ds[1].Reason, "email") {
		t.Errorf("refused delivery = %+v", ds[1])
	}
}

func errorAs(err error, target **client.Error) bool { return errors.As(err, target) }

// TestRoutes: wrong methods and unknown paths are JSON errors with CORS
// headers, so a browser sees them.
func TestRoutes(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/v1/batch", http.StatusMethodNotAllowed},
		{"POST", "/v1/nope", http.StatusNotFound},
		{"POST", "/v1/projects/wk_app/settings", http.StatusNotFound},
		{"GET", "/v1/projects/a/b/settings", http.StatusNotFound},
	} {
		r := post(t, srv, tc.method, tc.path, map[string]string{"Origin": "https://x.example"}, nil)
		if r.status != tc.status || r.body["message"] == nil || r.header.Get("Access-Control-Allow-Origin") != "https://x.example" {
			t.Errorf("%s %s = %d %v %v, want %d with a message and CORS", tc.method, tc.path, r.status, r.body, r.header, tc.status)
		}
	}
	if r := post(t, srv, "POST", "/v1/track", map[string]string{"Content-Encoding": "br"}, []byte(`{}`)); r.status != 400 {
		t.Errorf("an unsupported Content-Encoding = %d", r.status)
	}
}
