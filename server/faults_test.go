package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	srv := probeServer(t)

	t.Run("status fault answers for the next N matching requests and changes no state", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		rule, err := c.AddFault(ctx, client.FaultRule{
			Match:  client.FaultMatch{Destination: "probe", Type: "track", Event: "Order Completed"},
			Action: client.FaultAction{Kind: client.FaultStatus, Status: 429, RetryAfter: "30s"},
			Times:  2,
		})
		if err != nil || rule.ID == "" || rule.Remaining != 2 {
			t.Fatalf("add: %+v, %v", rule, err)
		}
		for i := 0; i < 2; i++ {
			e := f.Expect(client.Track("u", "Order Completed", nil), 429, "fault injected")
			if e.RetryAfter != "30" {
				t.Fatalf("Retry-After %q", e.RetryAfter)
			}
		}
		// Other events never matched; the rule is spent after two.
		for _, ev := range []string{"Other", "Order Completed"} {
			f.Send(client.Track("u", ev, nil))
		}
		if got := events(t, c, "a"); len(got) != 2 {
			t.Fatalf("faulted requests changed state: %d events", len(got))
		}
		faulted, _ := c.Requests(ctx, client.RequestFilter{Outcome: "faulted"})
		if len(faulted) != 2 || faulted[0].Status != 429 || !strings.Contains(faulted[0].Fault, rule.ID) {
			t.Fatalf("log: %+v", faulted)
		}
		rules, _ := c.Faults(ctx)
		if len(rules) != 1 || rules[0].Applied != 2 || rules[0].Remaining != 0 {
			t.Fatalf("rules %+v", rules)
		}
	})

	t.Run("drop closes the connection without an answer", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		testkit.Must(c.AddFault(ctx, client.FaultRule{Action: client.FaultAction{Kind: client.FaultDrop}, Times: 1}))(t)
		_, err := f.SendErr(client.Track("u", "E", nil))
		var apiErr *client.Error
		if err == nil || errors.As(err, &apiErr) {
			t.Fatalf("want a transport error, got %v", err)
		}
		if n := len(events(t, c, "a")); n != 0 {
			t.Fatalf("dropped request applied: %d", n)
		}
		logged, _ := c.Requests(ctx, client.RequestFilter{Outcome: "faulted"})
		if len(logged) != 1 || !strings.Contains(logged[0].Fault, "dropped") {
			t.Fatalf("log %+v", logged)
		}
	})

	t.Run("latency delays the answer and still applies the request", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		testkit.Must(c.AddFault(ctx, client.FaultRule{Action: client.FaultAction{Kind: client.FaultLatency, Latency: "150ms"}, Times: 1}))(t)
		start := time.Now()
		f.Send(client.Track("u", "E", nil))
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Fatalf("answered after %s, want at least 150ms", d)
		}
		if n := len(events(t, c, "a")); n != 1 {
			t.Fatalf("delayed request not applied: %d", n)
		}
		logged, _ := c.Requests(ctx, client.RequestFilter{Limit: 1})
		if logged[0].Outcome != "ok" || !strings.Contains(logged[0].Fault, "delayed 150ms") {
			t.Fatalf("log %+v", logged[0])
		}
	})

	t.Run("timeout holds the request then answers 504, or the caller gives up first", func(t *testing.T) {
		t.Parallel()
		f := probeFixture(t, srv)
		c := f.Client
		testkit.Must(c.AddFault(ctx, client.FaultRule{Action: client.FaultAction{Kind: client.FaultTimeout, After: "100ms"}, Times: 1}))(t)
		f.Expect(client.Track("u", "E", nil), 504, "timed out")
		testkit.Must(c.AddFault(ctx, client.FaultRule{Action: client.FaultAction{Kind: client.FaultTimeout, After: "1m"}, Times: 1}))(t)
		impatient := client.New(srv.URL(), client.WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond})).Namespace(c.NamespaceName())
		start := time.Now()
		if _, err := impatient.Send(ctx, "probe", f.Key, nil, client.Track("u", "E", nil)); err == nil {
			t.Fatal("a held request answered")
		}
		if time.Since(start) > 30*time.Second {
			t.Fatal("client timeout not honoured")
		}
		if n := len(events(t, c, "a")); n != 0 {
			t.Fatalf("timed-out requests applied: %d", n)
		}
	})

	t.Run("the same seed faults the same requests", func(t *testing.T) {
		t.Parallel()
		pattern := func() string {
			s := probeServer(t, testkit.WithConfig(func(c *serverConfig) { c.RandomSeed = 42 }))
			c := s.Client().Namespace("replay")
			newAccount(t, c, "a")
			testkit.Must(c.AddFault(ctx, client.FaultRule{Action: client.FaultAction{Kind: client.FaultStatus, Status: 503}, Probability: 0.5}))(t)
			var b strings.Builder
			for i := 0; i < 40; i++ {
				if _, err := c.Send(ctx, "probe", keyOf(c, "a"), nil, client.Track("u", "E", nil)); err != nil {
					b.WriteByte('x')
				} else {
					b.WriteByte('.')
				}
			}
			return b.String()
		}
		first, second := pattern(), pattern()
		if first != second || !strings.Contains(first, "x") || !strings.Contains(first, ".") {
			t.Fatalf("seeded runs differ or are not mixed:\n%s\n%s", first, second)
		}
	})

	t.Run("bad rules are refused naming the field; rules can be deleted and cleared", func(t *testing.T) {
		t.Parallel()
		c := testkit.Isolated(t, srv).Client()
		for field, r := range map[string]client.FaultRule{
			"action.kind":       {Action: client.FaultAction{Kind: "explode"}},
			"action.status":     {Action: client.FaultAction{Kind: client.FaultStatus, Status: 299}},
			"action.latency":    {Action: client.FaultAction{Kind: client.FaultLatency}},
			"probability":       {Action: client.FaultAction{Kind: client.FaultDrop}, Probability: 2},
			"match.destination": {Match: client.FaultMatch{Destination: "nope"}, Action: client.FaultAction{Kind: client.FaultDrop}},
		} {
			_, err := c.AddFault(ctx, r)
			testkit.ExpectError(t, err, 400, field)
		}
		a, _ := c.AddFault(ctx, client.FaultRule{Action: client.FaultAction{Kind: client.FaultDrop}})
		testkit.Must(c.AddFault(ctx, client.FaultRule{Action: client.FaultAction{Kind: client.FaultDrop}}))(t)
		if err := c.DeleteFault(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		testkit.ExpectError(t, c.DeleteFault(ctx, a.ID), 404, a.ID)
		if rules, _ := c.Faults(ctx); len(rules) != 1 {
			t.Fatalf("after delete: %+v", rules)
		}
		if err := c.ClearFaults(ctx); err != nil {
			t.Fatal(err)
		}
		if rules, _ := c.Faults(ctx); len(rules) != 0 {
			t.Fatalf("after clear: %+v", rules)
		}
	})
}

