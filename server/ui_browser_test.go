package server_test

import (
	"context"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// The web UI's tests drive a real browser (Debian's chromium) with chromedp.
// They share one browser process, a tab each. Without a browser they skip,
// except in CI (CI=true), where a missing browser is a failure: .ci/run
// installs it.

var screenshots = flag.Bool("screenshots", false, "write the UI's screenshots to docs/ui/ from the browser tests")

// findBrowser returns the path of a Chromium or Chrome, or "".
func findBrowser() string {
	if p := os.Getenv("DESTEMU_BROWSER"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func TestBrowser(t *testing.T) {
	path := findBrowser()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no chromium found: the web UI's browser tests need it in CI (apt-get install -y chromium)")
		}
		t.Skip("no chromium found (apt-get install -y chromium); the web UI's browser tests are skipped")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1360, 900),
		chromedp.Flag("disable-dev-shm-usage", true))
	// Cleanups, not defers: the parallel subtests run after this returns.
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil { // start the one browser process
		t.Fatalf("starting %s: %v", path, err)
	}
	tab := func(t *testing.T) context.Context {
		ctx, cancel := chromedp.NewContext(browser)
		t.Cleanup(cancel)
		// Open the tab with the tab's own context: the first action's
		// context owns the tab, and run's are cancelled after each call.
		if err := chromedp.Do(ctx); err != nil {
			t.Fatal(err)
		}
		return ctx
	}
	t.Run("live requests", func(t *testing.T) { t.Parallel(); testLiveRequests(t, tab(t)) })
	t.Run("open a user", func(t *testing.T) { t.Parallel(); testOpenUser(t, tab(t)) })
	t.Run("clock delivers a survey", func(t *testing.T) { t.Parallel(); testClockSurvey(t, tab(t)) })
	t.Run("revoke a key", func(t *testing.T) { t.Parallel(); testRevokeKey(t, tab(t)) })
	t.Run("admin token", func(t *testing.T) { t.Parallel(); testAdminToken(t, tab(t)) })
	t.Run("faults and scenario", func(t *testing.T) { t.Parallel(); testFaultsAndScenario(t, tab(t)) })
}

type step = chromedp.Action[chromedp.Void]

