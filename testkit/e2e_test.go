package testkit_test

import (
	"context"
	"net/http"
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

var ctx = context.Background()

// settings are the X-Segment-Settings the bodies send, per destination:
// Startdeliver's one required setting names the user custom field to match
// on, which an account provisioned for an unknown key gets (G-11).
var settings = map[string]map[string]any{
	"startdeliver":    {"startdeliverUserCustomFieldToMatchOn": "externalId"},
	"startdeliver-v2": {"startdeliverUserCustomFieldToMatchOn": "externalId"},
}

// fixture is what a body needs: a fresh namespace of e whose clock is
// frozen at t0, and a key of dest that no account holds yet, sent with the
// destination's settings. A body creates the account, or lets its first
// message provision one (G-11).
func fixture(t *testing.T, e testkit.Emulator, dest string) *testkit.Fixture {
	t.Helper()
	f := testkit.NewEmptyFixture(t, e, dest)
	f.Settings = settings[dest]
	f.Freeze(t0)
	return f
}

// revoked revokes the fixture's key and expects m refused with 403 saying
// so (G-12).
func revoked(t *testing.T, f *testkit.Fixture, m client.Message) {
	t.Helper()
	testkit.Must(f.Client.RevokeKey(ctx, f.Dest, f.Account, f.Key))(t)
	f.Expect(m, http.StatusForbidden, "revoked")
}

// TestAuthFailure: a revoked key is 403, an inactive key 401, and
// activating it lets requests through again (G-12); refusals are logged
// with their reason (G-14).
func TestAuthFailure(t *testing.T) {
	eachMode(t, func(t *testing.T, e testkit.Emulator) {
		f := fixture(t, e, "promoter")
		f.CreateAccount(client.AccountSpec{})
		clicked := client.Track("u1", "Clicked", nil)
		revoked(t, f, clicked)
		testkit.Must(f.Client.DeactivateKey(ctx, "promoter", f.Account, f.Key))(t)
		f.Expect(clicked, http.StatusUnauthorized, "not active")
		testkit.Must(f.Client.ActivateKey(ctx, "promoter", f.Account, f.Key))(t)
		f.Send(clicked)
		refusals, err := f.Client.Requests(ctx, client.RequestFilter{Outcome: "refused"})
		if err != nil || len(refusals) != 2 || refusals[0].Status != 401 || refusals[1].Status != 403 {
			t.Fatalf("the request log's refusals: %+v, %v", refusals, err)
		}
	})
}

// TestAutoCreation: an unknown key provisions an account in the caller's
// namespace, with that key active, and the first event is applied (G-11).
func TestAutoCreation(t *testing.T) {
	eachMode(t, func(t *testing.T, e testkit.Emulator) {
		f := fixture(t, e, "promoter")
		res := f.Send(client.Identify("u1", map[string]any{"email": "ted@example.com"}))
		a := testkit.Must(f.Client.Account(ctx, "promoter", res.Account))(t)
		if !a.Provisioned || a.Namespace != f.Client.NamespaceName() || len(a.Keys) != 1 || a.Keys[0].Value != f.Key || a.Keys[0].Status != "active" {
			t.Fatalf("provisioned account %+v", a)
		}
		contact, err := f.Client.Promoter(a.ID).Contact(ctx, "u1")
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
		f := fixture(t, e, "promoter")
		f.CreateAccount(client.AccountSpec{})
		m := client.Track("u1", "Clicked", nil).WithID("msg-1")
		if r := f.Send(m); r.Status != "ok" {
			t.Fatalf("first send: %+v", r)
		}
		f.Advance(day - time.Second)
		if r := f.Send(m); r.Status != "duplicate" {
			t.Fatalf("23:59:59 later: %+v", r)
		}
		f.Advance(time.Second)
		if r := f.Send(m); r.Status != "ok" {
			t.Fatalf("24 hours later: %+v", r)
		}
		events, err := f.Client.Promoter(f.Account).CustomEvents(ctx, nil)
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
		f := fixture(t, e, "promoter")
		f.Account = f.Send(client.Identify("u1", map[string]any{"email": "ted@example.com"})).Account
		p := f.Client.Promoter(f.Account)
		testkit.Must(p.CreateCampaign(ctx, client.PromoterCampaignSpec{ID: "nps", Name: "NPS",
			TriggerEvent: "Order Completed", DeliveryDelayDays: 7, ReminderDays: 3, Activate: true}))(t)
		f.Send(client.Track("u1", "Order Completed", nil))
		survey := func(want string) {
			t.Helper()
			s, err := p.Surveys(ctx, client.Query{"contact": "u1"})
			if err != nil || len(s) != 1 || s[0].Status != want {
				t.Fatalf("surveys %+v, %v; want one %s", s, err, want)
			}
		}
		survey("scheduled")

		limit := testkit.Must(p.DailyLimit(ctx))(t)
		testkit.Must(p.SetDailyLimit(ctx, limit.Count))(t)
		refusal := f.Expect(client.Track("u1", "Clicked", nil), http.StatusTooManyRequests, "")
		if refusal.RetryAfter != "14400" {
			t.Fatalf("Retry-After %q, want 14400 (to UTC midnight)", refusal.RetryAfter)
		}
		f.Advance(4 * time.Hour)
		f.Send(client.Track("u1", "Clicked", nil))

		f.Advance(7 * day)
		survey("delivered")
		f.Advance(3 * day)
		survey("reminded")

		revoked(t, f, client.Track("u1", "Clicked", nil))
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
		f := fixture(t, e, "startdeliver")
		f.Account = f.Send(client.Track("97980cfea0067", "Login Button Clicked", nil)).Account
		sd := f.Client.Startdeliver(f.Account)
		fields, err := sd.CustomFields(ctx, client.Query{"alias": "externalId"})
		if err != nil || len(fields) != 1 || fields[0].Type != "text" || fields[0].Entity != "user" {
			t.Fatalf("provisioned custom fields %+v, %v", fields, err)
		}
		users, err := sd.Users(ctx, client.Query{"externalId": "97980cfea0067"})
		if err != nil || len(users) != 1 {
			t.Fatalf("the track did not create its user: %+v, %v", users, err)
		}

		f.Advance(time.Hour)
		f.Send(client.Track("97980cfea0067", "Report Opened", nil))
		events, err := sd.UsageEvents(ctx, client.Query{"from": t0.Add(30 * time.Minute).Format(time.RFC3339)})
		if err != nil || len(events) != 1 || events[0].Name != "Report Opened" || !events[0].Timestamp.Equal(t0.Add(time.Hour)) ||
			events[0].UserID != users[0].ID || events[0].Type != "track" {
			t.Fatalf("usage events from 20:30: %+v, %v; want Report Opened at %v", events, err, t0.Add(time.Hour))
		}

		reader := f.WithKey(f.Key + "-read")
		testkit.Must(f.Client.AddKey(ctx, "startdeliver", f.Account, client.KeySpec{Value: reader.Key, Permission: "read"}))(t)
		reader.Expect(client.Track("97980cfea0067", "Clicked", nil), http.StatusForbidden, "")
		testkit.Must(f.Client.DeactivateKey(ctx, "startdeliver", f.Account, f.Key))(t)
		f.Expect(client.Track("97980cfea0067", "Clicked", nil), http.StatusUnauthorized, "")
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
		f := fixture(t, e, "startdeliver-v2")
		identify := client.Identify("u-42", map[string]any{"name": "Ada"})
		res := f.Send(identify)
		if res.Status != "ignored" {
			t.Fatalf("identify on a provisioned account: %+v, want ignored", res)
		}
		f.Account = res.Account
		sd := f.Client.StartdeliverV2(f.Account)
		testkit.Must(sd.ReplaceSegmentApp(ctx, client.StartdeliverSegmentApp{
			IdentifyEnabled:           true,
			StartdeliverMatchingField: &client.StartdeliverTarget{Field: "externalId", Type: "text"},
			ExternalMatchingField:     &client.StartdeliverSource{Field: "userId"},
			UserMapping:               []client.StartdeliverMapping{{Field: "name", ExternalField: "traits.name", Type: "text"}},
		}))(t)
		f.Advance(10*time.Minute - time.Second)
		if res := f.Send(identify); res.Status != "ignored" {
			t.Fatalf("identify 9:59 after the cache was read: %+v, want ignored", res)
		}
		f.Advance(time.Second)
		if res := f.Send(identify); res.Status != "ok" {
			t.Fatalf("identify 10:00 after the cache was read: %+v, want ok", res)
		}
		users, err := sd.Users(ctx, client.Query{"externalId": "u-42"})
		if err != nil || len(users) != 1 || users[0].Name != "Ada" {
			t.Fatalf("users %+v, %v; want Ada", users, err)
		}

		revoked(t, f, client.Track("u-42", "Clicked", nil))
	})
}

// TestUsercom is User.com end to end: an unknown key provisions an app, and
// identify creates the user (G-11, UC-4); pages without a timestamp take
// the namespace clock's time (G-8), so last_seen follows the clock, and a
// page arriving late with an older timestamp is counted but leaves
// last_seen (UC-10); a revoked key is 403 saying so (UC-2).
func TestUsercom(t *testing.T) {
	eachMode(t, func(t *testing.T, e testkit.Emulator) {
		f := fixture(t, e, "usercom")
		f.Account = f.Send(client.Identify("u1", map[string]any{"email": "ada@example.com"})).Account
		page := client.Page("u1", "Pricing", map[string]any{"url": "https://example.com/pricing"})
		f.Send(page)
		f.Advance(time.Hour)
		f.Send(page)
		f.Send(page.At(t0.Add(30 * time.Minute)))
		u, err := f.Client.Usercom(f.Account).User(ctx, "u1")
		if err != nil || u.Email != "ada@example.com" || u.PageViews != 3 || u.LastSeen == nil || !u.LastSeen.Equal(t0.Add(time.Hour)) {
			t.Fatalf("user %+v, %v; want 3 page views, last seen %v", u, err, t0.Add(time.Hour))
		}

		revoked(t, f, page)
	})
}

// TestConnect is Zendesk Connect end to end: an unknown key provisions an
// environment, and a track creates its user (G-11, CN-9); the events view
// counts what arrived in the last 24 hours of the namespace clock (CN-10);
// a revoked key is 403 (G-12).
func TestConnect(t *testing.T) {
	eachMode(t, func(t *testing.T, e testkit.Emulator) {
		f := fixture(t, e, "connect")
		f.Account = f.Send(client.Track("019mr8mf4r", "Signed Up", nil)).Account
		cn := f.Client.Connect(f.Account)
		if u, err := cn.User(ctx, "019mr8mf4r"); err != nil || len(u.Events) != 1 {
			t.Fatalf("the track did not create its user: %+v, %v", u, err)
		}
		counts := func(last24h int) {
			t.Helper()
			c, err := cn.EventCounts(ctx, client.Query{"name": "Signed Up"})
			if err != nil || len(c) != 1 || c[0].Last24h != last24h || c[0].Total != 1 || !c[0].LastReceivedAt.Equal(t0) {
				t.Fatalf("event counts %+v, %v; want %d in the last 24h, 1 in all, last at %v", c, err, last24h, t0)
			}
		}
		counts(1)
		f.Advance(23 * time.Hour)
		counts(1)
		f.Advance(2 * time.Hour)
		counts(0)

		revoked(t, f, client.Track("019mr8mf4r", "Clicked", nil))
	})
}
