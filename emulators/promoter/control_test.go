package promoter_test

import (
	"net/http"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

func TestPromoterControlPlane(t *testing.T) {
	t.Parallel()
	t.Run("campaign specs are checked and errors name the field", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.campaign(client.PromoterCampaignSpec{ID: "c1", Name: "NPS", TriggerEvent: "Signed Up"})
		for _, tc := range []struct {
			spec   client.PromoterCampaignSpec
			status int
			field  string
		}{
			{client.PromoterCampaignSpec{TriggerEvent: "x"}, 400, "name"},
			{client.PromoterCampaignSpec{Name: "x"}, 400, "triggerEvent"},
			{client.PromoterCampaignSpec{Name: "x", TriggerEvent: "x", Distribution: "drip"}, 400, "distribution"},
			{client.PromoterCampaignSpec{Name: "x", TriggerEvent: "x", ReminderDays: -1}, 400, "reminderDays"},
			{client.PromoterCampaignSpec{Name: "x", TriggerEvent: "x", ThrottleDays: 4000}, 400, "throttleDays"},
			{client.PromoterCampaignSpec{Name: "x", TriggerEvent: "x", ForwardingEmail: "not-an-email"}, 400, "forwardingEmail"},
			{client.PromoterCampaignSpec{Name: "x", TriggerEvent: "x", ContactList: "nope"}, 400, "contactList"},
			{client.PromoterCampaignSpec{ID: "c1", Name: "x", TriggerEvent: "x"}, 409, "c1"},
		} {
			_, err := f.p.CreateCampaign(ctx, tc.spec)
			testkit.ExpectError(t, err, tc.status, tc.field)
		}
		err := f.Client.Do(ctx, http.MethodPost, client.AccountPath("promoter", "acme", "campaigns"), nil,
			map[string]any{"name": "x", "triggerEvent": "x", "delay": 3}, nil)
		testkit.ExpectError(t, err, 400, "delay")
		if cs, _ := f.p.Campaigns(ctx, nil); len(cs) != 1 {
			t.Errorf("refused specs created campaigns: %v", cs)
		}
		if l, _ := f.p.ContactLists(ctx); len(l) != 1 {
			t.Errorf("lists %v, want the default list only", l)
		}
	})

	t.Run("unknown ids are 404, unknown filters 400", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		for _, call := range []func() error{
			func() error { _, err := f.p.Campaign(ctx, "nope"); return err },
			func() error { _, err := f.p.ActivateCampaign(ctx, "nope"); return err },
			func() error { _, err := f.p.ContactList(ctx, "nope"); return err },
			func() error { _, err := f.p.Contact(ctx, "nope"); return err },
			func() error { _, err := f.p.Survey(ctx, "nope"); return err },
		} {
			testkit.ExpectError(t, call(), http.StatusNotFound, "")
		}
		for _, call := range []func() error{
			func() error { _, err := f.p.Surveys(ctx, client.Query{"stauts": "delivered"}); return err },
			func() error { _, err := f.p.Surveys(ctx, client.Query{"status": "sent"}); return err },
			func() error { _, err := f.p.Surveys(ctx, client.Query{"from": "yesterday"}); return err },
			func() error { _, err := f.p.Contacts(ctx, client.Query{"name": "x"}); return err },
			func() error { _, err := f.p.CustomEvents(ctx, client.Query{"user": "x"}); return err },
		} {
			testkit.ExpectError(t, call(), http.StatusBadRequest, "")
		}
		_, err := f.p.CreateContactList(ctx, client.PromoterContactListSpec{ID: "l"})
		testkit.ExpectError(t, err, 400, "name")
		testkit.Must(f.p.CreateContactList(ctx, client.PromoterContactListSpec{ID: "l", Name: "L"}))(t)
		_, err = f.p.CreateContactList(ctx, client.PromoterContactListSpec{ID: "l", Name: "L"})
		testkit.ExpectError(t, err, http.StatusConflict, "")
	})

	t.Run("account config creates lists, campaigns and the limit; reset restores it", func(t *testing.T) {
		t.Parallel()
		lim := 10
		f := newFixture(t, &client.PromoterConfig{
			DailyLimit:   &lim,
			ContactLists: []client.PromoterContactListSpec{{ID: "buyers", Name: "Buyers"}},
			Campaigns: []client.PromoterCampaignSpec{
				{ID: "post", Name: "Post purchase", TriggerEvent: "Order Completed", ContactList: "buyers", Activate: true},
				{Name: "Draft", TriggerEvent: "Signed Up"},
			},
		})
		cs, err := f.p.Campaigns(ctx, nil)
		if err != nil || len(cs) != 2 || cs[0].Status != "ready" || cs[1].Status != "draft" || cs[1].ID != "cmp_1" {
			t.Fatalf("campaigns %+v %v", cs, err)
		}
		if d, _ := f.p.DailyLimit(ctx); d.Limit != 10 {
			t.Errorf("limit %d", d.Limit)
		}
		f.identify("u1", "u1@example.com")
		f.Send(client.Track("u1", "Order Completed", nil))
		if err := f.Client.ResetAccount(ctx, "promoter", "acme"); err != nil {
			t.Fatal(err)
		}
		if ss := f.surveys(nil); len(ss) != 0 {
			t.Errorf("surveys after reset: %v", ss)
		}
		if c, _ := f.p.Campaign(ctx, "post"); c.Status != "ready" {
			t.Errorf("campaign after reset: %+v", c)
		}
	})

	t.Run("a bad config is refused naming the entry", func(t *testing.T) {
		t.Parallel()
		ns := testkit.Isolated(t, srv)
		_, err := ns.Client().CreateAccount(t.Context(), "promoter", client.AccountSpec{ID: "bad",
			Config: client.PromoterConfig{Campaigns: []client.PromoterCampaignSpec{{Name: "x"}}}})
		testkit.ExpectError(t, err, 400, "campaigns[0].triggerEvent")
		_, err = ns.Client().CreateAccount(t.Context(), "promoter", client.AccountSpec{ID: "bad",
			Config: map[string]any{"limit": 3}})
		testkit.ExpectError(t, err, 400, "")
	})

	t.Run("G-11 an auto-provisioned account stores contacts and events", func(t *testing.T) {
		t.Parallel()
		ns := testkit.Isolated(t, srv)
		c := ns.Client()
		res, err := c.Send(t.Context(), "promoter", "auto-"+ns.Name, nil, client.Identify("u1", map[string]any{"email": "u1@example.com"}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Promoter(res.Account).Contact(t.Context(), "u1"); err != nil {
			t.Errorf("contact on the provisioned account: %v", err)
		}
		if d, _ := c.Promoter(res.Account).DailyLimit(t.Context()); d.Limit != 50000 || d.Count != 1 {
			t.Errorf("provisioned counter %+v", d)
		}
	})
}
