package tracking_test

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	analytics "gopkg.in/segmentio/analytics-go.v3"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// allFive connects a source to every destination; Startdeliver matches
// users on a custom field that provisioning creates (G-11).
var allFive = []client.Connection{
	{Destination: "startdeliver", APIKey: "sd_go", Settings: map[string]any{"startdeliverUserCustomFieldToMatchOn": "segmentId"}},
	{Destination: "startdeliver-v2", APIKey: "s2_go", Settings: map[string]any{"startdeliverUserCustomFieldToMatchOn": "segmentId"}},
	{Destination: "connect", APIKey: "cn_go"},
	{Destination: "promoter", APIKey: "pr_go"},
	{Destination: "usercom", APIKey: "uc_go"},
}

// countingTransport counts the HTTP requests the SDK makes.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// callback records what the SDK reports for each message.
type callback struct {
	mu       sync.Mutex
	ok, fail int
	errs     []error
	done     chan struct{} // gets a value per message reported
}

func newCallback(n int) *callback { return &callback{done: make(chan struct{}, n)} }

func (c *callback) Success(analytics.Message) {
	c.mu.Lock()
	c.ok++
	c.mu.Unlock()
	c.done <- struct{}{}
}

func (c *callback) Failure(_ analytics.Message, err error) {
	c.mu.Lock()
	c.fail++
	c.errs = append(c.errs, err)
	c.mu.Unlock()
	c.done <- struct{}{}
}

