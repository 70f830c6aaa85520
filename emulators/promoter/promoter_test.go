package promoter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// srv is the server the package's tests share; each test takes a
// namespace of its own on it.
var srv *testkit.Server

func TestMain(m *testing.M) { os.Exit(testkit.Main(m, &srv)) }

// t0 is where every test freezes its namespace clock: 20:00 UTC, four hours
// (14,400 seconds) before the next UTC midnight.
var t0 = time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC)

const dayDur = 24 * time.Hour

var ctx = context.Background()

// fixture is one isolated namespace with a Promoter account "acme" whose
// clock was frozen at t0 before the account was made: the testkit fixture,
// with the Promoter account's client and the reads the tests repeat.
type fixture struct {
	*testkit.Fixture
	t *testing.T
	p *client.Promoter
}

func newFixture(t *testing.T, cfg *client.PromoterConfig) *fixture {
	t.Helper()
	tf := testkit.NewEmptyFixture(t, srv, "promoter")
	tf.Freeze(t0)
	var spec client.AccountSpec
	if cfg != nil {
		spec.Config = cfg
	}
	tf.CreateAccount(spec)
	return &fixture{Fixture: tf, t: t, p: tf.Client.Promoter(tf.Account)}
}

func (f *fixture) identify(userID, email string) {
	f.t.Helper()
	f.Send(client.Identify(userID, map[string]any{"email": email}))
}

func (f *fixture) setClock(at time.Time) {
	f.t.Helper()
	testkit.Must(f.Client.SetClock(ctx, at))(f.t)
}

func (f *fixture) campaign(spec client.PromoterCampaignSpec) *client.PromoterCampaign {
	f.t.Helper()
	return testkit.Must(f.p.CreateCampaign(ctx, spec))(f.t)
}

func (f *fixture) surveys(q client.Query) []client.PromoterSurvey {
	f.t.Helper()
	return testkit.Must(f.p.Surveys(ctx, q))(f.t)
}

func (f *fixture) survey(id string) *client.PromoterSurvey {
	f.t.Helper()
	return testkit.Must(f.p.Survey(ctx, id))(f.t)
}

func (f *fixture) contact(userID string) *client.PromoterContact {
	f.t.Helper()
	return testkit.Must(f.p.Contact(ctx, userID))(f.t)
}

func contains(list []string, sub string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.Contains(s, sub) })
}

