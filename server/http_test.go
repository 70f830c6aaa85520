package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
)

// The server's raw HTTP, for what the typed client does not show (headers,
// exact bodies, routes outside the control plane), and waits on its log.

// noRedirect is a CheckRedirect that hands the redirect itself back.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// get GETs u through c with the header pairs h (name, value, ...) and
// returns the answer's status and body.
func get(t *testing.T, c *http.Client, u string, h ...string) (int, string) {
	t.Helper()
	return do(t, c, newRequest(t, http.MethodGet, u, "", h...))
}

// post POSTs body to u through http.DefaultClient with the header pairs h
// and returns the answer's status and body.
func post(t *testing.T, u, body string, h ...string) (int, string) {
	t.Helper()
	return do(t, http.DefaultClient, newRequest(t, http.MethodPost, u, body, h...))
}

func newRequest(t *testing.T, method, u, body string, h ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	return req
}

// do sends req through c and returns the answer's status and body, failing
// t when there is no answer or its body cannot be read.
func do(t *testing.T, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// waitRequests waits in the background, up to 10 seconds, for n requests
// matching f in c's log, so that the test can send them meanwhile; the
// channel gets what arrived (a failure to wait is reported on t).
func waitRequests(t *testing.T, c *client.Client, f client.RequestFilter, n int) <-chan []client.Entry {
	got := make(chan []client.Entry, 1)
	go func() {
		es, err := c.WaitRequests(ctx, f, n, 10*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- es
	}()
	return got
}