func run(t *testing.T, ctx context.Context, steps ...step) {
	t.Helper()
	// A bound per call, so a failure still leaves time to show the page.
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for i, st := range steps {
		if err := chromedp.Do(rctx, st); err != nil {
			dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			html, derr := chromedp.Run(dctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
			t.Fatalf("step %d: %v\npage (%v): %.3000s", i+1, err, derr, html)
		}
	}
}

// value runs one action that reads a value.
func value[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// choose sets a select's value and fires change, as picking with the
// keyboard or mouse does.
func choose(sel, value string) step {
	return chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector(` + quote(sel) + `); s.value = ` + quote(value) +
		`; s.dispatchEvent(new Event("change", {bubbles: true})); })()`)
}

// click clicks the element sel names at the moment it runs, in the page:
// a section that renders its table again after a choice (the account list,
// then the account) replaces the node chromedp.Click would have looked up
// a moment before ("Could not find node with given id"). Wait for sel to
// be visible first.
func click(sel string) step {
	return chromedp.Evaluate[chromedp.Void](`document.querySelector(` + quote(sel) + `).click()`)
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// text waits until the element that the XPath within selects shows want
// in its text, so the test reads as the page does.
func text(within, want string) step {
	return chromedp.WaitVisible(within + `[contains(normalize-space(.), ` + quote(want) + `)]`)
}

// section opens a section of the page from its tab, as a person does.
func section(name string) step {
	return chromedp.Click(chromedp.CSS(`nav a[data-tab=` + name + `]`))
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if !*screenshots {
		return
	}
	png := value(t, ctx, chromedp.FullScreenshot(100)) // 100: PNG
	dir := filepath.Join("..", "docs", "ui")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func send(t *testing.T, c *client.Client, dest, key string, m client.Message) error {
	t.Helper()
	_, err := c.Send(context.Background(), dest, key, nil, m)
	return err
}

func testLiveRequests(t *testing.T, ctx context.Context) {
	srv := testkit.Start(t)
	c := srv.Client()
	// The page at / (redirected to the UI), connected before anything is sent.
	run(t, ctx, chromedp.Navigate(srv.URL()+"/"), chromedp.WaitVisible(chromedp.CSS(`#live[data-state=live]`)), chromedp.WaitVisible(chromedp.CSS(`#log-empty`)))
	if err := send(t, c, "usercom", "uc_live", client.Identify("jane", map[string]any{"email": "jane@example.com", "plan": "pro"})); err != nil {
		t.Fatal(err)
	}
	if err := send(t, c, "usercom", "uc_live", client.Track("jane", "Signed Up", map[string]any{"plan": "pro"})); err != nil {
		t.Fatal(err)
	}
	if err := send(t, c, "usercom", "uc_live", client.Message{Type: "track", UserID: "jane"}); client.StatusOf(err) != http.StatusBadRequest {
		t.Fatalf("a track without event: %v", err)
	}
	if err := send(t, c, "promoter", "pk_live", client.Identify("tom", map[string]any{"email": "tom@example.com"})); err != nil {
		t.Fatal(err)
	}
	// The rows arrive with no reload, newest first, outcome in words.
	run(t, ctx,
		chromedp.WaitVisible(chromedp.CSS(`#log tr.entry[data-id="4"]`)),
		text(`//tr[@data-id="3"]`, "✗ refused"),
		text(`//tr[@data-id="3"]`, "event"),
		text(`//tr[@data-id="1"]`, "✓ ok"),
	)
	if first := value(t, ctx, chromedp.AttributeValue(chromedp.CSS(`#log tbody tr.entry`), "data-id")).Value; first != "4" {
		t.Fatalf("the first row is #%s, want the newest (#4)", first)
	}
	// A row opens with the keyboard: its first cell is a button.
	run(t, ctx,
		chromedp.Focus(chromedp.CSS(`tr[data-id="1"] .rowbtn`)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`tr.detail`)),
		text(`//tr[contains(@class,"detail")]`, "jane@example.com"),
		text(`//tr[contains(@class,"detail")]`, "Answer: 200 ok"),
	)
	if expanded := value(t, ctx, chromedp.AttributeValue(chromedp.CSS(`tr[data-id="1"] .rowbtn`), "aria-expanded")).Value; expanded != "true" {
		t.Fatalf("aria-expanded = %q after opening", expanded)
	}
	shot(t, ctx, "requests")
	// Filters: only refusals, then only promoter.
	run(t, ctx, choose(`#filters [name=outcome]`, "refused"),
		chromedp.WaitNotPresent(chromedp.CSS(`tr[data-id="4"]`)), chromedp.WaitVisible(chromedp.CSS(`tr[data-id="3"]`)))
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#log tr.entry").length`)); n != 1 {
		t.Fatalf("%d rows shown for outcome=refused, want 1", n)
	}
	run(t, ctx, choose(`#filters [name=outcome]`, ""), choose(`#filters [name=destination]`, "promoter"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-id="4"]`)), chromedp.WaitNotPresent(chromedp.CSS(`tr[data-id="1"]`)))
	// A filtered live view takes only matching new rows.
	if err := send(t, c, "usercom", "uc_live", client.Identify("kim", map[string]any{"email": "kim@example.com"})); err != nil {
		t.Fatal(err)
	}
	if err := send(t, c, "promoter", "pk_live", client.Identify("lee", map[string]any{"email": "lee@example.com"})); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`tr[data-id="6"]`)))
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#log tr[data-id="5"]').length`)); n != 0 {
		t.Fatal("a usercom row arrived in a promoter-only view")
	}
}

func testOpenUser(t *testing.T, ctx context.Context) {
	srv := testkit.Start(t)
	c := srv.Client()
	for _, m := range []client.Message{
		client.Identify("jane", map[string]any{"email": "jane@example.com", "name": "Jane Doe", "plan": "pro"}),
		client.Identify("omar", map[string]any{"email": "omar@example.com", "name": "Omar Haddad"}),
		client.Track("jane", "Report Exported", map[string]any{"format": "csv"}),
	} {
		if err := send(t, c, "usercom", "uc_state", m); err != nil {
			t.Fatal(err)
		}
	}
	run(t, ctx,
		chromedp.Navigate(srv.URL()+"/_emulator/ui/#state"),
		chromedp.WaitVisible(chromedp.CSS(`#st-dest`)),
		choose(`#st-dest`, "usercom"),
		chromedp.WaitReady(chromedp.CSS(`#st-account option[value="uc_state"]`)),
		text(`//*[@id="st-account-info"]`, "uc_state"),
		chromedp.WaitVisible(chromedp.CSS(`#st-views[data-dest=usercom] [role=tab]`)),
		chromedp.Click(`//*[@id="st-views"]/button[normalize-space(.)="users"]`),
		chromedp.WaitVisible(`//*[@id="st-views"]/button[@aria-selected="true" and normalize-space(.)="users"]`),
		text(`//*[@id="st-view"]`, "omar@example.com"),
		chromedp.Click(`//*[@id="st-view"]//tr[contains(normalize-space(.), "jane@example.com")]//button`),
		chromedp.WaitVisible(chromedp.CSS(`#st-detail`)),
		text(`//*[@id="st-detail"]`, "users / jane"),
		text(`//*[@id="st-detail"]`, "Report Exported"),
	)
	shot(t, ctx, "state")
	// The state follows new webhooks live.
	if err := send(t, c, "usercom", "uc_state", client.Identify("pia", map[string]any{"email": "pia@example.com"})); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, text(`//*[@id="st-view"]`, "pia@example.com"))
}