func TestVerification(t *testing.T) {
	t.Parallel()
	c := startProbe(t)
	newAccount(t, c, "a")
	for _, m := range []client.Message{client.Track("u1", "A", nil), client.Track("u1", "A", nil), client.Identify("u2", nil), client.Alias("u3", "p")} {
		_, _ = c.Send(ctx, "probe", keyOf(c, "a"), nil, m)
	}
	counts, err := c.RequestCounts(ctx, client.RequestFilter{}, "type", "status")
	if err != nil || counts.Total != 4 || len(counts.Groups) != 3 ||
		counts.Groups[0].Fields["type"] != "track" || counts.Groups[0].Count != 2 || counts.Groups[2].Fields["status"] != "501" {
		t.Fatalf("counts %+v, %v", counts, err)
	}
	if got, err := c.WaitFor(ctx, client.RequestFilter{Event: "A"}, 2); err != nil || len(got) != 2 {
		t.Fatalf("WaitFor: %d, %v", len(got), err)
	}
	short, cancel := contextWithTimeout(100 * time.Millisecond)
	defer cancel()
	_, err = c.WaitFor(short, client.RequestFilter{Event: "A"}, 3)
	var exp *client.ExpectationError
	if !errors.As(err, &exp) {
		t.Fatalf("want an ExpectationError, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"want 3 request(s) matching {event=A}, got 2", `event="A" user=u1`, "501 refused probe/a alias"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
