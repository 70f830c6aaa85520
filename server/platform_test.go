package server_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

type serverConfig = server.Config

// TestOneKeyHammered sends from many goroutines with one key: every request
// is applied exactly once and logged exactly once.
func TestOneKeyHammered(t *testing.T) {
	t.Parallel()
	c := startProbe(t)
	newAccount(t, c, "a")
	const workers, each = 16, 25
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := c.Send(ctx, "probe", keyOf(c, "a"), nil, client.Track("u", "E", nil)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := len(events(t, c, "a")); n != workers*each {
		t.Fatalf("stored %d events, want %d", n, workers*each)
	}
	logged, err := c.Requests(ctx, client.RequestFilter{Limit: 1})
	if err != nil || len(logged) != 1 || logged[0].ID != workers*each {
		t.Fatalf("newest log entry %+v, %v", logged, err)
	}
}

// TestNamespaceClocks runs parallel tests on one server, each moving its
// own namespace clock; none sees another's time.
func TestNamespaceClocks(t *testing.T) {
	t.Parallel()
	srv := probeServer(t)
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= 4; i++ {
		t.Run("ns", func(t *testing.T) {
			t.Parallel()
			c := testkit.Isolated(t, srv).Client()
			testkit.Must(c.FreezeClockAt(ctx, start))(t)
			for step := 0; step < 10; step++ {
				testkit.Must(c.AdvanceClock(ctx, time.Duration(i)*time.Hour))(t)
			}
			st, err := c.Clock(ctx)
			if want := start.Add(time.Duration(10*i) * time.Hour); err != nil || !st.Now.Equal(want) || !st.Frozen {
				t.Fatalf("clock %+v, %v; want %v", st, err, want)
			}
		})
	}
	// The default namespace still runs in real time.
	st, err := srv.Client().Clock(ctx)
	if err != nil || st.Frozen || time.Since(st.Now) > time.Minute || time.Since(st.Now) < -time.Minute {
		t.Fatalf("default clock %+v, %v", st, err)
	}
}

func TestClockControl(t *testing.T) {
	t.Parallel()
	c := startProbe(t)
	t0 := time.Date(2030, 5, 5, 5, 5, 5, 0, time.UTC)
	if st, err := c.FreezeClockAt(ctx, t0); err != nil || !st.Now.Equal(t0) {
		t.Fatalf("freeze at: %+v %v", st, err)
	}
	if st, _ := c.AdvanceClock(ctx, 36*time.Hour); !st.Now.Equal(t0.Add(36 * time.Hour)) {
		t.Fatalf("advance: %+v", st)
	}
	err := c.Do(ctx, http.MethodPost, "/_emulator/clock/advance", nil, map[string]any{"duration": "7d"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Clock(ctx); !st.Now.Equal(t0.Add(36*time.Hour + 7*24*time.Hour)) {
		t.Fatalf("advance 7d: %+v", st)
	}
	err = c.Do(ctx, http.MethodPost, "/_emulator/clock/advance", nil, map[string]any{"duration": "-1h"}, nil)
	testkit.ExpectError(t, err, 400, "duration")
	err = c.Do(ctx, http.MethodPost, "/_emulator/clock/set", nil, map[string]any{"when": "x"}, nil)
	testkit.ExpectError(t, err, 400, `"when"`)
	if st, _ := c.ResumeClock(ctx); st.Frozen {
		t.Fatalf("resume: %+v", st)
	}
	if st, _ := c.Clock(ctx); st.Now.Before(t0.Add(36*time.Hour + 7*24*time.Hour)) {
		t.Fatalf("resumed clock went backwards: %+v", st)
	}
}

func TestWaitRequests(t *testing.T) {
	t.Parallel()
	c := startProbe(t)
	newAccount(t, c, "a")
	done := waitRequests(t, c, client.RequestFilter{Event: "Done"}, 2)
	for _, ev := range []string{"Other", "Done", "Done"} {
		testkit.Must(c.Send(ctx, "probe", keyOf(c, "a"), nil, client.Track("u", ev, nil)))(t)
	}
	if got := <-done; len(got) != 2 || got[0].Event != "Done" {
		t.Fatalf("wait returned %+v", got)
	}
	_, err := c.WaitRequests(ctx, client.RequestFilter{Event: "Never"}, 1, 50*time.Millisecond)
	testkit.ExpectError(t, err, http.StatusRequestTimeout, "0 of 1")
}

func TestRequestLogIsBounded(t *testing.T) {
	t.Parallel()
	c := startProbe(t, testkit.WithConfig(func(c *serverConfig) { c.LogCapacity = 5 }))
	newAccount(t, c, "a")
	for i := 0; i < 12; i++ {
		testkit.Must(c.Send(ctx, "probe", keyOf(c, "a"), nil, client.Track("u", "E", nil)))(t)
	}
	all, err := c.Requests(ctx, client.RequestFilter{Limit: 100})
	if err != nil || len(all) != 5 || all[0].ID != 12 || all[4].ID != 8 {
		t.Fatalf("log kept %d entries: %+v", len(all), all)
	}
}

func TestAccountsControlPlane(t *testing.T) {
	t.Parallel()
	c := startProbe(t)
	_, err := c.CreateAccount(ctx, "probe", client.AccountSpec{ID: "bad id!"})
	testkit.ExpectError(t, err, 400, `"id"`)
	_, err = c.CreateAccount(ctx, "probe", client.AccountSpec{ID: "a", Settings: map[string]any{"colour": "red"}})
	testkit.ExpectError(t, err, 400, `"colour"`)
	_, err = c.CreateAccount(ctx, "probe", client.AccountSpec{ID: "a", Config: map[string]any{"x": 1}})
	testkit.ExpectError(t, err, 400, `"config"`)
	_, err = c.CreateAccount(ctx, "nope", client.AccountSpec{ID: "a"})
	testkit.ExpectError(t, err, 404, "")
	err = c.Do(ctx, http.MethodPost, "/_emulator/probe/accounts", nil, map[string]any{"id": "a", "colour": 1}, nil)
	testkit.ExpectError(t, err, 400, "colour")
	newAccount(t, c, "a", client.KeySpec{Value: "k1"}, client.KeySpec{Value: "k2", Active: client.Inactive(), Permission: "read"})
	_, err = c.CreateAccount(ctx, "probe", client.AccountSpec{ID: "a"})
	testkit.ExpectError(t, err, 409, "already exists")
	// A failed create claims no key: the key stays free for the next account.
	_, err = c.CreateAccount(ctx, "probe", client.AccountSpec{ID: "b", Keys: []client.KeySpec{{Value: "k3"}, {Value: "k1"}}})
	testkit.ExpectError(t, err, 409, "k1")
	if _, err := c.CreateAccount(ctx, "probe", client.AccountSpec{ID: "b", Keys: []client.KeySpec{{Value: "k3"}}}); err != nil {
		t.Fatalf("k3 was left claimed: %v", err)
	}
	a, err := c.Account(ctx, "probe", "a")
	if err != nil || len(a.Keys) != 2 || a.Keys[1].Status != "inactive" || a.Keys[1].Permission != "read" {
		t.Fatalf("account %+v, %v", a, err)
	}
	testkit.Must(c.AddKey(ctx, "probe", "a", client.KeySpec{Value: "k4"}))(t)
	testkit.Must(c.Send(ctx, "probe", "k4", nil, client.Track("u", "E", nil)))(t)
	if err := c.ResetAccount(ctx, "probe", "a"); err != nil {
		t.Fatal(err)
	}
	if n := len(events(t, c, "a")); n != 0 {
		t.Fatalf("reset left %d events", n)
	}
	if err := c.DeleteAccount(ctx, "probe", "a"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Account(ctx, "probe", "a")
	testkit.ExpectError(t, err, 404, "")
	// Deleted keys are unknown again: a new account is provisioned for k4.
	res, err := c.Send(ctx, "probe", "k4", regionEU, client.Track("u", "E", nil))
	if err != nil || res.Account != "k4" {
		t.Fatalf("after delete: %+v, %v", res, err)
	}
}

func TestResetAndNamespaces(t *testing.T) {
	t.Parallel()
	c := startProbe(t)
	other := c.Namespace("other")
	newAccount(t, c, "a")
	newAccount(t, other, "b")
	testkit.Must(other.FreezeClock(ctx))(t)
	list, err := c.Namespaces(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "default" || list[1].Name != "other" || !list[1].Clock.Frozen {
		t.Fatalf("namespaces %+v, %v", list, err)
	}
	if err := other.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if accts, _ := other.Accounts(ctx, "probe"); len(accts) != 0 {
		t.Fatalf("reset namespace kept %+v", accts)
	}
	if st, _ := other.Clock(ctx); st.Frozen {
		t.Fatal("reset kept the frozen clock")
	}
	if accts, _ := c.Accounts(ctx, "probe"); len(accts) != 1 {
		t.Fatal("resetting one namespace touched another")
	}
	if err := c.ResetAll(ctx); err != nil {
		t.Fatal(err)
	}
	if list, _ := c.Namespaces(ctx); len(list) != 1 {
		t.Fatalf("reset all left %+v", list)
	}
	if accts, _ := c.Accounts(ctx, "probe"); len(accts) != 0 {
		t.Fatal("reset all kept default accounts")
	}
	testkit.ExpectError(t, c.DeleteNamespace(ctx, "missing"), 404, "missing")
	_, err = c.Namespace("bad name!").Clock(ctx)
	testkit.ExpectError(t, err, 400, "namespace")
}

func TestAdminToken(t *testing.T) {
	t.Parallel()
	srv := probeServer(t, testkit.WithAdminToken("s3cret"))
	if _, err := srv.Client().Namespaces(ctx); err != nil {
		t.Fatalf("with token: %v", err)
	}
	_, err := client.New(srv.URL()).Namespaces(ctx)
	testkit.ExpectError(t, err, 401, "Bearer")
	_, err = client.New(srv.URL(), client.WithAdminToken("wrong")).Namespaces(ctx)
	testkit.ExpectError(t, err, 401, "Bearer")
	// Webhooks and health stay open.
	testkit.Must(client.New(srv.URL()).Send(ctx, "probe", "k", regionEU, client.Track("u", "E", nil)))(t)
	if err := client.New(srv.URL()).Ready(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	srv := probeServer(t)
	c := srv.Client()
	testkit.Must(c.Send(ctx, "probe", "k", regionEU, client.Track("u", "E", nil)))(t)
	_, _ = c.Send(ctx, "probe", "k", regionEU, client.Alias("u", "p"))
	for path, want := range map[string][]string{
		"/livez":  {`"alive"`},
		"/readyz": {`"ready"`},
		"/metrics": {
			`destemu_webhook_requests_total{destination="probe",outcome="ok",status="200"} 1`,
			`destemu_webhook_requests_total{destination="probe",outcome="refused",status="501"} 1`,
			`destemu_webhook_request_duration_seconds_count{destination="probe"} 2`,
		},
	} {
		status, body := get(t, http.DefaultClient, srv.URL()+path)
		for _, w := range want {
			if status != 200 || !strings.Contains(body, w) {
				t.Errorf("%s: %d, missing %s", path, status, w)
			}
		}
	}
	srv.Server().SetReady(false)
	testkit.ExpectError(t, c.Ready(ctx), 503, "not ready")
}

// TestOpenAPIMatchesRoutes checks that every route the OpenAPI document
// lists exists, and every control-plane route is listed.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := srv.Client().Do(ctx, http.MethodGet, "/_emulator/openapi.json", nil, nil, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	routed := map[string]bool{}
	for _, r := range srv.Server().Handler().(*gin.Engine).Routes() {
		// The web UI's pages and its second mount of this same table
		// (TestUIMountsControlPlane) are not the control plane.
		if !strings.HasPrefix(r.Path, "/_emulator/") || strings.HasPrefix(r.Path, "/_emulator/ui") {
			continue
		}
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		routed[r.Method+" "+strings.Join(parts, "/")] = true
	}
	var missing, extra []string
	for r := range routed {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !routed[d] {
			extra = append(extra, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 || doc.OpenAPI != "3.1.0" || len(routed) < 15 {
		t.Fatalf("routes not documented: %v\ndocumented, not routed: %v (%d routes)", missing, extra, len(routed))
	}
	b, _ := json.Marshal(doc)
	if !strings.Contains(string(b), "X-Destemu-Namespace") {
		t.Fatal("the namespace header is not documented")
	}
}