func testClockSurvey(t *testing.T, ctx context.Context) {
	srv := testkit.Start(t)
	c := srv.Client()
	bg := context.Background()
	_, err := c.CreateAccount(bg, "promoter", client.AccountSpec{ID: "acme", Keys: []client.KeySpec{{Value: "pk_acme"}},
		Config: map[string]any{"campaigns": []any{map[string]any{"id": "nps", "name": "A week later",
			"triggerEvent": "Order Completed", "deliveryDelayDays": 7, "activate": true}}}})
	if err != nil {
		t.Fatal(err)
	}
	// Freeze the clock from the page.
	run(t, ctx,
		chromedp.Navigate(srv.URL()+"/_emulator/ui/#namespaces"),
		chromedp.WaitVisible(chromedp.CSS(`#clock-state`)),
		chromedp.Click(chromedp.CSS(`button[data-clock=freeze]`)),
		text(`//*[@id="clock-state"]`, "frozen"),
		text(`//*[@id="clock-now"]`, "(frozen)"),
	)
	for _, m := range []client.Message{
		client.Identify("ted", map[string]any{"email": "ted@example.com"}),
		client.Track("ted", "Order Completed", nil),
	} {
		if err := send(t, c, "promoter", "pk_acme", m); err != nil {
			t.Fatal(err)
		}
	}
	surveys := chromedp.Steps(
		section("state"),
		choose(`#st-dest`, "promoter"),
		chromedp.WaitReady(chromedp.CSS(`#st-account option[value="acme"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#st-views[data-dest=promoter] [role=tab]`)),
		chromedp.Click(`//*[@id="st-views"]/button[normalize-space(.)="surveys"]`),
		chromedp.WaitVisible(`//*[@id="st-views"]/button[@aria-selected="true" and normalize-space(.)="surveys"]`),
	)
	run(t, ctx, surveys, chromedp.WaitVisible(`//*[@id="st-view"]//td[normalize-space(.)="scheduled"]`))
	// Advance a week from the page: the survey is delivered, with no request.
	run(t, ctx, section("namespaces"), chromedp.WaitVisible(chromedp.CSS(`#clock-advance`)))
	before := value(t, ctx, chromedp.Text(chromedp.CSS(`#clock-state`)))
	run(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#clock-advance [name=duration]`), "7d"),
		chromedp.Click(chromedp.CSS(`#clock-advance button`)),
		chromedp.WaitVisible(`//*[@id="clock-state"][not(contains(., `+quote(before)+`))]`),
	)
	shot(t, ctx, "namespaces")
	run(t, ctx, surveys, chromedp.WaitVisible(`//*[@id="st-view"]//td[normalize-space(.)="delivered"]`))
	got, err := c.Promoter("acme").Surveys(bg, client.Query{"status": "delivered"})
	if err != nil || len(got) != 1 {
		t.Fatalf("delivered surveys: %v, %v", got, err)
	}
}