func TestPromoter(t *testing.T) {
	t.Parallel()
	t.Run("PR-1 accepts identify and track, other types 501", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.identify("u1", "u1@example.com")
		f.Send(client.Track("u1", "Order Completed", nil))
		for _, m := range []client.Message{
			client.Page("u1", "Home", nil), client.Screen("u1", "Home", nil),
			client.Group("u1", "g1", nil), client.Alias("u1", "anon-1"),
		} {
			f.Expect(m, http.StatusNotImplemented, m.Type)
		}
		if n, _ := f.p.DailyLimit(ctx); n.Count != 2 {
			t.Errorf("only identify and track reach Promoter's counter: count %d, want 2", n.Count)
		}
	})

	t.Run("PR-2 identify without userId is answered 200 and not stored", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		res := f.Send(client.Identify("", map[string]any{"email": "anon@example.com"}).Anonymous("anon-1"))
		if res.Status != "ignored" || !strings.Contains(res.Reason, "userId") {
			t.Errorf("answer: status %q reason %q, want ignored because of the missing userId", res.Status, res.Reason)
		}
		if cs, _ := f.p.Contacts(ctx, nil); len(cs) != 0 {
			t.Errorf("contacts = %v, want none", cs)
		}
		if e := f.LastEntry(); e.Outcome != "ignored" || !strings.Contains(e.Message, "userId") {
			t.Errorf("request log: outcome %q message %q, want ignored saying why", e.Outcome, e.Message)
		}
	})

	t.Run("PR-3 identify creates then updates the contact; every trait is an attribute", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		res := f.Send(client.Identify("12345", map[string]any{
			"email": "ted@mosbiusdesigns.com", "firstName": "Ted", "last_name": "Mosby", "plan": "Premium", "seats": 3,
		}))
		if !contains(res.Actions, "created contact 12345") {
			t.Errorf("actions %v, want a created contact", res.Actions)
		}
		c := f.contact("12345")
		if c.Email != "ted@mosbiusdesigns.com" || c.FirstName != "Ted" || c.LastName != "Mosby" {
			t.Errorf("contact fields = %q %q %q", c.Email, c.FirstName, c.LastName)
		}
		for k, want := range map[string]any{"email": "ted@mosbiusdesigns.com", "firstName": "Ted", "last_name": "Mosby", "plan": "Premium", "seats": 3.0} {
			if c.Attributes[k] != want {
				t.Errorf("attribute %s = %v, want %v", k, c.Attributes[k], want)
			}
		}
		f.Advance(time.Hour)
		res = f.Send(client.Identify("12345", map[string]any{"email": "ted@example.org", "first_name": "Theodore", "plan": "Enterprise"}))
		if !contains(res.Actions, "updated contact 12345") {
			t.Errorf("actions %v, want an update", res.Actions)
		}
		c = f.contact("12345")
		if c.Email != "ted@example.org" || c.FirstName != "Theodore" || c.LastName != "Mosby" {
			t.Errorf("updated fields = %q %q %q", c.Email, c.FirstName, c.LastName)
		}
		if c.Attributes["plan"] != "Enterprise" || c.Attributes["first_name"] != "Theodore" || c.Attributes["firstName"] != nil {
			t.Errorf("attributes = %v: want plan updated and first_name replacing firstName (G-9)", c.Attributes)
		}
		if !c.CreatedAt.Equal(t0) || !c.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("created %v updated %v", c.CreatedAt, c.UpdatedAt)
		}
		if cs, _ := f.p.Contacts(ctx, client.Query{"email": "ted@example.org"}); len(cs) != 1 {
			t.Errorf("one contact per userId: %v", cs)
		}
	})

	t.Run("PR-3 a name alone fills first and last name (the Segment Spec's full name)", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.Send(client.Identify("u1", map[string]any{"email": "ada@example.com", "name": "  Ada  King Lovelace "}))
		if c := f.contact("u1"); c.FirstName != "Ada" || c.LastName != "King Lovelace" {
			t.Errorf("names %q %q", c.FirstName, c.LastName)
		}
		f.Send(client.Identify("u1", map[string]any{"first_name": "Augusta", "name": "Ada Byron"}))
		if c := f.contact("u1"); c.FirstName != "Augusta" || c.LastName != "Byron" {
			t.Errorf("names %q %q: firstName wins, the name fills the last name", c.FirstName, c.LastName)
		}
		f.Send(client.Identify("u1", map[string]any{"name": "Ada"}))
		if c := f.contact("u1"); c.FirstName != "Ada" || c.LastName != "Byron" {
			t.Errorf("names %q %q: a one-word name leaves the last name", c.FirstName, c.LastName)
		}
	})

	t.Run("PR-3 attribute numbers keep every digit, through a snapshot too", func(t *testing.T) {
		t.Parallel()
		own := testkit.Start(t) // a snapshot import replaces every namespace
		c := own.Client()
		ctx := context.Background()
		testkit.Must(c.CreateAccount(ctx, "promoter", client.AccountSpec{ID: "acme", Keys: []client.KeySpec{{Value: "k"}}}))(t)
		if _, err := c.Send(ctx, "promoter", "k", nil, client.Identify("u1", map[string]any{
			"email": "u1@example.com", "big": json.Number("9007199254740993"), "ratio": json.Number("0.1000000000000000055511151231257827"),
		})); err != nil {
			t.Fatal(err)
		}
		raw := func() string {
			var out json.RawMessage
			if err := c.Do(ctx, http.MethodGet, client.AccountPath("promoter", "acme", "contacts", "u1"), nil, nil, &out); err != nil {
				t.Fatal(err)
			}
			return string(out)
		}
		want := []string{`"big":9007199254740993`, `"ratio":0.1000000000000000055511151231257827`}
		for _, w := range want {
			if got := raw(); !strings.Contains(got, w) {
				t.Fatalf("contact %s: want %s", got, w)
			}
		}
		doc, err := c.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.RestoreSnapshot(ctx, doc); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if got := raw(); !strings.Contains(got, w) {
				t.Fatalf("contact after the snapshot import %s: want %s", got, w)
			}
		}
	})

	t.Run("PR-4 a blank email is no email; emails are stored trimmed", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		for _, m := range []client.Message{
			client.Identify("u1", map[string]any{"email": "   "}),
			client.Identify("u1", map[string]any{"email": "\t"}).WithContext(map[string]any{"traits": map[string]any{"email": " "}}),
		} {
			if e := f.Expect(m, http.StatusBadRequest, ""); e.Message != "Missing email address" {
				t.Errorf("message %q", e.Message)
			}
		}
		if _, err := f.p.Contact(ctx, "u1"); client.StatusOf(err) != http.StatusNotFound {
			t.Fatalf("a blank email created a contact: %v", err)
		}
		// A blank traits.email falls through to context.traits.email.
		m := client.Identify("u1", map[string]any{"email": "  "}).WithContext(map[string]any{"traits": map[string]any{"email": " ted@example.com "}})
		f.Send(m)
		if c := f.contact("u1"); c.Email != "ted@example.com" {
			t.Fatalf("contact email %q", c.Email)
		}
		if cs, _ := f.p.Contacts(ctx, client.Query{"email": "ted@example.com"}); len(cs) != 1 {
			t.Fatalf("contacts by email: %+v", cs)
		}
	})

	t.Run("PR-4 creating a contact without email is 400 Missing email address; an update without email is fine", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		if e := f.Expect(client.Identify("u1", map[string]any{"plan": "Free"}), http.StatusBadRequest, ""); e.Message != "Missing email address" {
			t.Errorf("message %q", e.Message)
		}
		if _, err := f.p.Contact(ctx, "u1"); client.StatusOf(err) != http.StatusNotFound {
			t.Errorf("the refused identify created a contact: %v", err)
		}
		if e := f.LastEntry(); e.Status != http.StatusBadRequest || e.Message != "Missing email address" {
			t.Errorf("request log: %d %q", e.Status, e.Message)
		}
		f.identify("u1", "u1@example.com")
		f.Send(client.Identify("u1", map[string]any{"plan": "Pro"}))
		if c := f.contact("u1"); c.Email != "u1@example.com" || c.Attributes["plan"] != "Pro" {
			t.Errorf("update without email: %+v", c)
		}
	})

	t.Run("PR-5 every track is stored as a custom event", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		at := t0.Add(-time.Hour)
		res := f.Send(client.Track("u1", "Order Completed", map[string]any{"total": 42.5, "Item Name": "Box"}).At(at))
		f.Send(client.Track("", "Viewed Pricing", nil).Anonymous("anon-1"))
		if res.Data["customEvent"] == nil {
			t.Errorf("answer data %v, want the custom event id", res.Data)
		}
		evs, err := f.p.CustomEvents(ctx, nil)
		if err != nil || len(evs) != 2 {
			t.Fatalf("custom events %v %v, want 2", evs, err)
		}
		e := evs[0]
		if e.Event != "Order Completed" || e.UserID != "u1" || e.Properties["total"] != 42.5 || e.Properties["Item Name"] != "Box" ||
			!e.Timestamp.Equal(at) || !e.ReceivedAt.Equal(t0) || e.MessageID == "" {
			t.Errorf("event = %+v", e)
		}
		if evs[1].AnonymousID != "anon-1" {
			t.Errorf("anonymous track: %+v", evs[1])
		}
		if evs, _ := f.p.CustomEvents(ctx, client.Query{"event": "Viewed Pricing"}); len(evs) != 1 {
			t.Errorf("filter by event: %v", evs)
		}
		if evs, _ := f.p.CustomEvents(ctx, client.Query{"to": t0.Add(-time.Minute).Format(time.RFC3339)}); len(evs) != 1 || evs[0].Event != "Order Completed" {
			t.Errorf("filter by time: %v", evs)
		}
	})

	t.Run("PR-6 a matching track surveys the identified contact and adds it to the campaign's list", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		testkit.Must(f.p.CreateContactList(ctx, client.PromoterContactListSpec{ID: "buyers", Name: "Buyers"}))(t)
		cmp := f.campaign(client.PromoterCampaignSpec{Name: "Post purchase", TriggerEvent: "Order Completed", ContactList: "buyers", Activate: true})
		f.identify("u1", "u1@example.com")
		f.Send(client.Track("u1", "Order Viewed", nil)) // another event: no survey
		res := f.Send(client.Track("u1", "Order Completed", nil))
		ss := f.surveys(nil)
		if len(ss) != 1 {
			t.Fatalf("surveys %v, want 1", ss)
		}
		s := ss[0]
		if s.Campaign != cmp.ID || s.Contact != "u1" || s.Email != "u1@example.com" || !s.TriggeredAt.Equal(t0) || s.Status != "delivered" {
			t.Errorf("survey = %+v", s)
		}
		if res.Data["survey"] != s.ID || !contains(res.Actions, "scheduled survey "+s.ID) {
			t.Errorf("answer %v %v does not report the survey", res.Data, res.Actions)
		}
		if l, _ := f.p.ContactList(ctx, "buyers"); !slices.Equal(l.Contacts, []string{"u1"}) {
			t.Errorf("list contacts = %v", l.Contacts)
		}
		if c := f.contact("u1"); !slices.Equal(c.Lists, []string{"buyers"}) {
			t.Errorf("contact lists = %v", c.Lists)
		}
		if cs, _ := f.p.Contacts(ctx, client.Query{"list": "buyers"}); len(cs) != 1 {
			t.Errorf("contacts on list: %v", cs)
		}
	})

	t.Run("PR-7 a track for a userId never identified makes no survey and says why", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.campaign(client.PromoterCampaignSpec{Name: "NPS", TriggerEvent: "Signed Up", Activate: true})
		res := f.Send(client.Track("stranger", "Signed Up", nil))
		if !contains(res.Warnings, "never identified") {
			t.Errorf("warnings %v, want never identified", res.Warnings)
		}
		if e := f.LastEntry(); !contains(e.Warnings, `"stranger" was never identified`) {
			t.Errorf("request log warnings %v", e.Warnings)
		}
		if ss := f.surveys(nil); len(ss) != 0 {
			t.Errorf("surveys %v, want none", ss)
		}
		// Identifying afterwards does not survey retroactively; the next
		// track does.
		f.identify("stranger", "s@example.com")
		if ss := f.surveys(nil); len(ss) != 0 {
			t.Errorf("surveys after identify %v, want none", ss)
		}
		f.Send(client.Track("stranger", "Signed Up", nil))
		if ss := f.surveys(nil); len(ss) != 1 {
			t.Errorf("surveys after identified track %v, want 1", ss)
		}
	})

	t.Run("PR-8 campaign status draft, ready once activated, active after its first matching track", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		cmp := f.campaign(client.PromoterCampaignSpec{Name: "NPS", TriggerEvent: "Signed Up"})
		if cmp.Status != "draft" || cmp.ActivatedAt != nil {
			t.Fatalf("new campaign %+v, want draft", cmp)
		}
		f.identify("u1", "u1@example.com")
		res := f.Send(client.Track("u1", "Signed Up", nil))
		if !contains(res.Warnings, "draft") || len(f.surveys(nil)) != 0 {
			t.Errorf("a draft surveys nobody and warns: %v", res.Warnings)
		}
		f.Advance(time.Minute)
		got, err := f.p.ActivateCampaign(ctx, cmp.ID)
		if err != nil || got.Status != "ready" || got.ActivatedAt == nil || !got.ActivatedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("activate: %+v %v", got, err)
		}
		f.Send(client.Track("u1", "Other Event", nil))
		if got, _ := f.p.Campaign(ctx, cmp.ID); got.Status != "ready" {
			t.Errorf("an unrelated track made it %s", got.Status)
		}
		f.Advance(time.Minute)
		f.Send(client.Track("u1", "Signed Up", nil))
		got, _ = f.p.Campaign(ctx, cmp.ID)
		if got.Status != "active" || got.ActiveSince == nil || !got.ActiveSince.Equal(t0.Add(2*time.Minute)) {
			t.Errorf("after the first matching track: %+v", got)
		}
		if again, err := f.p.ActivateCampaign(ctx, cmp.ID); err != nil || again.Status != "active" {
			t.Errorf("activating an active campaign: %+v %v", again, err)
		}
		if cs, _ := f.p.Campaigns(ctx, client.Query{"status": "active"}); len(cs) != 1 {
			t.Errorf("filter by status: %v", cs)
		}
	})

	t.Run("PR-9 a delivery delay of N days delivers once N days pass on the clock, 0 delivers at once", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.campaign(client.PromoterCampaignSpec{ID: "later", Name: "Trial end", TriggerEvent: "Trial Started", DeliveryDelayDays: 7, Activate: true})
		f.campaign(client.PromoterCampaignSpec{ID: "now", Name: "Welcome", TriggerEvent: "Signed Up", Activate: true})
		f.identify("u1", "u1@example.com")
		f.identify("u2", "u2@example.com")
		f.Send(client.Track("u1", "Trial Started", nil))
		f.Send(client.Track("u2", "Signed Up", nil))
		ss := f.surveys(client.Query{"campaign": "later"})
		if len(ss) != 1 {
			t.Fatalf("surveys %v", ss)
		}
		s := ss[0]
		if s.Status != "scheduled" || s.DeliveredAt != nil || !s.ScheduledFor.Equal(t0.Add(7*dayDur)) {
			t.Errorf("delayed survey at trigger time: %+v", s)
		}
		if now := f.surveys(client.Query{"campaign": "now"}); len(now) != 1 || now[0].Status != "delivered" || !now[0].DeliveredAt.Equal(t0) {
			t.Errorf("0 days delivers at once: %+v", now)
		}
		f.Advance(7*dayDur - time.Second)
		if s := f.survey(s.ID); s.Status != "scheduled" {
			t.Errorf("one second early: %s", s.Status)
		}
		f.Advance(time.Second) // no request but the clock's
		if s := f.survey(s.ID); s.Status != "delivered" || s.DeliveredAt == nil || !s.DeliveredAt.Equal(t0.Add(7*dayDur)) {
			t.Errorf("after 7 days: %+v", s)
		}
		if ss := f.surveys(client.Query{"status": "delivered"}); len(ss) != 2 {
			t.Errorf("filter by derived status: %v", ss)
		}
	})

	t.Run("PR-10 throttle of N days: not surveyed one second before the window ends, surveyed at its end", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.campaign(client.PromoterCampaignSpec{ID: "c", Name: "Orders", TriggerEvent: "Order Completed", ThrottleDays: 3, Activate: true})
		f.identify("u1", "u1@example.com")
		f.Send(client.Track("u1", "Order Completed", nil))
		f.Advance(3*dayDur - time.Second)
		res := f.Send(client.Track("u1", "Order Completed", nil))
		if !contains(res.Actions, "throttled") {
			t.Errorf("actions %v, want throttled", res.Actions)
		}
		if e := f.LastEntry(); !contains(e.Actions, "throttle of 3 days") {
			t.Errorf("request log actions %v do not say why", e.Actions)
		}
		if ss := f.surveys(nil); len(ss) != 1 {
			t.Fatalf("surveys within the throttle: %d", len(ss))
		}
		f.Advance(time.Second)
		f.Send(client.Track("u1", "Order Completed", nil))
		ss := f.surveys(client.Query{"contact": "u1"})
		if len(ss) != 2 || !ss[1].TriggeredAt.Equal(t0.Add(3*dayDur)) {
			t.Errorf("at the window's end: %v", ss)
		}
	})

	t.Run("PR-11 a contact is never surveyed twice within 24 hours across campaigns", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.campaign(client.PromoterCampaignSpec{ID: "a", Name: "A", TriggerEvent: "Signed Up", Activate: true})
		f.campaign(client.PromoterCampaignSpec{ID: "b", Name: "B", TriggerEvent: "Order Completed", Activate: true})
		f.campaign(client.PromoterCampaignSpec{ID: "b2", Name: "B twin", TriggerEvent: "Order Completed", Activate: true})
		f.identify("u1", "u1@example.com")
		f.identify("u2", "u2@example.com")
		f.Send(client.Track("u1", "Signed Up", nil))
		f.Advance(dayDur - time.Second)
		res := f.Send(client.Track("u1", "Order Completed", nil))
		if !contains(res.Actions, "within 24 hours") || len(f.surveys(client.Query{"contact": "u1"})) != 1 {
			t.Errorf("second campaign within 24h: %v", res.Actions)
		}
		f.Advance(time.Second)
		res = f.Send(client.Track("u1", "Order Completed", nil))
		ss := f.surveys(client.Query{"contact": "u1"})
		if len(ss) != 2 || ss[1].Campaign != "b" {
			t.Fatalf("at 24h: %v", ss)
		}
		// Both b and b2 trigger on the event: the contact gets one survey.
		if !contains(res.Actions, "no survey in campaign b2") {
			t.Errorf("two campaigns, one event: %v", res.Actions)
		}
		// Another contact is not affected.
		f.Send(client.Track("u2", "Order Completed", nil))
		if ss := f.surveys(client.Query{"contact": "u2"}); len(ss) != 1 {
			t.Errorf("u2: %v", ss)
		}
	})

	t.Run("PR-11 decision: the 24 hours compare delivery times", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.campaign(client.PromoterCampaignSpec{ID: "late", Name: "Late", TriggerEvent: "Trial Started", DeliveryDelayDays: 7, Activate: true})
		f.campaign(client.PromoterCampaignSpec{ID: "now", Name: "Now", TriggerEvent: "Order Completed", Activate: true})
		f.identify("u1", "u1@example.com")
		f.Send(client.Track("u1", "Trial Started", nil)) // delivered at t0+7d
		f.Advance(2 * dayDur)
		f.Send(client.Track("u1", "Order Completed", nil)) // delivered at t0+2d: fine
		f.Advance(5*dayDur - time.Hour)
		res := f.Send(client.Track("u1", "Order Completed", nil)) // would land an hour before the delayed one
		if !contains(res.Actions, "within 24 hours") || len(f.surveys(nil)) != 2 {
			t.Errorf("same delivery day: %v", res.Actions)
		}
	})

	t.Run("PR-12 a delivered survey with no response gets a reminder after N days; a response prevents it", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.campaign(client.PromoterCampaignSpec{ID: "c", Name: "NPS", TriggerEvent: "Signed Up", ReminderDays: 3, Activate: true})
		f.identify("quiet", "q@example.com")
		f.identify("talker", "t@example.com")
		f.Send(client.Track("quiet", "Signed Up", nil))
		f.Send(client.Track("talker", "Signed Up", nil))
		quiet, talker := f.surveys(client.Query{"contact": "quiet"})[0], f.surveys(client.Query{"contact": "talker"})[0]
		if quiet.ReminderDueAt == nil || !quiet.ReminderDueAt.Equal(t0.Add(3*dayDur)) {
			t.Errorf("reminder due %v", quiet.ReminderDueAt)
		}
		f.Advance(dayDur)
		if got, err := f.p.RespondSurvey(ctx, talker.ID, 9, "Great"); err != nil || got.Status != "responded" || !got.Responded {
			t.Fatalf("respond: %+v %v", got, err)
		}
		_, err := f.p.RespondSurvey(ctx, talker.ID, 3, "")
		testkit.ExpectError(t, err, http.StatusConflict, "")
		f.Advance(2*dayDur - time.Second)
		if s := f.survey(quiet.ID); s.Status != "delivered" || s.RemindedAt != nil {
			t.Errorf("one second before the reminder: %+v", s)
		}
		f.Advance(time.Second)
		if s := f.survey(quiet.ID); s.Status != "reminded" || s.RemindedAt == nil || !s.RemindedAt.Equal(t0.Add(3*dayDur)) {
			t.Errorf("after 3 days without response: %+v", s)
		}
		s := f.survey(talker.ID)
		if s.Status != "responded" || s.RemindedAt != nil || s.Response == nil || s.Response.Score != 9 || !s.Response.RespondedAt.Equal(t0.Add(dayDur)) {
			t.Errorf("answered survey: %+v", s)
		}
		if ss := f.surveys(client.Query{"status": "reminded"}); len(ss) != 1 || ss[0].Contact != "quiet" {
			t.Errorf("filter reminded: %v", ss)
		}
	})

	t.Run("PR-12 a survey not yet delivered cannot be answered; the score is checked", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.campaign(client.PromoterCampaignSpec{Name: "NPS", TriggerEvent: "Signed Up", DeliveryDelayDays: 2, Activate: true})
		f.identify("u1", "u1@example.com")
		f.Send(client.Track("u1", "Signed Up", nil))
		id := f.surveys(nil)[0].ID
		_, err := f.p.RespondSurvey(ctx, id, 5, "")
		testkit.ExpectError(t, err, http.StatusConflict, "not delivered")
		f.Advance(2 * dayDur)
		_, err = f.p.RespondSurvey(ctx, id, 11, "")
		testkit.ExpectError(t, err, http.StatusBadRequest, "score")
		_, err = f.p.RespondSurvey(ctx, "srv_404", 5, "")
		testkit.ExpectError(t, err, http.StatusNotFound, "")
	})

	t.Run("seed campaign flow: activate, first track makes it active, delayed survey delivered, then reminded", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		// Seed steps 1 to 9, then "Activate Campaign".
		cmp := f.campaign(client.PromoterCampaignSpec{
			Name: "Segment NPS", TriggerEvent: "Order Completed", EmailTemplate: "Classic",
			Distribution: "Instant", ReminderDays: 2, ForwardingEmail: "nps@acme.test",
			DeliveryDelayDays: 7, ThrottleDays: 30,
		})
		if cmp.ContactList != "segment-list" || cmp.Distribution != "instant" || cmp.Status != "draft" {
			t.Fatalf("created %+v", cmp)
		}
		if l, err := f.p.ContactList(ctx, "segment-list"); err != nil || l.Name != "Segment List" || len(l.Contacts) != 0 {
			t.Fatalf("default list %+v %v", l, err)
		}
		if c, _ := f.p.ActivateCampaign(ctx, cmp.ID); c.Status != "ready" {
			t.Fatalf("activated: %s", c.Status)
		}
		f.Send(client.Identify("12345", map[string]any{"email": "ted@mosbiusdesigns.com", "firstName": "Ted", "lastName": "Mosby", "plan": "Premium"}))
		f.Send(client.Track("12345", "Order Completed", map[string]any{"total": 30}))
		if c, _ := f.p.Campaign(ctx, cmp.ID); c.Status != "active" {
			t.Errorf("after the first matching track: %s", c.Status)
		}
		s := f.surveys(nil)[0]
		if s.Status != "scheduled" || !s.ScheduledFor.Equal(t0.Add(7*dayDur)) {
			t.Errorf("scheduled: %+v", s)
		}
		if l, _ := f.p.ContactList(ctx, "segment-list"); !slices.Equal(l.Contacts, []string{"12345"}) {
			t.Errorf("surveyed contacts join the list: %v", l.Contacts)
		}
		f.Advance(7 * dayDur)
		if s := f.survey(s.ID); s.Status != "delivered" {
			t.Errorf("after the delay: %s", s.Status)
		}
		f.Advance(2 * dayDur)
		if s := f.survey(s.ID); s.Status != "reminded" || !s.RemindedAt.Equal(t0.Add(9*dayDur)) {
			t.Errorf("after the reminder days: %+v", s)
		}
	})

	t.Run("PR-13 daily limit exact under load, 429 with Retry-After to UTC midnight, reset at midnight", func(t *testing.T) {
		t.Parallel()
		const limit = 500
		lim := limit
		f := newFixture(t, &client.PromoterConfig{DailyLimit: &lim})
		f.identify("u1", "u1@example.com") // one of the 500
		const workers, total = 64, limit + 100
		var accepted, refused atomic.Int64
		var next atomic.Int64
		retryAfter := make(chan string, total)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for n := next.Add(1); n < total; n = next.Add(1) {
					m := client.Track("u1", "Clicked", map[string]any{"n": n})
					if n%2 == 0 {
						m = client.Identify("u"+strconv.FormatInt(n, 10), map[string]any{"email": fmt.Sprintf("u%d@example.com", n)})
					}
					_, err := f.SendErr(m)
					var e *client.Error
					switch {
					case err == nil:
						accepted.Add(1)
					case errors.As(err, &e) && e.Status == http.StatusTooManyRequests:
						refused.Add(1)
						retryAfter <- e.RetryAfter
					default:
						t.Errorf("request %d: %v", n, err)
					}
				}
			})
		}
		wg.Wait()
		close(retryAfter)
		if accepted.Load()+1 != limit || refused.Load() != total-limit {
			t.Errorf("accepted %d (+1 before), refused %d; want %d and %d", accepted.Load(), refused.Load(), limit-1, total-limit)
		}
		for ra := range retryAfter {
			if ra != "14400" { // 20:00 UTC to midnight
				t.Fatalf("Retry-After %q, want 14400", ra)
			}
		}
		d, err := f.p.DailyLimit(ctx)
		if err != nil || d.Count != limit || d.Limit != limit || d.Remaining != 0 || d.Date != "2025-03-10" ||
			!d.ResetsAt.Equal(time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC)) || d.RetryAfterSeconds != 14400 {
			t.Errorf("counter %+v %v", d, err)
		}
		if e := f.LastEntry(); e.Status != http.StatusTooManyRequests || !strings.Contains(e.Message, "daily limit") {
			t.Errorf("request log: %d %q", e.Status, e.Message)
		}
		// One second before midnight: still refused, Retry-After 1.
		f.setClock(time.Date(2025, 3, 10, 23, 59, 59, 0, time.UTC))
		if e := f.Expect(client.Track("u1", "Clicked", nil), http.StatusTooManyRequests, ""); e.RetryAfter != "1" {
			t.Errorf("Retry-After at 23:59:59 = %q", e.RetryAfter)
		}
		// Midnight: a new UTC day, a new count.
		f.Advance(time.Second)
		if d, _ := f.p.DailyLimit(ctx); d.Count != 0 || d.Date != "2025-03-11" || d.Remaining != limit {
			t.Errorf("after midnight with no request: %+v", d)
		}
		f.Send(client.Track("u1", "Clicked", nil))
		if d, _ := f.p.DailyLimit(ctx); d.Count != 1 {
			t.Errorf("count on the new day %d", d.Count)
		}
	})

	t.Run("PR-13 counts are kept per UTC date: a clock moved back a day and forward again never lets a day pass the limit", func(t *testing.T) {
		t.Parallel()
		lim := 2
		f := newFixture(t, &client.PromoterConfig{DailyLimit: &lim})
		f.identify("u1", "u1@example.com")
		f.Send(client.Track("u1", "Clicked", nil))
		f.Expect(client.Track("u1", "Clicked", nil), http.StatusTooManyRequests, "")
		f.setClock(t0.Add(-dayDur)) // the day before: its own count, from 0
		f.Send(client.Track("u1", "Clicked", nil))
		f.Send(client.Track("u1", "Clicked", nil))
		f.Expect(client.Track("u1", "Clicked", nil), http.StatusTooManyRequests, "")
		f.setClock(t0) // back to the first day: still full
		f.Expect(client.Track("u1", "Clicked", nil), http.StatusTooManyRequests, "")
		if d, _ := f.p.DailyLimit(ctx); d.Count != 2 || d.Date != "2025-03-10" || d.Remaining != 0 {
			t.Errorf("counter %+v", d)
		}
	})

	t.Run("PR-8 campaigns created through the account config get createdAt and activatedAt", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, &client.PromoterConfig{Campaigns: []client.PromoterCampaignSpec{
			{ID: "ready", Name: "NPS", TriggerEvent: "Signed Up", Activate: true},
			{ID: "draft", Name: "Draft", TriggerEvent: "Signed Up"},
		}})
		get := func(id string) *client.PromoterCampaign {
			c, err := f.p.Campaign(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		if c := get("ready"); !c.CreatedAt.Equal(t0) || c.ActivatedAt == nil || !c.ActivatedAt.Equal(t0) {
			t.Errorf("ready campaign %+v: want createdAt and activatedAt %v", c, t0)
		}
		if c := get("draft"); !c.CreatedAt.Equal(t0) || c.ActivatedAt != nil {
			t.Errorf("draft campaign %+v", c)
		}
		f.Advance(time.Hour)
		if err := f.Client.ResetAccount(ctx, "promoter", "acme"); err != nil {
			t.Fatal(err)
		}
		if c := get("ready"); !c.CreatedAt.Equal(t0.Add(time.Hour)) || !c.ActivatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("after a reset %+v: want the reset's time", c)
		}
	})

	t.Run("PR-13 default limit 50000, settable; every request reaching Promoter counts", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		d, err := f.p.DailyLimit(ctx)
		if err != nil || d.Limit != 50000 || d.Count != 0 {
			t.Fatalf("default %+v %v", d, err)
		}
		// (decision) a 400 from Promoter still spent a request of the quota.
		f.Expect(client.Identify("u1", nil), http.StatusBadRequest, "")
		f.identify("u1", "u1@example.com")
		if d, err = f.p.SetDailyLimit(ctx, 2); err != nil || d.Count != 2 || d.Limit != 2 || d.Remaining != 0 {
			t.Fatalf("set limit: %+v %v", d, err)
		}
		f.Expect(client.Track("u1", "Clicked", nil), http.StatusTooManyRequests, "")
		if _, err := f.p.SetDailyLimit(ctx, -1); client.StatusOf(err) != http.StatusBadRequest {
			t.Errorf("negative limit: %v", err)
		}
		// A duplicate messageId is answered by the platform (G-10) and does
		// not reach the counter.
		if _, err = f.p.SetDailyLimit(ctx, 3); err != nil {
			t.Fatal(err)
		}
		m := client.Track("u1", "Clicked", nil).WithID("m-1")
		f.Send(m)
		if res := f.Send(m); res.Status != "duplicate" {
			t.Errorf("duplicate: %+v", res)
		}
		if d, _ := f.p.DailyLimit(ctx); d.Count != 3 {
			t.Errorf("count %d, want 3", d.Count)
		}
	})

	t.Run("EN-1 an audience trait sets and clears a boolean contact attribute", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.identify("u1", "u1@example.com")
		f.Send(client.Identify("u1", map[string]any{"high_value_users": true}))
		if c := f.contact("u1"); c.Attributes["high_value_users"] != true {
			t.Errorf("entered audience: %v", c.Attributes)
		}
		f.Send(client.Identify("u1", map[string]any{"high_value_users": false}))
		if c := f.contact("u1"); c.Attributes["high_value_users"] != false {
			t.Errorf("left audience: %v", c.Attributes)
		}
		// An audience identify for a contact not yet created still needs
		// the email (PR-4).
		f.Expect(client.Identify("u2", map[string]any{"high_value_users": true}), http.StatusBadRequest, "")
	})

	t.Run("G-15 integrations Promoter.io false is processed with a warning", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		m := client.Identify("u1", map[string]any{"email": "u1@example.com"})
		m.Integrations = map[string]any{"Promoter.io": false}
		if res := f.Send(m); len(res.Warnings) == 0 {
			t.Errorf("no warning: %+v", res)
		}
		f.contact("u1")
	})
}
