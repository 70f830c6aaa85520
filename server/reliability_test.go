package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

// TestRequestLogAnswersAfterNonJSONBody: one refused request whose body is
// not JSON no longer makes the log answer 200 with an empty body; the body
// is kept as text (#13 item 1).
func TestRequestLogAnswersAfterNonJSONBody(t *testing.T) {
	t.Parallel()
	srv := probeServer(t)
	for _, body := range []string{"not json at all", `{"type":"track"} trailing`} {
		post(t, srv.URL()+"/probe", body, "Authorization", client.BasicAuth("k"))
	}
	got, err := srv.Client().Requests(ctx, client.RequestFilter{})
	if err != nil || len(got) != 2 {
		t.Fatalf("log: %d entries, %v", len(got), err)
	}
	if got[0].BodyText != `{"type":"track"} trailing` || got[1].BodyText != "not json at all" || got[0].Body != nil {
		t.Fatalf("bodies kept as %q / %q", got[0].BodyText, got[1].BodyText)
	}
	waited, err := srv.Client().WaitRequests(ctx, client.RequestFilter{}, 2, time.Second)
	if err != nil || len(waited) != 2 {
		t.Fatalf("wait: %d entries, %v", len(waited), err)
	}
}

// TestClientRefusesEmptySuccess: a 200 with an empty or undecodable body is
// an error, so WaitFor and ExpectRequests never pass on nothing (#13 item 1).
func TestClientRefusesEmptySuccess(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{"empty": "", "blank": " \n", "truncated": `{"items":[{"id":1`} {
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(body))
		}))
		c := client.New(fake.URL)
		if got, err := c.Requests(ctx, client.RequestFilter{}); err == nil {
			t.Errorf("%s: Requests passed with %d entries", name, len(got))
		}
		if got, err := c.WaitRequests(ctx, client.RequestFilter{}, 1, time.Second); err == nil {
			t.Errorf("%s: WaitRequests passed with %d entries", name, len(got))
		}
		fake.Close()
	}
}

// TestWaitSaysItsCap: a wait?timeout= beyond the cap answers with the cap
// it used and the timeout asked for (#13 item 10).
func TestWaitSaysItsCap(t *testing.T) {
	t.Parallel()
	srv := probeServer(t)
	server.SetMaxWait(srv.Server(), 20*time.Millisecond)
	_, err := srv.Client().WaitRequests(ctx, client.RequestFilter{Event: "Never"}, 1, time.Hour)
	testkit.ExpectError(t, err, http.StatusRequestTimeout, "timed out after 20ms (the longest wait; the timeout asked for was 1h0m0s)")
}

// TestDuplicateTopLevelKeyRefused: {"type":"track","type":"alias"} is
// refused naming the key, not applied as an alias (#13 item 10).
func TestDuplicateTopLevelKeyRefused(t *testing.T) {
	t.Parallel()
	srv := probeServer(t)
	body := `{"type":"track","event":"E","userId":"u","type":"alias","previousId":"p"}`
	status, answer := post(t, srv.URL()+"/probe", body, "Authorization", client.BasicAuth("k"), "X-Segment-Settings", `{"region":"eu"}`)
	if status != http.StatusBadRequest || !strings.Contains(answer, `type: is given twice`) {
		t.Fatalf("%d %s", status, answer)
	}
}

// TestAdminTokenNearMisses: the constant-time comparison refuses every near
// miss of the token, shorter, longer or one byte off.
func TestAdminTokenNearMisses(t *testing.T) {
	t.Parallel()
	srv := probeServer(t, testkit.WithAdminToken("s3cret"))
	for _, tok := range []string{"s3cre", "s3creT", "", "s3crets3cret"} {
		_, err := client.New(srv.URL(), client.WithAdminToken(tok)).Namespaces(ctx)
		testkit.ExpectError(t, err, 401, "Bearer")
	}
}

// BenchmarkWebhookWaiters measures the webhook path with long-polls that
// never complete waiting on the same namespace: each new entry is matched
// once against each waiter, so 50 of them should cost under 10 % of the
// throughput of none (#13 item 7; figures in docs/operations.md).
func BenchmarkWebhookWaiters(b *testing.B) {
	for _, waiters := range []int{0, 50} {
		b.Run("waiters="+strconv.Itoa(waiters), func(b *testing.B) {
			srv := testkit.BenchServer(b, testkit.WithEmulators(emulators.Register(noop{})))
			h := srv.Handler()
			testkit.BenchAccount(b, h, "noop", client.AccountSpec{ID: "a", Keys: []client.KeySpec{{Value: "bench-key"}}})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c := testkit.HandlerClient(h)
			for range waiters {
				go func() { _, _ = c.WaitRequests(ctx, client.RequestFilter{Event: "Never"}, 1, time.Hour) }()
			}
			ns, _ := srv.World().Namespace(emulators.DefaultNamespace, false)
			for ns.Log.Stats().Waiters < waiters {
				time.Sleep(time.Millisecond) // set-up only, before the clock starts
			}
			body := bytes.Replace(benchBody, []byte(`"messageId":"m-1",`), nil, 1)
			testkit.ServeBenchmark(b, h, "/noop", testkit.SegmentHeader("bench-key", nil), testkit.SameBody(body))
		})
	}
}