// newSDK returns Segment's real Go library, pointed at destemu.
func newSDK(t *testing.T, srv *testkit.Server, writeKey string, batchSize int, cb *callback, tr http.RoundTripper) analytics.Client {
	t.Helper()
	sdk, err := analytics.NewWithConfig(writeKey, analytics.Config{
		Endpoint:   srv.URL(), // what an application sets to use destemu instead of api.segment.io
		BatchSize:  batchSize,
		Interval:   time.Hour, // only a full batch or Close sends: the test decides when
		Transport:  tr,
		Callback:   cb,
		Logger:     analytics.StdLogger(log.New(io.Discard, "", 0)),
		RetryAfter: func(int) time.Duration { return time.Millisecond },
		DefaultContext: &analytics.Context{
			App: analytics.AppInfo{Name: "shop", Version: "1.2.3"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return sdk
}

// TestAnalyticsGo drives the real analytics-go library through destemu:
// every call type, batches of three, the flush on Close, an integrations
// object, and the state each of the five destinations ends with.
func TestAnalyticsGo(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	c := srv.Client()
	ctx := context.Background()
	testkit.Must(c.CreateSource(ctx, client.Source{WriteKey: "wk_go", Connections: allFive}))(t)
	cb, tr := newCallback(16), &countingTransport{}
	sdk := newSDK(t, srv, "wk_go", 3, cb, tr)
	msgs := []analytics.Message{
		analytics.Identify{UserId: "ada", Traits: analytics.NewTraits().SetEmail("ada@example.com").SetName("Ada Lovelace")},
		analytics.Group{UserId: "ada", GroupId: "acme", Traits: analytics.NewTraits().SetName("Acme")},
		analytics.Track{UserId: "ada", Event: "Order Completed", Properties: analytics.NewProperties().SetRevenue(42)},
		analytics.Page{UserId: "ada", Name: "Pricing", Properties: analytics.NewProperties().SetURL("https://shop.example/pricing")},
		analytics.Screen{UserId: "ada", Name: "Cart"},
		analytics.Alias{UserId: "ada", PreviousId: "anon-7"},
		// Only User.com is to get this one.
		analytics.Track{UserId: "ada", Event: "Secret", Integrations: analytics.NewIntegrations().DisableAll().Enable("User.com")},
	}
	for _, m := range msgs {
		if err := sdk.Enqueue(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := sdk.Close(); err != nil { // flushes the last, partial batch
		t.Fatal(err)
	}
	if cb.ok != len(msgs) || cb.fail != 0 {
		t.Fatalf("SDK callbacks: %d ok, %d failed %v", cb.ok, cb.fail, cb.errs)
	}
	if n := tr.n.Load(); n != 3 {
		t.Errorf("the SDK made %d requests, want 3 (batches of 3, 3 and 1)", n)
	}

	// Startdeliver (page, track): a user matched on segmentId = userId.
	sd := c.Startdeliver("sd_go")
	evs, err := sd.UsageEvents(ctx, nil)
	if err != nil || len(evs) != 2 {
		t.Errorf("Startdeliver usage events = %+v, %v; want the page and the first track", evs, err)
	}
	// Startdeliver-v2 (screen is a page, S2-2); identify and group are
	// ignored until its Segment app enables them (S2-6).
	if evs, err := c.StartdeliverV2("s2_go").UsageEvents(ctx, client.Query{"type": "page"}); err != nil || len(evs) != 2 {
		t.Errorf("Startdeliver-v2 page events = %+v, %v; want the page and the screen", evs, err)
	}
	// Connect: the identified user with the track, the page and the screen.
	cu, err := c.Connect("cn_go").User(ctx, "ada")
	if err != nil || cu.Email != "ada@example.com" || cu.FirstName != "Ada" {
		t.Errorf("Connect user = %+v, %v", cu, err)
	}
	if evs, err := c.Connect("cn_go").Events(ctx, client.Query{"userId": "ada"}); err != nil || len(evs) != 3 {
		t.Errorf("Connect events = %+v, %v", evs, err)
	}
	// Promoter: the contact and the one track it was allowed.
	if p, err := c.Promoter("pr_go").Contact(ctx, "ada"); err != nil || p.Email != "ada@example.com" {
		t.Errorf("Promoter contact = %+v, %v", p, err)
	}
	if ces, err := c.Promoter("pr_go").CustomEvents(ctx, nil); err != nil || len(ces) != 1 {
		t.Errorf("Promoter custom events = %+v, %v", ces, err)
	}
	// User.com: user, company, page view and both tracks.
	u, err := c.Usercom("uc_go").User(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.com" || u.PageViews != 1 || len(u.Companies) != 1 || len(u.Events) != 2 {
		t.Errorf("User.com user = %+v", u)
	}

	// The batch context reached every message.
	es := trackingEntries(t, c)
	if len(es) != len(msgs) {
		t.Fatalf("%d tracking entries, want %d", len(es), len(msgs))
	}
	var m map[string]any
	_ = json.Unmarshal(es[0].Body, &m)
	if app, _ := m["context"].(map[string]any)["app"].(map[string]any); app["name"] != "shop" {
		t.Errorf("delivered context = %v, want the SDK's default context merged in", m["context"])
	}
	// Batches are sent concurrently: find the User.com-only track by name.
	for _, e := range es {
		if e.Event != "Secret" {
			continue
		}
		skipped := 0
		for _, f := range e.Tracking.Deliveries {
			if f.Outcome == "skipped" {
				skipped++
			}
		}
		if skipped != 4 {
			t.Errorf("the User.com-only track reached %+v", e.Tracking.Deliveries)
		}
	}
}

// TestAnalyticsGoRetry: the SDK retries a batch the tracking API answered
// 503 (a fault rule), and the destinations get each message once.
func TestAnalyticsGoRetry(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	c := srv.Client()
	ctx := context.Background()
	testkit.Must(c.CreateSource(ctx, client.Source{WriteKey: "wk_go", Connections: allFive[2:3]}))(t)
	if _, err := c.AddFault(ctx, client.FaultRule{Match: client.FaultMatch{Destination: "tracking"},
		Action: client.FaultAction{Kind: client.FaultStatus, Status: 503}, Times: 2}); err != nil {
		t.Fatal(err)
	}
	cb, tr := newCallback(2), &countingTransport{}
	sdk := newSDK(t, srv, "wk_go", 2, cb, tr) // the second message sends the batch
	for _, ev := range []string{"A", "B"} {
		if err := sdk.Enqueue(analytics.Track{UserId: "u", Event: ev}); err != nil {
			t.Fatal(err)
		}
	}
	// Close would cut the retries short: wait for the SDK's verdict first.
	for range 2 {
		select {
		case <-cb.done:
		case <-time.After(time.Minute):
			t.Fatal("the SDK reported nothing in a minute")
		}
	}
	if err := sdk.Close(); err != nil {
		t.Fatal(err)
	}
	if cb.ok != 2 || tr.n.Load() != 3 {
		t.Errorf("%d ok after %d requests, want 2 after 3 (two 503s, then success)", cb.ok, tr.n.Load())
	}
	if evs, err := c.Connect("cn_go").Events(ctx, client.Query{"userId": "u"}); err != nil || len(evs) != 2 {
		t.Errorf("Connect events = %+v, %v; want each once", evs, err)
	}
}
