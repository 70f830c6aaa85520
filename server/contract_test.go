package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
	"github.com/destemu/destemu/testkit"

	analytics "gopkg.in/segmentio/analytics-go.v3"
)

// probe is a test-only destination: it stores every message it accepts, so
// the contract tests can see exactly what reached a destination.
type probe struct{}

type probeState struct {
	Events []probeEvent `json:"events"`
}

type probeEvent struct {
	Type, User, Event string
	Time              time.Time
	Settings          map[string]any
	FirstName         any
}

func (probe) Info() emulators.Info {
	return emulators.Info{
		Slug: "probe", Name: "Probe", Integrations: []string{"Probe", "Probe Legacy"},
		Accepts: []segment.Type{segment.Identify, segment.Track, segment.Page},
		Settings: []emulators.Setting{
			{Name: "region", Kind: emulators.SettingString, Required: true},
			{Name: "verbose", Kind: emulators.SettingBool, Default: false},
		},
	}
}

func (probe) NewState(cfg json.RawMessage) (*probeState, error) {
	if len(cfg) > 0 && string(cfg) != "{}" {
		return nil, emulators.BadRequest("probe takes no config")
	}
	return &probeState{}, nil
}

func (probe) Provision(emulators.Settings) *probeState { return &probeState{} }

func (probe) Reindex(*probeState) error { return nil }

func (probe) Handle(r *emulators.Request, s *probeState) error {
	m := r.Message
	if m.Event == "refuse me" {
		return emulators.BadRequest("properties.reason: the probe refuses this event")
	}
	first, _ := m.Traits.Get("first_name")
	s.Events = append(s.Events, probeEvent{Type: m.TypeName, User: m.UserKey(), Event: m.Event,
		Time: m.Timestamp, Settings: r.Settings.Map(), FirstName: first})
	r.Did("stored %s #%d", m.TypeName, len(s.Events))
	r.Set("count", len(s.Events))
	return nil
}

func (probe) Resources() []emulators.Resource[*probeState] {
	return []emulators.Resource[*probeState]{{
		Method: http.MethodGet, Path: "events", Summary: "List stored events",
		Handle: func(r *emulators.ResourceRequest, s *probeState) (any, error) {
			return s.Events, nil
		},
	}}
}

var ctx = context.Background()

var regionEU = map[string]any{"region": "eu"}

// withProbe serves the probe destination alone.
func withProbe() testkit.Option { return testkit.WithEmulators(emulators.Register(probe{})) }

// probeServer starts a server serving the probe destination alone,
// configured by opts.
func probeServer(t *testing.T, opts ...testkit.Option) *testkit.Server {
	t.Helper()
	return testkit.Start(t, append([]testkit.Option{withProbe()}, opts...)...)
}

// startProbe is probeServer's client for the default namespace.
func startProbe(t *testing.T, opts ...testkit.Option) *client.Client {
	t.Helper()
	return probeServer(t, opts...).Client()
}

// newAccount creates a probe account "acct" with the active admin key "k1".
func newAccount(t *testing.T, c *client.Client, id string, keys ...client.KeySpec) {
	t.Helper()
	if len(keys) == 0 {
		keys = []client.KeySpec{{Value: keyOf(c, id)}}
	}
	testkit.Must(c.CreateAccount(ctx, "probe", client.AccountSpec{ID: id, Settings: regionEU, Keys: keys}))(t)
}

