package scenarios_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/scenarios"
	"github.com/destemu/destemu/testkit"
)

var ctx = context.Background()

func parse(t *testing.T, doc string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Parse(t.Name()+".yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const failing = `name: a scenario that fails at step 2
setup:
  accounts:
    - destination: promoter
      id: acme
      keys: [pk_acme]
steps:
  - send:
      destination: promoter
      key: pk_acme
      message: {type: identify, userId: ted, traits: {email: ted@example.com}}
  - name: wrong on purpose
    assert:
      path: promoter/accounts/acme/contacts/ted
      match: {email: someone@else.example}
  - clock: {advance: 1h}
`

// TestRunReportsFailure checks a failing step: the scenario fails, the
// step says what differed and where, the steps after it are skipped, and
// the namespace is gone all the same.
func TestRunReportsFailure(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	rep, err := scenarios.Run(ctx, srv.Client(), parse(t, failing))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed() || rep.Result != scenarios.Fail {
		t.Fatalf("result %s, want fail", rep.Result)
	}
	var results []string
	for _, s := range rep.Steps {
		results = append(results, fmt.Sprintf("%s:%d:%s", s.Kind, s.Line, s.Result))
	}
	if got, want := strings.Join(results, " "), "setup:4:pass send:8:pass assert:12:fail clock:16:skip"; got != want {
		t.Errorf("steps %s, want %s", got, want)
	}
	bad := rep.Steps[2]
	if bad.Name != "wrong on purpose" || !strings.Contains(bad.Message, `email: want "someone@else.example", got "ted@example.com"`) {
		t.Errorf("failed step: %+v", bad)
	}
	if !strings.Contains(rep.Reason, "step 2 (line 12)") {
		t.Errorf("reason %q does not name the step", rep.Reason)
	}
	if ns, _ := srv.Client().Namespaces(ctx); len(ns) != 1 {
		t.Errorf("%d namespaces left, want only default", len(ns))
	}
}

// TestRunKeepNamespace leaves the namespace for a look after the run.
func TestRunKeepNamespace(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	rep, err := scenarios.RunWith(ctx, srv.Client(), parse(t, failing), scenarios.Options{KeepNamespace: true})
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client().Namespace(rep.Namespace)
	var contact struct{ Email string }
	if err := c.Do(ctx, "GET", client.AccountPath("promoter", "acme", "contacts", "ted"), nil, nil, &contact); err != nil || contact.Email != "ted@example.com" {
		t.Fatalf("kept namespace %s: %+v %v", rep.Namespace, contact, err)
	}
}

// TestRunParallelIsolation runs scenarios that each freeze their clock at
// another day, on one server at once: each sees its own clock, its own
// account "acme" and its own key "pk_acme".
func TestRunParallelIsolation(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	const n = 20
	reports := make([]scenarios.Report, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		day := fmt.Sprintf("2024-01-%02dT12:00:00Z", i+1)
		s := parse(t, fmt.Sprintf(`name: day %d
setup:
  accounts:
    - destination: promoter
      id: acme
      keys: [pk_acme]
      config: {dailyLimit: 2}
steps:
  - clock: {set: "%s", freeze: true}
  - send:
      destination: promoter
      key: pk_acme
      message: {type: track, userId: ted, event: Tick}
      repeat: 3
    expect:
      statuses: {200: 2, 429: 1}
  - clock: {advance: 1h}
  - assert:
      path: clock
      match: {frozen: true}
  - assert:
      path: promoter/accounts/acme/custom-events
      count: 2
      match:
        items: [{timestamp: "%s"}, {timestamp: "%s"}]
  - assert:
      path: requests
      match: {total: 3}
`, i, day, day, day))
		wg.Go(func() { reports[i], errs[i] = scenarios.Run(ctx, srv.Client(), s) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if sum := scenarios.Summarize(reports); !sum.OK || sum.Passed != n {
		t.Fatalf("%+v\n%s", sum, failed(reports...))
	}
	clk, err := srv.Client().Clock(ctx)
	if err != nil || clk.Frozen {
		t.Errorf("the default namespace's clock moved: %+v %v", clk, err)
	}
}

// TestRunChecksDestinations refuses a scenario that names a destination
// the server does not emulate, before running anything.
func TestRunChecksDestinations(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	s := parse(t, "name: x\nsteps:\n  - send: {destination: zendesk, key: k, message: {type: track}}\n")
	rep, err := scenarios.Run(ctx, srv.Client(), s)
	if err == nil || !strings.Contains(err.Error(), t.Name()+`.yaml:3: unknown destination "zendesk"`) {
		t.Fatalf("got %v", err)
	}
	if rep.Result != scenarios.Fail || rep.Namespace != "" {
		t.Errorf("report %+v", rep)
	}
}

// TestRunRequires skips a scenario the server does not suit.
func TestRunRequires(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	s := parse(t, "name: strict only\nrequires: {strict: true}\nsteps:\n  - clock: {freeze: true}\n")
	rep, err := scenarios.Run(ctx, srv.Client(), s)
	if err != nil || rep.Result != scenarios.Skip || !rep.Passed() || !strings.Contains(rep.Reason, "strict") {
		t.Fatalf("%+v %v", rep, err)
	}
	if len(rep.Steps) != 1 || rep.Steps[0].Result != scenarios.Skip {
		t.Errorf("steps %+v", rep.Steps)
	}
}

// TestSeed applies a setup in the client's namespace with keys as written,
// and reports a conflict with its line.
func TestSeed(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	s, err := scenarios.ParseFile("testdata/seed/sandbox.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	if err := scenarios.Seed(ctx, c, s); err != nil {
		t.Fatal(err)
	}
	testkit.Must(c.Send(ctx, "promoter", "pk_sandbox", nil, client.Identify("ted", map[string]any{"email": "ted@example.com"})))(t)
	res, err := c.Send(ctx, "promoter", "pk_sandbox", nil, client.Track("ted", "Order Completed", nil))
	if err != nil || res.Data["survey"] == nil {
		t.Fatalf("seeded campaign did not survey: %+v %v", res, err)
	}
	if clk, _ := c.Clock(ctx); clk.Frozen || offset(t, clk.Offset) > time.Minute {
		t.Errorf("seeding ran a step: clock %+v", clk)
	}
	err = scenarios.Seed(ctx, c, s)
	if err == nil || !strings.Contains(err.Error(), "sandbox.yaml:7: setup.accounts[1]") || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second seed: %v", err)
	}
}

// TestWriteReports checks that the JSON and JUnit reports are well formed
// and count what happened.
func TestWriteReports(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	bad, _ := scenarios.Run(ctx, srv.Client(), parse(t, failing))
	good, _ := scenarios.Run(ctx, srv.Client(), parse(t, "name: fine\nsteps:\n  - clock: {freeze: true}\n"))
	reports := []scenarios.Report{good, bad}

	var b bytes.Buffer
	if err := scenarios.WriteReports(&b, scenarios.FormatJSON, reports); err != nil {
		t.Fatal(err)
	}
	var js struct {
		Passed, Failed int
		OK             bool
		Scenarios      []struct {
			Result string
			Steps  []struct {
				Result     string
				DurationMs *float64
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &js); err != nil || js.Passed != 1 || js.Failed != 1 || js.OK ||
		len(js.Scenarios) != 2 || js.Scenarios[1].Steps[2].Result != "fail" || js.Scenarios[1].Steps[2].DurationMs == nil {
		t.Errorf("JSON report %v:\n%s", err, b.String())
	}

	b.Reset()
	if err := scenarios.WriteReports(&b, scenarios.FormatJUnit, reports); err != nil {
		t.Fatal(err)
	}
	var ju struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &ju); err != nil || ju.Tests != 5 || ju.Failures != 1 || ju.Skipped != 1 ||
		len(ju.Suites) != 2 || ju.Suites[1].Cases[2].Failure == nil {
		t.Errorf("JUnit report %v %+v:\n%s", err, ju, b.String())
	}

	b.Reset()
	if err := scenarios.WriteReports(&b, scenarios.FormatText, reports); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ok   fine", "FAIL a scenario that fails at step 2", "FAIL step 2 (line 12): wrong on purpose", "1 passed, 1 failed, 0 skipped"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, b.String())
		}
	}
	if err := scenarios.WriteReports(&b, "yaml", reports); err == nil {
		t.Error("an unknown format was accepted")
	}
}

func offset(t *testing.T, s string) time.Duration {
	t.Helper()
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("clock offset %q: %v", s, err)
	}
	return d.Abs()
}

// TestRunFaults adds a fault rule for the run's key, sees it answer, and
// clears it.
func TestRunFaults(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	s := parse(t, `name: faults
setup:
  accounts:
    - destination: promoter
      id: acme
      keys: [pk_acme]
x-ted: &ted {type: identify, userId: ted, traits: {email: ted@example.com}}
steps:
  - fault:
      add:
        match: {destination: promoter, key: "${key:pk_acme}"}
        action: {kind: status, status: 503, retryAfter: 30s}
        times: 1
  - send: {destination: promoter, key: pk_acme, message: *ted}
    expect:
      status: 503
      headers: {Retry-After: "30"}
  - send: {destination: promoter, key: pk_acme, message: *ted}
  - fault:
      add: {action: {kind: status, status: 500}}
  - send: {destination: promoter, key: pk_acme, message: *ted}
    expect: {status: 500}
  - fault: {clear: true}
  - send: {destination: promoter, key: pk_acme, message: *ted}
  - assert:
      path: requests
      query: {outcome: faulted}
      count: 2
  - assert:
      path: faults
      count: 0
`)
	rep, err := scenarios.Run(ctx, srv.Client(), s)
	if err != nil || !rep.Passed() {
		t.Fatalf("%v\n%s", err, failed(rep))
	}
	bad := parse(t, "name: x\nsteps:\n  - fault: {add: {action: {kind: explode}}}\n")
	if rep, _ := scenarios.Run(ctx, srv.Client(), bad); rep.Passed() || !strings.Contains(rep.Reason, "action.kind") {
		t.Errorf("a bad rule: %+v", rep)
	}
}

// TestFailedWaitSaysWhatArrived: a wait that times out lists the requests
// that did arrive, as testkit.ExpectRequests does, so the report shows why.
func TestFailedWaitSaysWhatArrived(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	rep, err := scenarios.Run(ctx, srv.Client(), parse(t, `name: a wait for a track that never comes
setup:
  accounts:
    - {destination: promoter, id: acme, keys: [pk_wait]}
steps:
  - send: {destination: promoter, key: pk_wait, message: {type: identify, userId: ted, traits: {email: ted@example.com}}}
  - wait: {destination: promoter, type: track, count: 1, timeout: 200ms}
`))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed() || len(rep.Steps) != 3 {
		t.Fatalf("report %+v", rep)
	}
	msg := rep.Steps[2].Message
	for _, want := range []string{"waited 200ms: want 1 request(s) matching {destination=promoter type=track}, got 0",
		"newest requests in the namespace:", "200 ok promoter/acme identify user=ted"} {
		if !strings.Contains(msg, want) {
			t.Errorf("wait step message %q lacks %q", msg, want)
		}
	}
}