func testRevokeKey(t *testing.T, ctx context.Context) {
	srv := testkit.Start(t)
	c := srv.Client()
	if err := send(t, c, "usercom", "uc_rev", client.Identify("ann", map[string]any{"email": "ann@example.com"})); err != nil {
		t.Fatal(err)
	}
	run(t, ctx,
		chromedp.Navigate(srv.URL()+"/_emulator/ui/#state"),
		choose(`#st-dest`, "usercom"),
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label="revoke key uc_rev"]`)),
		click(`button[aria-label="revoke key uc_rev"]`),
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label="activate key uc_rev"]`)),
		text(`//*[@id="st-account-info"]//tr`, "revoked"),
	)
	err := send(t, c, "usercom", "uc_rev", client.Identify("ann", map[string]any{"email": "ann@example.com"}))
	if st := client.StatusOf(err); st != http.StatusUnauthorized && st != http.StatusForbidden {
		t.Fatalf("a webhook with the revoked key: %v, want a refusal", err)
	}
	// The log shows the refusal live; activating the key lets requests in.
	run(t, ctx,
		section("requests"),
		text(`//tr[@data-id="2"]`, "refused"),
		section("state"),
		choose(`#st-dest`, "usercom"),
		click(`button[aria-label="activate key uc_rev"]`),
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label="revoke key uc_rev"]`)),
	)
	if err := send(t, c, "usercom", "uc_rev", client.Identify("ann", map[string]any{"email": "ann@example.com"})); err != nil {
		t.Fatalf("after activating: %v", err)
	}
}

func testAdminToken(t *testing.T, ctx context.Context) {
	srv := testkit.Start(t, testkit.WithAdminToken("let-me-in"))
	run(t, ctx, chromedp.Navigate(srv.URL()+"/_emulator/ui/"), chromedp.WaitVisible(chromedp.CSS(`#token`)))
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#log, #ns, nav").length`)); n != 0 {
		t.Fatal("signed out, the page shows more than the sign-in form")
	}
	run(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#token`), "wrong"),
		chromedp.Submit(chromedp.CSS(`#token`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-error`)),
	)
	shot(t, ctx, "sign-in")
	run(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#token`), "let-me-in"),
		chromedp.Submit(chromedp.CSS(`#token`)),
		chromedp.WaitVisible(chromedp.CSS(`#live[data-state=live]`)),
	)
	testkit.Must(srv.Client().Send(context.Background(), "usercom", "uc_tok", nil, client.Identify("ann", map[string]any{"email": "ann@example.com"})))(t)
	// Asked once: a reload keeps the session, and the live log works with it.
	run(t, ctx,
		chromedp.WaitVisible(chromedp.CSS(`tr[data-id="1"]`)),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-id="1"]`)),
		chromedp.Click(chromedp.CSS(`.signout button`)),
		chromedp.WaitVisible(chromedp.CSS(`#token`)),
	)
}

const uiScenario = `name: UI example
setup:
  accounts:
    - {destination: usercom, id: acme, keys: [uc_acme]}
steps:
  - send:
      destination: usercom
      key: uc_acme
      message: {type: identify, userId: u1, traits: {email: u1@example.com}}
    expect: {status: 200}
  - assert:
      path: usercom/accounts/acme/users
      match: {total: 1}
`

func testFaultsAndScenario(t *testing.T, ctx context.Context) {
	srv := testkit.Start(t)
	run(t, ctx,
		chromedp.Navigate(srv.URL()+"/_emulator/ui/#faults"),
		chromedp.WaitVisible(chromedp.CSS(`#fault-empty`)),
		choose(`#fault-add [name=destination]`, "usercom"),
		chromedp.SendKeys(chromedp.CSS(`#fault-add [name=times]`), "2"),
		chromedp.SendKeys(chromedp.CSS(`#fault-add [name=retryAfter]`), "30s"),
		chromedp.Click(chromedp.CSS(`#fault-add button[type=submit]`)),
		text(`//*[@id="fault-table"]`, "answer 503"),
		text(`//*[@id="fault-table"]`, "2 of 2 left"),
	)
	err := send(t, srv.Client(), "usercom", "uc_f", client.Identify("ann", map[string]any{"email": "ann@example.com"}))
	if client.StatusOf(err) != http.StatusServiceUnavailable {
		t.Fatalf("with the fault rule: %v, want 503", err)
	}
	run(t, ctx, text(`//*[@id="fault-table"]`, "1 of 2 left")) // live, no reload
	shot(t, ctx, "faults")
	run(t, ctx, chromedp.Click(chromedp.CSS(`#fault-clear`)), chromedp.WaitVisible(chromedp.CSS(`#fault-empty`)))

	run(t, ctx,
		section("scenario"),
		chromedp.WaitVisible(chromedp.CSS(`#scenario-text`)),
		chromedp.SetValue(chromedp.CSS(`#scenario-text`), uiScenario),
		chromedp.Click(chromedp.CSS(`#scenario-run button[type=submit]`)),
		text(`//*[@id="scenario-report"]`, "1 passed, 0 failed"),
	)
	shot(t, ctx, "scenario")
}