func events(t *testing.T, c *client.Client, account string) []probeEvent {
	t.Helper()
	var out []probeEvent
	if err := c.Do(ctx, http.MethodGet, client.AccountPath("probe", account, "events"), nil, nil, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWebhookContract(t *testing.T) {
	t.Parallel()
	srv := probeServer(t)

	t.Run("G-1 the webhook of destination S is POST /S", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		f.Send(client.Track("u", "E", nil))
		if n := len(events(t, c, "a")); n != 1 {
			t.Fatalf("stored %d events, want 1", n)
		}
		resp, err := http.Get(srv.URL() + "/probe")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("GET /probe = %d, want 405", resp.StatusCode)
		}
	})

	t.Run("G-2 the key is the Basic auth user name; missing or bad auth is 401", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		body := []byte(`{"type":"track","userId":"u","event":"E"}`)
		withPassword := "Basic " + base64.StdEncoding.EncodeToString([]byte(f.Key+":ignored-password"))
		if err := c.SendRaw(ctx, "probe", client.RawRequest{Authorization: withPassword, Body: body}, nil); err != nil {
			t.Fatalf("password should be ignored: %v", err)
		}
		for _, auth := range []string{"", "Bearer k-a", "Basic !!!", "Basic " + base64.StdEncoding.EncodeToString([]byte(":nokey"))} {
			err := c.SendRaw(ctx, "probe", client.RawRequest{Authorization: auth, Body: body}, nil)
			testkit.ExpectError(t, err, http.StatusUnauthorized, "Authorization")
		}
		if n := len(events(t, c, "a")); n != 1 {
			t.Fatalf("stored %d events, want 1", n)
		}
	})

	t.Run("G-3 settings header: base64 or raw JSON; undecodable or missing required is 400", func(t *testing.T) {
		t.Parallel()
		c := testkit.Isolated(t, srv).Client()
		// An account without stored settings: the header must carry them.
		testkit.Must(c.CreateAccount(ctx, "probe", client.AccountSpec{ID: "a", Keys: []client.KeySpec{{Value: "k3"}}}))(t)
		body := []byte(`{"type":"track","userId":"u","event":"E"}`)
		send := func(settings string) error {
			return c.SendRaw(ctx, "probe", client.RawRequest{Authorization: client.BasicAuth("k3"), Settings: settings, Body: body}, nil)
		}
		if err := send(base64.StdEncoding.EncodeToString([]byte(`{"region":"us","verbose":true}`))); err != nil {
			t.Fatal(err)
		}
		if err := send(`{"region":"raw"}`); err != nil {
			t.Fatal(err)
		}
		testkit.ExpectError(t, send("%%%not-base64"), 400, "X-Segment-Settings")
		testkit.ExpectError(t, send(base64.StdEncoding.EncodeToString([]byte(`[1]`))), 400, "X-Segment-Settings")
		testkit.ExpectError(t, send(`{"verbose":true}`), 400, `"region"`)
		testkit.ExpectError(t, send(`{"region":"x","verbose":"yes"}`), 400, `"verbose"`)
		// The account keeps the header it last decoded: the same header
		// again, after others, still reads as itself.
		if err := send(`{"region":"raw"}`); err != nil {
			t.Fatal(err)
		}
		if err := send(`{"region":"raw"}`); err != nil {
			t.Fatal(err)
		}
		got := events(t, c, "a")
		if len(got) != 4 || got[0].Settings["region"] != "us" || got[0].Settings["verbose"] != true ||
			got[1].Settings["region"] != "raw" || got[1].Settings["verbose"] != false ||
			got[2].Settings["region"] != "raw" || got[3].Settings["region"] != "raw" {
			t.Fatalf("settings reached the destination as %+v", got)
		}
	})

	t.Run("G-4 every refusal is JSON with a message naming the field", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/probe", strings.NewReader(`{"type":"track","userId":"u"}`))
		req.Header.Set("Authorization", client.BasicAuth(f.Key))
		req.Header.Set(client.NamespaceHeader, c.NamespaceName())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" ||
			len(body) != 1 || !strings.Contains(fmt.Sprint(body["message"]), "event") {
			t.Fatalf("got %d %s %v", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		// A destination's own refusal keeps its status and message.
		f.Expect(client.Track("u", "refuse me", nil), 400, "properties.reason")
	})

	t.Run("G-5 a body that is not a JSON object is 400; over the limit is 413", func(t *testing.T) {
		t.Parallel()
		small := probeServer(t, testkit.WithConfig(func(c *serverConfig) { c.BodyLimit = 256 })).Client()
		newAccount(t, small, "a")
		for _, body := range []string{`[]`, `"x"`, `{"type":`, "{\"type\":\"track\",\"userId\":\"\xff\xfe\",\"event\":\"E\"}", ``} {
			err := small.SendRaw(ctx, "probe", client.RawRequest{Authorization: client.BasicAuth(keyOf(small, "a")), Body: []byte(body)}, nil)
			testkit.ExpectError(t, err, 400, "")
		}
		big := client.Track("u", "E", map[string]any{"pad": strings.Repeat("x", 300)})
		_, err := small.Send(ctx, "probe", keyOf(small, "a"), nil, big)
		testkit.ExpectError(t, err, 413, "256-byte")
		if n := len(events(t, small, "a")); n != 0 {
			t.Fatalf("stored %d events, want 0", n)
		}
		// The default limit is Segment's 32 KiB.
		def := testkit.Isolated(t, srv).Client()
		newAccount(t, def, "a")
		if _, err := def.Send(ctx, "probe", keyOf(def, "a"), nil, client.Track("u", "E", map[string]any{"pad": strings.Repeat("x", 31<<10)})); err != nil {
			t.Fatalf("31 KiB refused: %v", err)
		}
		_, err = def.Send(ctx, "probe", keyOf(def, "a"), nil, client.Track("u", "E", map[string]any{"pad": strings.Repeat("x", 33<<10)}))
		testkit.ExpectError(t, err, 413, "32768-byte")
	})

	t.Run("G-6 type in any casing; unknown is 400; known but unaccepted is 501", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		m := client.Track("u", "E", nil)
		m.Type = "TrAcK"
		f.Send(m)
		m.Type = "purchase"
		f.Expect(m, 400, "type")
		for _, m := range []client.Message{client.Screen("u", "S", nil), client.Group("u", "g", nil), client.Alias("u", "p")} {
			f.Expect(m, 501, "does not accept "+m.Type)
		}
		if n := len(events(t, c, "a")); n != 1 {
			t.Fatalf("stored %d events, want 1", n)
		}
	})

	t.Run("G-7 required ids per call type", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		f.Expect(client.Identify("", nil), 400, "anonymousId")
		f.Expect(client.Track("u", "", nil), 400, "event")
		f.Send(client.Identify("", nil).Anonymous("anon-1"))
		got := events(t, c, "a")
		if len(got) != 1 || got[0].User != "anon-1" {
			t.Fatalf("stored %+v", got)
		}
	})

	t.Run("G-8 event time: timestamp, else receivedAt, else the clock; bad time is 400", func(t *testing.T) {
		t.Parallel()
		frozen := time.Date(2031, 7, 4, 12, 0, 0, 0, time.UTC)
		f := frozenAccount(t, srv, frozen)
		c := f.Client
		ts := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		send := func(m client.Message) {
			t.Helper()
			f.Send(m)
		}
		send(client.Track("u", "ts", nil).At(ts))
		rcv := client.Track("u", "received", nil)
		rcv.Extra = map[string]any{"receivedAt": "2029-06-01T00:00:00Z"}
		send(rcv)
		send(client.Track("u", "clock", nil))
		bad := client.Track("u", "bad", nil)
		bad.Extra = map[string]any{"timestamp": "last tuesday"}
		f.Expect(bad, 400, "timestamp")
		got := events(t, c, "a")
		want := []time.Time{ts, time.Date(2029, 6, 1, 0, 0, 0, 0, time.UTC), frozen}
		if len(got) != 3 {
			t.Fatalf("stored %+v", got)
		}
		for i, w := range want {
			if !got[i].Time.Equal(w) {
				t.Errorf("event %s time = %v, want %v", got[i].Event, got[i].Time, w)
			}
		}
	})

	t.Run("G-9 traits in any casing name the same trait", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		for _, key := range []string{"firstName", "first_name", "FirstName"} {
			f.Send(client.Identify("u", map[string]any{key: "Ada " + key}))
		}
		for i, e := range events(t, c, "a") {
			if want := "Ada " + []string{"firstName", "first_name", "FirstName"}[i]; e.FirstName != want {
				t.Errorf("first name %d = %v, want %v", i, e.FirstName, want)
			}
		}
	})

	t.Run("G-10 a messageId applied within 24 hours is answered 200 and not applied again", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		newAccount(t, c, "b")
		testkit.Must(c.FreezeClock(ctx))(t)
		m := client.Track("u", "E", nil).WithID("msg-1")
		send := func(key string) *client.Result {
			t.Helper()
			res, err := c.Send(ctx, "probe", key, nil, m)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		if r := send(f.Key); r.Status != "ok" {
			t.Fatalf("first send: %+v", r)
		}
		if r := send(f.Key); r.Status != "duplicate" || !strings.Contains(r.Reason, "msg-1") {
			t.Fatalf("second send: %+v", r)
		}
		if r := send(keyOf(c, "b")); r.Status != "ok" { // another account has its own ids
			t.Fatalf("other account: %+v", r)
		}
		testkit.Must(c.AdvanceClock(ctx, 24*time.Hour-time.Second))(t)
		if r := send(f.Key); r.Status != "duplicate" {
			t.Fatalf("23:59:59 later: %+v", r)
		}
		testkit.Must(c.AdvanceClock(ctx, time.Second))(t)
		if r := send(f.Key); r.Status != "ok" {
			t.Fatalf("24h later: %+v", r)
		}
		if n := len(events(t, c, "a")); n != 2 {
			t.Fatalf("account a stored %d events, want 2", n)
		}
		dups, err := c.Requests(ctx, client.RequestFilter{Outcome: "duplicate"})
		if err != nil || len(dups) != 2 || dups[0].Status != 200 {
			t.Fatalf("log marks duplicates: %+v, %v", dups, err)
		}
	})

	t.Run("G-11 unknown keys: provisioned by default, 401 in strict mode", func(t *testing.T) {
		t.Parallel()
		c := testkit.Isolated(t, srv).Client()
		res, err := c.Send(ctx, "probe", "fresh-key", regionEU, client.Track("u", "E", nil))
		if err != nil {
			t.Fatal(err)
		}
		a, err := c.Account(ctx, "probe", res.Account)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Provisioned || len(a.Keys) != 1 || a.Keys[0].Value != "fresh-key" || a.Keys[0].Status != "active" ||
			a.Keys[0].Permission != "admin" || a.Namespace != c.NamespaceName() {
			t.Fatalf("provisioned account %+v", a)
		}
		if n := len(events(t, c, a.ID)); n != 1 {
			t.Fatalf("the first event was not applied: %d events", n)
		}
		// A provisioning request that is itself invalid provisions nothing.
		testkit.ExpectError(t, sendErr(c, client.Track("u", "", nil), "other-key"), 400, "event")
		if all, _ := c.Accounts(ctx, "probe"); len(all) != 1 {
			t.Fatalf("accounts after an invalid request: %+v", all)
		}

		strict := startProbe(t, testkit.WithStrict())
		_, err = strict.Send(ctx, "probe", "fresh-key", regionEU, client.Track("u", "E", nil))
		testkit.ExpectError(t, err, 401, "strict")
		if all, _ := strict.Accounts(ctx, "probe"); len(all) != 0 {
			t.Fatalf("strict mode provisioned %+v", all)
		}
	})

	t.Run("G-11 concurrent first requests with one unknown key provision one account", func(t *testing.T) {
		t.Parallel()
		c := testkit.Isolated(t, srv).Client()
		var wg sync.WaitGroup
		for i := 0; i < 32; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Send(ctx, "probe", "racing-key", regionEU, client.Track("u", "E", nil)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		all, err := c.Accounts(ctx, "probe")
		if err != nil || len(all) != 1 {
			t.Fatalf("accounts: %+v, %v", all, err)
		}
		if n := len(events(t, c, all[0].ID)); n != 32 {
			t.Fatalf("stored %d events, want 32", n)
		}
	})

	t.Run("G-12 a revoked key is 403; inactive 401; activate restores", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		testkit.Must(c.RevokeKey(ctx, "probe", "a", f.Key))(t)
		// Auth comes before message checks: even a broken message is 403.
		f.Expect(client.Track("u", "", nil), 403, "revoked")
		testkit.Must(c.DeactivateKey(ctx, "probe", "a", f.Key))(t)
		f.Expect(client.Track("u", "E", nil), 401, "not active")
		testkit.Must(c.ActivateKey(ctx, "probe", "a", f.Key))(t)
		f.Send(client.Track("u", "E", nil))
		if n := len(events(t, c, "a")); n != 1 {
			t.Fatalf("stored %d events, want 1", n)
		}
	})

	t.Run("G-13 accounts and namespaces are isolated", func(t *testing.T) {
		t.Parallel()
		ns1 := testkit.Isolated(t, srv).Client()
		ns2 := testkit.Isolated(t, srv).Client()
		newAccount(t, ns1, "a")
		newAccount(t, ns1, "b")
		newAccount(t, ns2, "a", client.KeySpec{Value: "k-a-2"})
		testkit.Must(ns1.Send(ctx, "probe", keyOf(ns1, "a"), nil, client.Track("u", "E", nil)))(t)
		if n := len(events(t, ns1, "b")); n != 0 {
			t.Fatalf("account b sees %d events", n)
		}
		if n := len(events(t, ns2, "a")); n != 0 {
			t.Fatalf("namespace 2 account a sees %d events", n)
		}
		// A key of one namespace is unknown when sent in another's name.
		strict := probeServer(t, testkit.WithStrict())
		s1, s2 := testkit.Isolated(t, strict).Client(), testkit.Isolated(t, strict).Client()
		newAccount(t, s1, "a")
		testkit.ExpectError(t, sendErr(s2, client.Track("u", "E", nil), keyOf(s1, "a")), 401, "unknown API key")
		// In the default mode too: a key of namespace 1 sent in namespace 2's
		// name provisions nothing and touches nothing.
		_, err := ns2.Send(ctx, "probe", keyOf(ns1, "a"), regionEU, client.Track("u", "E", nil))
		testkit.ExpectError(t, err, 401, "another namespace")
		if n := len(events(t, ns1, "a")); n != 1 {
			t.Fatalf("namespace 1 account a has %d events, want 1", n)
		}
		if accts, _ := ns2.Accounts(ctx, "probe"); len(accts) != 1 {
			t.Fatalf("namespace 2 accounts: %+v", accts)
		}
		// Keys are unique across the server (per destination).
		_, err = ns2.CreateAccount(ctx, "probe", client.AccountSpec{ID: "c", Keys: []client.KeySpec{{Value: keyOf(ns1, "a")}}})
		testkit.ExpectError(t, err, 409, keyOf(ns1, "a"))
		// Namespace 2's log holds only its own refused request.
		if logs, _ := ns2.Requests(ctx, client.RequestFilter{}); len(logs) != 1 || logs[0].Status != 401 || logs[0].Namespace != ns2.NamespaceName() {
			t.Fatalf("namespace 2 log: %+v", logs)
		}
	})

	t.Run("G-14 every request is logged with outcome, reason and actions", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		f.Send(client.Track("u1", "Signed Up", nil))
		_ = sendErr(c, client.Track("u2", "refuse me", nil))
		_ = sendErr(c, client.Alias("u3", "p"))
		_ = c.SendRaw(ctx, "probe", client.RawRequest{Body: []byte(`{}`)}, nil)
		all, err := c.Requests(ctx, client.RequestFilter{})
		if err != nil || len(all) != 4 {
			t.Fatalf("log: %d entries, %v", len(all), err)
		}
		noAuth, unsupported, refused, ok := all[0], all[1], all[2], all[3]
		if ok.Status != 200 || ok.Outcome != "ok" || ok.Account != "a" || ok.Destination != "probe" ||
			ok.Event != "Signed Up" || len(ok.Actions) != 1 || ok.Actions[0] != "stored track #1" || len(ok.Body) == 0 {
			t.Errorf("accepted entry %+v", ok)
		}
		if unsupported.Status != 501 || unsupported.Outcome != "refused" || !strings.Contains(unsupported.Message, "alias") {
			t.Errorf("501 entry %+v", unsupported)
		}
		if refused.Status != 400 || refused.UserID != "u2" || !strings.Contains(refused.Message, "refuses") {
			t.Errorf("refused entry %+v", refused)
		}
		if noAuth.Status != 401 || noAuth.Account != "" {
			t.Errorf("401 entry %+v", noAuth)
		}
		byUser, _ := c.Requests(ctx, client.RequestFilter{UserID: "u2"})
		by400, _ := c.Requests(ctx, client.RequestFilter{Status: 400, Destination: "probe"})
		byType, _ := c.Requests(ctx, client.RequestFilter{Type: "track", Account: "a"})
		if len(byUser) != 1 || len(by400) != 1 || len(byType) != 2 {
			t.Errorf("filters: user %d, status %d, type %d", len(byUser), len(by400), len(byType))
		}
	})

	t.Run("G-15 a message the integrations object disables is processed with a warning", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		for _, tc := range []struct {
			integrations map[string]any
			warn         bool
		}{
			{map[string]any{"Probe": false}, true},
			{map[string]any{"Probe Legacy": false}, true},
			{map[string]any{"All": false}, true},
			{map[string]any{"All": false, "Probe": true}, false},
			{map[string]any{"All": false, "Probe": map[string]any{"x": 1}}, false},
			{map[string]any{"Other": false}, false},
		} {
			m := client.Track("u", "E", nil)
			m.Integrations = tc.integrations
			res, err := f.SendErr(m)
			if err != nil {
				t.Fatal(err)
			}
			warned := len(res.Warnings) == 1 && strings.Contains(res.Warnings[0], "would not have delivered")
			if warned != tc.warn || res.Status != "ok" {
				t.Errorf("integrations %v: %+v", tc.integrations, res)
			}
		}
		if n := len(events(t, c, "a")); n != 6 {
			t.Fatalf("stored %d events, want all 6", n)
		}
		logged, _ := c.Requests(ctx, client.RequestFilter{Limit: 1})
		if len(logged) != 1 || len(logged[0].Warnings) != 0 {
			t.Fatalf("log warnings %+v", logged)
		}
	})

	t.Run("G-15 the official Go library's DisableAll() (\"all\": false) disables in any casing", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		send := func(integrations analytics.Integrations) *client.Result {
			t.Helper()
			body, err := json.Marshal(analytics.Track{Type: "track", UserId: "u", Event: "E", Timestamp: time.Now(), Integrations: integrations})
			if err != nil {
				t.Fatal(err)
			}
			var res client.Result
			if err := c.SendRaw(ctx, "probe", client.RawRequest{Authorization: client.BasicAuth(f.Key), Body: body}, &res); err != nil {
				t.Fatal(err)
			}
			return &res
		}
		if res := send(analytics.NewIntegrations().DisableAll()); len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "would not have delivered") {
			t.Errorf("DisableAll(): %+v", res)
		}
		if res := send(analytics.NewIntegrations().DisableAll().Enable("Probe")); len(res.Warnings) != 0 {
			t.Errorf("DisableAll().Enable(Probe): %+v", res)
		}
		if res := send(analytics.NewIntegrations().EnableAll().Disable("Other")); len(res.Warnings) != 0 {
			t.Errorf("EnableAll(): %+v", res)
		}
	})

	t.Run("G-8 a zero timestamp (a Go client that forgot the time) falls through to the next source with a warning", func(t *testing.T) {
		t.Parallel()
		frozen := time.Date(2031, 7, 4, 12, 0, 0, 0, time.UTC)
		f := frozenAccount(t, srv, frozen)
		c := f.Client
		// analytics-go's message types write an unset Timestamp as the zero time.
		body, err := json.Marshal(analytics.Track{Type: "track", UserId: "u", Event: "no time"})
		if err != nil || !strings.Contains(string(body), `"timestamp":"0001-01-01T00:00:00Z"`) {
			t.Fatalf("analytics-go body %s, %v", body, err)
		}
		var res client.Result
		if err := c.SendRaw(ctx, "probe", client.RawRequest{Authorization: client.BasicAuth(f.Key), Body: body}, &res); err != nil {
			t.Fatal(err)
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "zero time") {
			t.Fatalf("answer %+v, want a warning about the zero time", res)
		}
		withReceived := client.Track("u", "received", nil)
		withReceived.Extra = map[string]any{"timestamp": "0001-01-01T00:00:00Z", "receivedAt": "2029-06-01T00:00:00Z"}
		f.Send(withReceived)
		got := events(t, c, "a")
		if len(got) != 2 || !got[0].Time.Equal(frozen) || !got[1].Time.Equal(time.Date(2029, 6, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("events %+v: want the clock's now, then receivedAt", got)
		}
		logged, _ := c.Requests(ctx, client.RequestFilter{Limit: 1})
		if len(logged) != 1 || len(logged[0].Warnings) != 1 || !strings.Contains(logged[0].Warnings[0], "zero time") {
			t.Fatalf("log %+v", logged)
		}
	})

	t.Run("G-14 a refused message that decodes is logged with its type, ids and event", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		for _, body := range []string{
			`{"type":"TRACK","userId":"u-bad","anonymousId":"a-bad","messageId":"m-1"}`, // no event
			`{"type":"track","userId":"u-bad","event":"Clicked","properties":[1]}`,      // properties not an object
			`{"type":"purchase","userId":"u-bad","event":"Bought"}`,                     // unknown type
			`{"type":"track","userId":"u-bad","event":"Late","timestamp":"yesterday"}`,  // bad time
			`{"type":"track","userId":7,"anonymousId":"a-bad","event":"Num"}`,           // userId not a string
		} {
			err := c.SendRaw(ctx, "probe", client.RawRequest{Authorization: client.BasicAuth(f.Key), Body: []byte(body)}, nil)
			testkit.ExpectError(t, err, 400, "")
		}
		byUser, err := c.Requests(ctx, client.RequestFilter{UserID: "u-bad"})
		if err != nil || len(byUser) != 4 {
			t.Fatalf("requests?userId=u-bad: %d entries, %v", len(byUser), err)
		}
		late, bought, clicked, noEvent := byUser[0], byUser[1], byUser[2], byUser[3]
		if noEvent.Type != "track" || noEvent.AnonymousID != "a-bad" || noEvent.MessageID != "m-1" || noEvent.Event != "" {
			t.Errorf("entry %+v", noEvent)
		}
		if clicked.Event != "Clicked" || bought.Type != "purchase" || bought.Event != "Bought" || late.Event != "Late" {
			t.Errorf("entries %+v %+v %+v", clicked, bought, late)
		}
		if byAnon, _ := c.Requests(ctx, client.RequestFilter{UserID: "a-bad"}); len(byAnon) != 2 || byAnon[0].Event != "Num" || byAnon[0].UserID != "" {
			t.Errorf("requests?userId=a-bad: %+v", byAnon)
		}
	})

	t.Run("G-16 success is 200 with a JSON body that says what happened", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		var raw map[string]any
		err := c.SendRaw(ctx, "probe", client.RawRequest{Authorization: client.BasicAuth(f.Key),
			Body: []byte(`{"type":"identify","userId":"u"}`)}, &raw)
		if err != nil {
			t.Fatal(err)
		}
		if raw["status"] != "ok" || raw["account"] != "a" || raw["type"] != "identify" ||
			fmt.Sprint(raw["actions"]) != "[stored identify #1]" || fmt.Sprint(raw["data"]) != "map[count:1]" {
			t.Fatalf("answer %v", raw)
		}
	})
}

