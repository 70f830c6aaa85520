package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

const library = "../../scenarios/library"

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const passing = `name: passes
setup:
  accounts:
    - {destination: promoter, id: acme, keys: [pk_acme]}
steps:
  - send: {destination: promoter, key: pk_acme, message: {type: identify, userId: ted, traits: {email: ted@example.com}}}
`

const failing = `name: fails
steps:
  - send: {destination: promoter, key: pk, message: {type: page, userId: ted, name: Home}}
`

// TestScenarioRunExitStatus checks the exit status of destemu scenario run:
// 0 only when every scenario passes, on an in-process server.
func TestScenarioRunExitStatus(t *testing.T) {
	t.Parallel()
	good, bad := write(t, "good.yaml", passing), write(t, "bad.yaml", failing)
	broken := write(t, "broken.yaml", "name: broken\nsteps:\n  - clock: {advance: soon}\n")
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{good}, 0, []string{"ok   passes", "1 passed, 0 failed"}},
		{[]string{good, "--format", "text", bad}, 1, []string{"FAIL fails", "want status 200, got 501", "1 passed, 1 failed"}},
		{[]string{broken}, 1, []string{"broken.yaml:3:", "not a positive duration"}},
		{[]string{"--format", "junit", bad}, 1, []string{`<testsuites tests="1" failures="1"`}},
		{[]string{filepath.Join(t.TempDir(), "missing.yaml")}, 1, nil},
		{[]string{}, 1, nil},
	} {
		var out, errb bytes.Buffer
		code := run(append([]string{"scenario", "run"}, tc.args...), noEnv, &out, &errb)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, code, tc.code, out.String(), errb.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, w, out.String())
			}
		}
	}
}

// TestScenarioRunLibrary runs the bundled library folder in-process and
// against a server by URL (as CI runs it against the container), as JSON.
func TestScenarioRunLibrary(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	for _, url := range []string{"", srv.URL()} {
		var out, errb bytes.Buffer
		code := run([]string{"scenario", "run", library, "--url", url, "--format", "json"}, noEnv, &out, &errb)
		var rep struct {
			Passed, Failed, Skipped int
			OK                      bool
		}
		if err := json.Unmarshal(out.Bytes(), &rep); code != 0 || err != nil || !rep.OK || rep.Passed < 30 || rep.Skipped != 1 {
			t.Fatalf("url %q: exit %d %v %+v\n%s", url, code, err, rep, errb.String())
		}
	}
}

func TestScenarioValidate(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := run([]string{"scenario", "validate", library}, noEnv, &out, &errb); code != 0 {
		t.Fatalf("library: %d %s", code, errb.String())
	}
	bad := write(t, "dest.yaml", "name: x\nsteps:\n  - send: {destination: zendesk, key: k, message: {type: track}}\n")
	errb.Reset()
	if code := run([]string{"scenario", "validate", bad}, noEnv, &out, &errb); code != 1 || !strings.Contains(errb.String(), `dest.yaml:3: unknown destination "zendesk"`) {
		t.Fatalf("unknown destination: %d %s", code, errb.String())
	}
	if code := run([]string{"scenario", "frob"}, noEnv, &out, &errb); code != 1 {
		t.Fatalf("unknown sub-command: %d", code)
	}
}

// TestScenarioValidateConfigs: a typo in a vendor config is found by
// validate, at the line of the misspelt field, with the field meant, at
// any depth; a config the destination refuses otherwise is reported at the
// config's line with the destination's reason.
func TestScenarioValidateConfigs(t *testing.T) {
	t.Parallel()
	f := write(t, "configs.yaml", `name: vendor config typos
setup:
  accounts:
    - destination: promoter
      id: acme
      keys: [pk_acme]
      config:
        campains: [{id: nps, name: NPS, triggerEvent: Order Completed}]
    - destination: promoter
      id: other
      config:
        campaigns:
          - id: nps
            name: NPS
            triggerEvnt: Order Completed
    - destination: usercom
      id: app
      config:
        trusted_domain: [example.com]
    - destination: promoter
      id: third
      config: {dailyLimit: many}
steps:
  - clock: {freeze: true}
`)
	var out, errb bytes.Buffer
	code := run([]string{"scenario", "validate", f}, noEnv, &out, &errb)
	for _, want := range []string{
		`configs.yaml:8:9: setup.accounts[1].config: promoter config has no field "campains"; did you mean "campaigns"?`,
		`configs.yaml:15:13: setup.accounts[2].config: promoter config has no field "triggerEvnt"; did you mean "triggerEvent"?`,
		`configs.yaml:19:9: setup.accounts[3].config: usercom config has no field "trusted_domain"; did you mean "trusted_domains"?`,
		`configs.yaml:22:15: setup.accounts[4].config: promoter refuses it: `,
	} {
		if code != 1 || !strings.Contains(errb.String(), want) {
			t.Errorf("exit %d, want 1 and %q in:\n%s", code, want, errb.String())
		}
	}
}

// ready waits until /readyz answers 200, without sleeping: each call is a
// round trip to a server that is seeding in memory.
func ready(t *testing.T, c *client.Client) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ready(context.Background()) != nil {
		if time.Now().After(deadline) {
			t.Fatal("/readyz never answered 200")
		}
	}
}

// TestSeed starts destemu --seed: the setup is there (keys as written) once
// /readyz answers 200, the steps did not run, and a restart on a state file
// does not seed twice.
func TestSeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	file, state := "../../scenarios/testdata/seed/sandbox.yaml", filepath.Join(t.TempDir(), "state.json")
	c, stop, logs := start(t, "--seed", file, "--state-file", state, "--state-interval", "0")
	ready(t, c)
	testkit.Must(c.Send(ctx, "promoter", "pk_sandbox", nil, client.Identify("ted", map[string]any{"email": "ted@example.com"})))(t)
	if res, err := c.Send(ctx, "promoter", "pk_sandbox", nil, client.Track("ted", "Order Completed", nil)); err != nil || res.Data["survey"] == nil {
		t.Fatalf("the seeded campaign did not survey: %+v %v", res, err)
	}
	if clk, _ := c.Clock(ctx); clk.Frozen || strings.HasPrefix(clk.Offset, "168h") {
		t.Errorf("a step ran: %+v", clk)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d: %s", code, logs)
	}
	c, stop, logs = start(t, "--seed", file, "--state-file", state, "--state-interval", "0")
	ready(t, c)
	if code := stop(); code != 0 || !strings.Contains(logs.String(), "seeds are not applied again") {
		t.Fatalf("restart: exit %d: %s", code, logs)
	}

	broken := write(t, "broken.yaml", "name: b\nsetup:\n  accounts:\n    - {destination: promoter, id: a, keys: [pk_x]}\n    - {destination: promoter, id: a}\n")
	var out, errb bytes.Buffer
	if code := run([]string{"--addr", "127.0.0.1:0", "--seed", broken}, noEnv, &out, &errb); code != 1 || !strings.Contains(errb.String(), "broken.yaml:5:") {
		t.Fatalf("a broken seed: exit %d %s", code, errb.String())
	}
}
