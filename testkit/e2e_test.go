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

// settings are the X-Segment-Settings the bodies send, per destination:
// Startdeliver's one required setting names the user custom field to match
// on, which an account provisioned for an unknown key gets (G-11).
var settings = map[string]map[string]any{
	"startdeliver":    {"startdeliverUserCustomFieldToMatchOn": "externalId"},
	"startdeliver-v2": {"startdeliverUserCustomFieldToMatchOn": "externalId"},
}

// send sends a message as Segment would, with the destination's settings.
func (x *e2e) send(dest, key string, m client.Message) (*client.Result, error) {
	return x.c.Send(x.ctx, dest, key, settings[dest], m)
}

// ok sends a message that must be answered 200.
func (x *e2e) ok(dest, key string, m client.Message) *client.Result {
	x.t.Helper()
	res, err := x.send(dest, key, m)
	if err != nil {
		x.t.Fatalf("send %s %s to %s: %v", m.Type, m.Event, dest, err)
	}
	return res
}

// refused sends a message that must be refused with status; it returns the
// error for a closer look.
func (x *e2e) refused(dest, key string, m client.Message, status int, substr string) *client.Error {
	x.t.Helper()
	_, err := x.send(dest, key, m)
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

// TestStartdeliver is Startdeliver classic end to end: an unknown key
// provisions an account holding the custom field the settings name (G-11),
// and an unmatched track creates the user holding the userId (SD-5), with a
// usage event (SD-6) whose time is the namespace clock when the message has
// none (G-8); a later event lands an hour on, and the time filter sees
// exactly that; a key without the Admin permission is 403, an inactive one
// 401 (SD-2).
func TestStartdeliver(t *testing.T) {
	eachMode(t, func(t *testing.T, e testkit.Emulator) {
		x := newE2E(t, e)
		key := x.key("sd")
		res := x.ok("startdeliver", key, client.Track("97980cfea0067", "Login Button Clicked", nil))
		sd := x.c.Startdeliver(res.Account)
		fields, err := sd.CustomFields(x.ctx, client.Query{"alias": "externalId"})
		if err != nil || len(fields) != 1 || fields[0].Type != "text" || fields[0].Entity != "user" {
			t.Fatalf("provisioned custom fields %+v, %v", fields, err)
		}
		users, err := sd.Users(x.ctx, client.Query{"externalId": "97980cfea0067"})
		if err != nil || len(users) != 1 {
			t.Fatalf("the track did not create its user: %+v, %v", users, err)
		}

		x.advance(time.Hour)
		x.ok("startdeliver", key, client.Track("97980cfea0067", "Report Opened", nil))
		events, err := sd.UsageEvents(x.ctx, client.Query{"from": t0.Add(30 * time.Minute).Format(time.RFC3339)})
		if err != nil || len(events) != 1 || events[0].Name != "Report Opened" || !events[0].Timestamp.Equal(t0.Add(time.Hour)) ||
			events[0].UserID != users[0].ID || events[0].Type != "track" {
			t.Fatalf("usage events from 20:30: %+v, %v; want Report Opened at %v", events, err, t0.Add(time.Hour))
		}

		reader := x.key("sd-read")
		_, err = x.c.AddKey(x.ctx, "startdeliver", res.Account, client.KeySpec{Value: reader, Permission: "read"})
		x.must(err)
		x.refused("startdeliver", reader, client.Track("97980cfea0067", "Clicked", nil), http.StatusForbidden, "")
		_, err = x.c.DeactivateKey(x.ctx, "startdeliver", res.Account, key)
		x.must(err)
		x.refused("startdeliver", key, client.Track("97980cfea0067", "Clicked", nil), http.StatusUnauthorized, "")
	})
}

// TestStartdeliverV2 is Startdeliver-v2 end to end: an unknown key
// provisions an account whose Segment app configuration disables identify,
// so identify is ignored (G-11, S2-6); the configuration is then changed to
// enable it, and identify stays ignored until the cached copy is 10 minutes
// old on the namespace clock, then creates the user (S2-11, S2-7); a
// revoked key is 403 (G-12).
func TestStartdeliverV2(t *testing.T) {
	eachMode(t, func(t *testing.T, e testkit.Emulator) {
		x := newE2E(t, e)
		key := x.key("sd2")
		identify := func() *client.Result {
			t.Helper()
			return x.ok("startdeliver-v2", key, client.Identify("u-42", map[string]any{"name": "Ada"}))
		}
		res := identify()
		if res.Status != "ignored" {
			t.Fatalf("identify on a provisioned account: %+v, want ignored", res)
		}
		sd := x.c.StartdeliverV2(res.Account)
		_, err := sd.ReplaceSegmentApp(x.ctx, client.StartdeliverSegmentApp{
			IdentifyEnabled:           true,
			StartdeliverMatchingField: &client.StartdeliverTarget{Field: "externalId", Type: "text"},
			ExternalMatchingField:     &client.StartdeliverSource{Field: "userId"},
			UserMapping:               []client.StartdeliverMapping{{Field: "name", ExternalField: "traits.name", Type: "text"}},
		})
		x.must(err)
		x.advance(10*time.Minute - time.Second)
		if res := identify(); res.Status != "ignored" {
			t.Fatalf("identify 9:59 after the cache was read: %+v, want ignored", res)
		}
		x.advance(time.Second)
		if res := identify(); res.Status != "ok" {
			t.Fatalf("identify 10:00 after the cache was read: %+v, want ok", res)
		}
		users, err := sd.Users(x.ctx, client.Query{"externalId": "u-42"})
		if err != nil || len(users) != 1 || users[0].Name != "Ada" {
			t.Fatalf("users %+v, %v; want Ada", users, err)
		}

		_, err = x.c.RevokeKey(x.ctx, "startdeliver-v2", res.Account, key)
		x.must(err)
		x.refused("startdeliver-v2", key, client.Track("u-42", "Clicked", nil), http.StatusForbidden, "revoked")
	})
}

// TestUsercom is User.com end to end: an unknown key provisions an app, and
// identify creates the user (G-11, UC-4); pages without a timestamp take
// the namespace clock's time (G-8), so last_seen follows the clock, and a
// page arriving late with an older timestamp is counted but leaves
// last_seen (UC-10); a revoked key is 403 saying so (UC-2).
func TestUsercom(t *testing.T) {
	eachMode(t, func(t *testing.T, e testkit.Emulator) {
		x := newE2E(t, e)
		key := x.key("uc")
		res := x.ok("usercom", key, client.Identify("u1", map[string]any{"email": "ada@example.com"}))
		uc := x.c.Usercom(res.Account)
		page := client.Page("u1", "Pricing", map[string]any{"url": "https://example.com/pricing"})
		x.ok("usercom", key, page)
		x.advance(time.Hour)
		x.ok("usercom", key, page)
		x.ok("usercom", key, page.At(t0.Add(30*time.Minute)))
		u, err := uc.User(x.ctx, "u1")
		if err != nil || u.Email != "ada@example.com" || u.PageViews != 3 || u.LastSeen == nil || !u.LastSeen.Equal(t0.Add(time.Hour)) {
			t.Fatalf("user %+v, %v; want 3 page views, last seen %v", u, err, t0.Add(time.Hour))
		}

		_, err = x.c.RevokeKey(x.ctx, "usercom", res.Account, key)
		x.must(err)
		x.refused("usercom", key, page, http.StatusForbidden, "revoked")
	})
}

// TestConnect is Zendesk Connect end to end: an unknown key provisions an
// environment, and a track creates its user (G-11, CN-9); the events view
// counts what arrived in the last 24 hours of the namespace clock (CN-10);
// a revoked key is 403 (G-12).
func TestConnect(t *testing.T) {
	eachMode(t, func(t *testing.T, e testkit.Emulator) {
		x := newE2E(t, e)
		key := x.key("cn")
		res := x.ok("connect", key, client.Track("019mr8mf4r", "Signed Up", nil))
		cn := x.c.Connect(res.Account)
		if u, err := cn.User(x.ctx, "019mr8mf4r"); err != nil || len(u.Events) != 1 {
			t.Fatalf("the track did not create its user: %+v, %v", u, err)
		}
		counts := func(last24h int) {
			t.Helper()
			c, err := cn.EventCounts(x.ctx, client.Query{"name": "Signed Up"})
			if err != nil || len(c) != 1 || c[0].Last24h != last24h || c[0].Total != 1 || !c[0].LastReceivedAt.Equal(t0) {
				t.Fatalf("event counts %+v, %v; want %d in the last 24h, 1 in all, last at %v", c, err, last24h, t0)
			}
		}
		counts(1)
		x.advance(23 * time.Hour)
		counts(1)
		x.advance(2 * time.Hour)
		counts(0)

		_, err := x.c.RevokeKey(x.ctx, "connect", res.Account, key)
		x.must(err)
		x.refused("connect", key, client.Track("019mr8mf4r", "Clicked", nil), http.StatusForbidden, "revoked")
	})
}
