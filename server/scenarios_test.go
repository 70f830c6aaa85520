package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/destemu/destemu/testkit"
)

const postedScenario = `name: posted
setup:
  accounts:
    - destination: promoter
      id: acme
      keys: [pk_acme]
steps:
  - clock: {set: "2024-03-01T09:00:00Z", freeze: true}
  - send:
      destination: promoter
      key: pk_acme
      message: {type: identify, userId: ted, traits: {email: ted@example.com}}
  - assert:
      path: promoter/accounts/acme/contacts/ted
      match: {email: %s}
`

func postScenario(t *testing.T, url, query, body string, header ...string) (int, string) {
	t.Helper()
	return post(t, url+"/_emulator/scenarios"+query, body, append([]string{"Content-Type", "application/yaml"}, header...)...)
}

// TestPostScenario runs posted scenarios against the server itself: the
// report comes back whether the scenario passed or failed, the server's
// own clock never moves, and broken scenarios are 400s naming the line.
func TestPostScenario(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t, testkit.WithAdminToken("s3cret"))
	auth := []string{"Authorization", "Bearer s3cret"}

	status, body := postScenario(t, srv.URL(), "", strings.Replace(postedScenario, "%s", "ted@example.com", 1), auth...)
	var rep struct {
		Result    string
		Namespace string
		Steps     []struct{ Kind, Result string }
	}
	if err := json.Unmarshal([]byte(body), &rep); status != 200 || err != nil || rep.Result != "pass" || len(rep.Steps) != 4 {
		t.Fatalf("%d %s", status, body)
	}
	ns, _ := srv.Client().Namespaces(ctx)
	if clk, _ := srv.Client().Clock(ctx); len(ns) != 1 || clk.Frozen {
		t.Errorf("the run left namespaces %v or moved the default clock", ns)
	}

	status, body = postScenario(t, srv.URL(), "?format=junit", strings.Replace(postedScenario, "%s", "ann@example.com", 1), auth...)
	if status != 200 || !strings.Contains(body, "<testsuites") || !strings.Contains(body, `failures="1"`) || !strings.Contains(body, "ann@example.com") {
		t.Errorf("failing scenario as JUnit: %d %s", status, body)
	}

	status, body = postScenario(t, srv.URL(), "?format=text", `{"name": "json", "steps": [{"clock": {"freeze": true}}]}`, auth...)
	if status != 200 || !strings.HasPrefix(body, "ok   json") {
		t.Errorf("a JSON scenario as text: %d %s", status, body)
	}

	status, body = postScenario(t, srv.URL(), "", "name: broken\nsteps:\n  - sned: {}\n", auth...)
	if status != 400 || !strings.Contains(body, `scenario:3:5: steps[1]: unknown step kind \"sned\"`) {
		t.Errorf("a broken scenario: %d %s", status, body)
	}
	status, body = postScenario(t, srv.URL(), "", "name: x\nsteps:\n  - send: {destination: zendesk, key: k, message: {type: track}}\n", auth...)
	if status != 400 || !strings.Contains(body, `unknown destination \"zendesk\"`) {
		t.Errorf("an unknown destination: %d %s", status, body)
	}
	if status, _ = postScenario(t, srv.URL(), "?format=xml", "name: x\nsteps: []\n", auth...); status != 400 {
		t.Errorf("an unknown format: %d", status)
	}
	if status, _ = postScenario(t, srv.URL(), "", "name: x\nsteps: []\n"); status != 401 {
		t.Errorf("without the admin token: %d", status)
	}
}
