package server_test

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// TestUIMountsControlPlane: the UI's script calls the control plane under
// /_emulator/ui/api, so every control-plane route must be there too.
func TestUIMountsControlPlane(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	routes := map[string]bool{}
	for _, r := range srv.Server().Handler().(*gin.Engine).Routes() {
		routes[r.Method+" "+r.Path] = true
	}
	n := 0
	for key := range routes {
		method, path, _ := strings.Cut(key, " ")
		if !strings.HasPrefix(path, "/_emulator/") || strings.HasPrefix(path, "/_emulator/ui") {
			continue
		}
		n++
		if ui := method + " /_emulator/ui/api" + strings.TrimPrefix(path, "/_emulator"); !routes[ui] {
			t.Errorf("%s is not mounted for the UI (%s)", key, ui)
		}
	}
	if n < 20 {
		t.Fatalf("only %d control-plane routes seen", n)
	}
}

// TestUIAdminTokenSession: with an admin token, the UI shows only a sign-in
// form until the token is given once; the session is an opaque cookie
// scoped to the UI, held server-side, that the control plane proper does
// not accept, and sign-out ends it.
func TestUIAdminTokenSession(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t, testkit.WithAdminToken("s3cret"))
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: noRedirect}
	base := srv.URL()

	if st, body := get(t, c, base+"/"); st != http.StatusFound {
		t.Fatalf("GET / = %d %s, want a redirect to the UI", st, body)
	}
	st, body := get(t, c, base+"/_emulator/ui/")
	if st != http.StatusOK || !strings.Contains(body, "Admin token") || strings.Contains(body, "Requests") {
		t.Fatalf("signed out, the UI answered %d:\n%s", st, body)
	}
	if st, _ := get(t, c, base+"/_emulator/ui/api/info"); st != http.StatusUnauthorized {
		t.Fatalf("the UI's API without a session = %d, want 401", st)
	}
	login := func(token string) *http.Response {
		resp, err := c.PostForm(base+"/_emulator/ui/login", url.Values{"token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := login("wrong"); resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) > 0 {
		t.Fatalf("a wrong token: %d with cookies %v", resp.StatusCode, resp.Cookies())
	}
	resp := login("s3cret")
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("sign-in: %d with cookies %v", resp.StatusCode, resp.Cookies())
	}
	ck := resp.Cookies()[0]
	if ck.Path != "/_emulator/ui/" || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || len(ck.Value) < 40 ||
		strings.Contains(ck.Value, "s3cret") {
		t.Fatalf("session cookie %+v: want an opaque HttpOnly SameSite=Strict cookie on /_emulator/ui/", ck)
	}
	if st, body := get(t, c, base+"/_emulator/ui/"); st != http.StatusOK || !strings.Contains(body, "Requests") {
		t.Fatalf("signed in, the UI answered %d", st)
	}
	if st, _ := get(t, c, base+"/_emulator/ui/api/info"); st != http.StatusOK {
		t.Fatalf("the UI's API with a session = %d", st)
	}
	// The cookie sent by hand to the control plane proper opens nothing.
	if st, _ := get(t, c, base+"/_emulator/info", "Cookie", "destemu_ui="+ck.Value); st != http.StatusUnauthorized {
		t.Fatalf("the control plane with the UI cookie = %d, want 401", st)
	}
	// A changing call without the UI's header is refused (cross-site forms
	// cannot add headers).
	req, _ := http.NewRequest(http.MethodPost, base+"/_emulator/ui/api/clock/freeze", nil)
	if st, _ := do(t, c, req); st != http.StatusForbidden {
		t.Fatalf("POST without %s = %d, want 403", "X-Destemu-UI", st)
	}
	req, _ = http.NewRequest(http.MethodPost, base+"/_emulator/ui/api/clock/freeze", nil)
	req.Header.Set("X-Destemu-UI", "1")
	if st, body := do(t, c, req); st != http.StatusOK || !strings.Contains(body, `"frozen":true`) {
		t.Fatalf("POST with the header = %d %s", st, body)
	}
	req, _ = http.NewRequest(http.MethodPost, base+"/_emulator/ui/logout", nil)
	if st, _ := do(t, c, req); st != http.StatusSeeOther {
		t.Fatalf("sign-out = %d", st)
	}
	// The old session id is gone on the server, not just in the browser.
	if st, _ := get(t, c, base+"/_emulator/ui/api/info", "Cookie", "destemu_ui="+ck.Value); st != http.StatusUnauthorized {
		t.Fatalf("the UI's API after sign-out = %d, want 401", st)
	}
}

func TestUIAssetsEmbedded(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	for _, p := range []string{"app.js", "style.css"} {
		st, body := get(t, http.DefaultClient, srv.URL()+"/_emulator/ui/assets/"+p)
		if st != http.StatusOK || len(body) < 1000 {
			t.Errorf("%s: %d, %d bytes", p, st, len(body))
		}
	}
	st, body := get(t, http.DefaultClient, srv.URL()+"/_emulator/ui/")
	if st != http.StatusOK || strings.Contains(body, "http://") && !strings.Contains(body, "<span class=\"origin\">") {
		t.Fatalf("index: %d", st)
	}
	// Nothing is fetched from elsewhere: every src and href is local.
	for _, attr := range []string{`src="http`, `href="http`, `src="//`, `href="//`} {
		if strings.Contains(body, attr) {
			t.Errorf("the page loads something remote: %s", attr)
		}
	}
}

