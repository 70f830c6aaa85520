package testkit_test

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

// The end-to-end bodies: each takes an Emulator and knows nothing of the
// mode it runs in, so the same function checks the in-process server and
// the image a user runs. Each runs in a namespace of its own, so the keys
// it makes up carry the namespace's name (API keys are unique server-wide).

// t0 is where the bodies freeze their namespace clock: 20:00 UTC, four
// hours (14,400 seconds) before the next UTC midnight.
var t0 = time.Date(2030, 3, 10, 20, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// e2e is what a body needs: the context, a client scoped to its namespace,
// and checks that stop the test with a readable message.
type e2e struct {
	t   *testing.T
	ctx context.Context
	c   *client.Client
}

func newE2E(t *testing.T, e testkit.Emulator) *e2e {
	t.Helper()
	x := &e2e{t: t, ctx: context.Background(), c: e.Client()}
	if _, err := x.c.FreezeClockAt(x.ctx, t0); err != nil {
		t.Fatalf("freeze the clock: %v", err)
	}
	return x
}

// key returns an API key unique to the body's namespace.
func (x *e2e) key(name string) string { return x.c.NamespaceName() + "-" + name }

// account creates an account of dest with one active key and returns the key.
func (x *e2e) account(dest, id string, config any) string {
	x.t.Helper()
	k := x.key(dest + "-" + id)
	if _, err := x.c.CreateAccount(x.ctx, dest, client.AccountSpec{ID: id, Config: config, Keys: []client.KeySpec{{Value: k}}}); err != nil {
		x.t.Fatalf("create %s account %s: %v", dest, id, err)
	}
	return k
}

// ok sends a message that must be answered 200.
func (x *e2e) ok(dest, key string, m client.Message) *client.Result {
	x.t.Helper()
	res, err := x.c.Send(x.ctx, dest, key, nil, m)
	if err != nil {
		x.t.Fatalf("send %s %s to %s: %v", m.Type, m.Event, dest, err)
	}
	return res
}

// refused sends a message that must be refused with status; it returns the
// error for a closer look.
func (x *e2e) refused(dest, key string, m client.Message, status int, substr string) *client.Error {
	x.t.Helper()
	_, err := x.c.Send(x.ctx, dest, key, nil, m)
	var e *client.Error
	if !errors.As(err, &e) || e.Status != status || !strings.Contains(e.Message, substr) {
		x.t.Fatalf("send %s %s to %s: got %v, want %d with %q", m.Type, m.Event, dest, err, status, substr)
	}
	return e
}

func (x *e2e) advance(d time.Duration) {
	x.t.Helper()
	if _, err := x.c.AdvanceClock(x.ctx, d); err != nil {
		x.t.Fatalf("advance the clock by %v: %v", d, err)
	}
}

func (x *e2e) must(err error) {
	x.t.Helper()
	if err != nil {
		x.t.Fatal(err)
	}
}

// TestAuthFailure: a revoked key is 403, an inactive key 401, and
// activating it lets requests through again (G-12); refusals are logged
// with their reason (G-14).
func TestAuthFailure(t *testing.T) {
	eachMode(t, func(t *testing.T, e testkit.Emulator) {
		x := newE2E(t, e)
		key := x.account("promoter", "acme", nil)
		_, err := x.c.RevokeKey(x.ctx, "promoter", "acme", key)
		x.must(err)
		x.refused("promoter", key, client.Track("u1", "Clicked", nil), http.StatusForbidden, "revoked")
		_, err = x.c.DeactivateKey(x.ctx, "promoter", "acme", key)
		x.must(err)
		x.refused("promoter", key, client.Track("u1", "Clicked", nil), http.StatusUnauthorized, "not active")
		_, err = x.c.ActivateKey(x.ctx, "promoter", "acme", key)
		x.must(err)
		x.ok("promoter", key, client.Track("u1", "Clicked", nil))
		refusals, err := x.c.Requests(x.ctx, client.RequestFilter{Outcome: "refused"})
		if err != nil || len(refusals) != 2 || refusals[0].Status != 401 || refusals[1].Status != 403 {
			t.Fatalf("the request log's refusals: %+v, %v", refusals, err)
		}
	})
}

// TestAutoCreation: an unknown key provisions an account in the caller's
// namespace, with that key active, and the first event is applied (G-11).
func TestAutoCreation(t *testing.T) {
	eachMode(t, func(t *testing.T, e testkit.Emulator) {
		x := newE2E(t, e)
		key := x.key("fresh")
		res := x.ok("promoter", key, client.Identify("u1", map[string]any{"email": "ted@example.com"}))
		a, err := x.c.Account(x.ctx, "promoter", res.Account)
		x.must(err)
		if !a.Provisioned || a.Namespace != x.c.NamespaceName() || len(a.Keys) != 1 || a.Keys[0].Value != key || a.Keys[0].Status != "active" {
			t.Fatalf("provisioned account %+v", a)
		}
		contact, err := x.c.Promoter(a.ID).Contact(x.ctx, "u1")
		if err != nil || contact.Email != "ted@example.com" {
			t.Fatalf("the first event was not applied: %+v, %v", contact, err)
		}
	})
}

// TestDedupeWindow: a messageId applied within 24 hours of the namespace
// clock is answered 200 as a duplicate and not applied again; at 24 hours it
// is applied again (G-10). Only the clock moves: no test waits a day.
func TestDedupeWindow(t *testing.T) {
	eachMode(t, func(t *testing.T, e testkit.Emulator) {
		x := newE2E(t, e)
		key := x.account("promoter", "acme", nil)
		m := client.Track("u1", "Clicked", nil).WithID("msg-1")
		if r := x.ok("promoter", key, m); r.Status != "ok" {
			t.Fatalf("first send: %+v", r)
		}
		x.advance(day - time.Second)
		if r := x.ok("promoter", key, m); r.Status != "duplicate" {
			t.Fatalf("23:59:59 later: %+v", r)
		}
		x.advance(time.Second)
		if r := x.ok("promoter", key, m); r.Status != "ok" {
			t.Fatalf("24 hours later: %+v", r)
		}
		events, err := x.c.Promoter("acme").CustomEvents(x.ctx, nil)
		if err != nil || len(events) != 2 {
			t.Fatalf("custom events %+v, %v; want 2", events, err)
		}
	})
}

// TestPromoter is Promoter end to end: an unknown key provisions an account
// (G-11) that a campaign is then added to; a track schedules a survey 7
// days out (PR-6, PR-9) that the clock delivers and then reminds (PR-12);
// the daily limit answers 429 with Retry-After to UTC midnight and lifts
// there (PR-13); a revoked key is 403 (G-12).
func TestPromoter(t *testing.T) {
	eachMode(t, func(t *testing.T, e testkit.Emulator) {
		x := newE2E(t, e)
		key := x.key("promoter")
		res := x.ok("promoter", key, client.Identify("u1", map[string]any{"email": "ted@example.com"}))
		p := x.c.Promoter(res.Account)
		_, err := p.CreateCampaign(x.ctx, client.PromoterCampaignSpec{ID: "nps", Name: "NPS",
			TriggerEvent: "Order Completed", DeliveryDelayDays: 7, ReminderDays: 3, Activate: true})
		x.must(err)
		x.ok("promoter", key, client.Track("u1", "Order Completed", nil))
		survey := func(want string) {
			t.Helper()
			s, err := p.Surveys(x.ctx, client.Query{"contact": "u1"})
			if err != nil || len(s) != 1 || s[0].Status != want {
				t.Fatalf("surveys %+v, %v; want one %s", s, err, want)
			}
		}
		survey("scheduled")

		limit, err := p.DailyLimit(x.ctx)
		x.must(err)
		_, err = p.SetDailyLimit(x.ctx, limit.Count)
		x.must(err)
		refusal := x.refused("promoter", key, client.Track("u1", "Clicked", nil), http.StatusTooManyRequests, "")
		if refusal.RetryAfter != "14400" {
			t.Fatalf("Retry-After %q, want 14400 (to UTC midnight)", refusal.RetryAfter)
		}
		x.advance(4 * time.Hour)
		x.ok("promoter", key, client.Track("u1", "Clicked", nil))

		x.advance(7 * day)
		survey("delivered")
		x.advance(3 * day)
		survey("reminded")

		_, err = x.c.RevokeKey(x.ctx, "promoter", res.Account, key)
		x.must(err)
		x.refused("promoter", key, client.Track("u1", "Clicked", nil), http.StatusForbidden, "revoked")
	})
}