// probeFixture is probe account "a" (settings: region eu) with its key
// keyOf(f.Client, "a"), in a fresh namespace of srv.
func probeFixture(t *testing.T, srv *testkit.Server) *testkit.Fixture {
	t.Helper()
	f := testkit.NewEmptyFixture(t, srv, "probe")
	newAccount(t, f.Client, "a")
	f.Account, f.Key = "a", keyOf(f.Client, "a")
	return f
}

// frozenAccount is probeFixture with the namespace clock frozen at at.
func frozenAccount(t *testing.T, srv *testkit.Server, at time.Time) *testkit.Fixture {
	t.Helper()
	f := probeFixture(t, srv)
	f.Freeze(at)
	return f
}

// keyOf names the key newAccount gives account id. Keys are unique across
// the server, so tests sharing one server take their namespace's name in.
func keyOf(c *client.Client, id string) string {
	if ns := c.NamespaceName(); ns != "" {
		return ns + "-k-" + id
	}
	return "k-" + id
}

// sendErr sends m with account a's key (or the given key) and returns the error.
func sendErr(c *client.Client, m client.Message, key ...string) error {
	k := keyOf(c, "a")
	if len(key) > 0 {
		k = key[0]
	}
	_, err := c.Send(ctx, "probe", k, nil, m)
	return err
}