func identify(user string) client.Message {
	return client.Identify(user, map[string]any{"email": user + "@example.com"})
}

// TestRequestsTextFormat: ?format=text answers the one-line form the Go
// client prints, oldest first.
func TestRequestsTextFormat(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	ctx := context.Background()
	c := srv.Client()
	for _, u := range []string{"ann", "bob"} {
		testkit.Must(c.Send(ctx, "usercom", "k-text", nil, identify(u)))(t)
	}
	entries, err := c.Requests(ctx, client.RequestFilter{})
	if err != nil || len(entries) != 2 {
		t.Fatalf("%d entries, %v", len(entries), err)
	}
	st, body := get(t, http.DefaultClient, srv.URL()+"/_emulator/requests?format=text")
	want := entries[1].String() + "\n" + entries[0].String() + "\n"
	if st != http.StatusOK || body != want {
		t.Fatalf("format=text: %d\n%s\nwant\n%s", st, body, want)
	}
	if !strings.Contains(body, "user=ann") || !strings.Contains(body, "200 ok usercom/") {
		t.Fatalf("the lines say too little: %s", body)
	}
	st, body = get(t, http.DefaultClient, srv.URL()+"/_emulator/requests?format=text&userId=bob")
	if st != http.StatusOK || strings.Count(body, "\n") != 1 || !strings.Contains(body, "user=bob") {
		t.Fatalf("filtered: %d %s", st, body)
	}
	if st, body := get(t, http.DefaultClient, srv.URL()+"/_emulator/requests?format=xml"); st != http.StatusBadRequest || !strings.Contains(body, "format") {
		t.Fatalf("format=xml: %d %s", st, body)
	}
}

// TestStream: the client's Stream sees new entries, filtered, replaying
// those after a given ID first.
func TestStream(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := srv.Client().Namespace("stream")
	testkit.Must(c.Send(ctx, "usercom", "k-stream", nil, identify("early")))(t)
	got := make(chan client.Entry, 10)
	done := make(chan error, 1)
	sctx, stop := context.WithCancel(ctx)
	go func() {
		// AfterID 1 (the early entry): what comes after it arrives whether
		// it lands before the subscription or after, with no sleeping.
		done <- c.Stream(sctx, client.RequestFilter{Destination: "usercom", AfterID: 1}, func(e client.Entry) error {
			got <- e
			return nil
		})
	}()
	testkit.Must(c.Send(ctx, "promoter", "k-p", nil, identify("skipped")))(t)
	testkit.Must(c.Send(ctx, "usercom", "k-stream", nil, identify("live")))(t)
	select {
	case e := <-got:
		if e.UserID != "live" || e.Destination != "usercom" || e.Namespace != "stream" {
			t.Fatalf("streamed %s, want the live usercom identify", e)
		}
	case <-ctx.Done():
		t.Fatal("no entry streamed")
	}
	stop()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Stream ended with %v, want context.Canceled", err)
	}

	// Replay: with AfterID, the logged entries after it come first.
	got2 := make(chan client.Entry, 10)
	sctx, stop = context.WithCancel(ctx)
	defer stop()
	go func() {
		_ = c.Stream(sctx, client.RequestFilter{AfterID: 1}, func(e client.Entry) error { got2 <- e; return nil })
	}()
	for _, want := range []string{"skipped", "live"} {
		if e := <-got2; e.UserID != want {
			t.Fatalf("replayed %s, want user %s", e, want)
		}
	}
}

// TestStreamText: ?format=text streams plain lines, for curl -N.
func TestStreamText(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/_emulator/requests/stream?format=text", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("Content-Type %q", ct)
	}
	testkit.Must(srv.Client().Send(ctx, "usercom", "k-t", nil, identify("tina")))(t)
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "#1 200 ok usercom/") || !strings.Contains(line, "user=tina") {
		t.Fatalf("streamed line %q, %v", line, err)
	}
}

// TestWebhookLogLine: at the default level, one line per webhook says who,
// what and what came of it (docker logs).
func TestWebhookLogLine(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var buf bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(p) })
	srv := testkit.Start(t, testkit.WithConfig(func(c *serverConfig) {
		c.Logger = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}))
	ctx := context.Background()
	testkit.Must(srv.Client().Send(ctx, "usercom", "k-log", nil, identify("lou")))(t)
	_, err := srv.Client().Send(ctx, "usercom", "k-log", nil, client.Message{Type: "track", UserID: "lou"})
	if client.StatusOf(err) != http.StatusBadRequest {
		t.Fatalf("a track without event: %v", err)
	}
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per webhook, got:\n%s", out)
	}
	for i, want := range []string{
		`msg=webhook destination=usercom account=k-log type=identify status=200 outcome=ok detail=`,
		`status=400 outcome=refused detail=`,
	} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d:\n%s\nwant it to contain\n%s", i, lines[i], want)
		}
	}
	if !strings.Contains(lines[1], "event") {
		t.Errorf("the refusal's line does not give its reason: %s", lines[1])
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
