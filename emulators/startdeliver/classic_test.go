package startdeliver_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// TestStartdeliver covers SD-1..SD-8 on both destinations (v2 has "those
// of SD" too) through HTTP and the typed client.
func TestStartdeliver(t *testing.T) {
	t.Parallel()
	t.Run("documented example: externalId 97980cfea0067, track Login Button Clicked", func(t *testing.T) {
		t.Parallel()
		cfg := externalID()
		cfg.Customers = []client.StartdeliverCustomerSpec{{Name: "Acme Inc"}}
		cfg.Users = []client.StartdeliverUserSpec{{Name: "Ada", CustomerID: 1, CustomFields: map[string]any{"externalId": "97980cfea0067"}}}
		f := newFixture(t, classic, cfg, matchOn("externalId"))
		res := f.send(t, client.Track("97980cfea0067", "Login Button Clicked", nil))
		if res.Status != "ok" || res.Data["userId"] != float64(1) || res.Data["customerId"] != float64(1) {
			t.Fatalf("answer %+v", res)
		}
		u := f.onlyUser(t)
		if u.ID != 1 {
			t.Fatalf("event created user %d instead of matching user 1", u.ID)
		}
		if evs := f.user(t, 1).UsageEvents; len(evs) != 1 || evs[0].Type != "track" || evs[0].Name != "Login Button Clicked" {
			t.Fatalf("user's usage events %+v", evs)
		}
		c := f.customer(t, 1)
		if len(c.UsageEvents) != 1 || c.UsageEvents[0].Name != "Login Button Clicked" || c.UsageEvents[0].UserID != 1 {
			t.Fatalf("customer's usage events %+v", c.UsageEvents)
		}
	})

	t.Run("SD-1 accepts page and track; identify, screen, group, alias are 501", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, classic, externalID(), matchOn("externalId"))
		f.send(t, client.Page("u1", "Home", nil))
		f.send(t, client.Track("u1", "Clicked", nil))
		for _, m := range []client.Message{client.Identify("u1", nil), client.Screen("u1", "Home", nil),
			client.Group("u1", "g1", nil), client.Alias("u1", "u0")} {
			_, err := f.sendErr(m)
			testkit.ExpectError(t, err, http.StatusNotImplemented, m.Type)
		}
		if n := len(f.events(t, nil)); n != 2 {
			t.Fatalf("%d usage events, want 2", n)
		}
	})

	for _, dest := range []string{classic, v2} {
		t.Run("SD-2 inactive key is 401, key without Admin is 403 ("+dest+")", func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, dest, externalID(), matchOn("externalId"))
			for _, k := range []client.KeySpec{{Value: f.Key + "-off", Active: client.Inactive()}, {Value: f.Key + "-read", Permission: "read"}} {
				testkit.Must(f.Client.AddKey(ctx, dest, "acme", k))(t)
			}
			m := client.Track("u1", "Clicked", nil)
			_, err := f.Client.Send(ctx, dest, f.Key+"-off", f.settings, m)
			testkit.ExpectError(t, err, http.StatusUnauthorized, "not active")
			_, err = f.Client.Send(ctx, dest, f.Key+"-read", f.settings, m)
			testkit.ExpectError(t, err, http.StatusForbidden, "Admin")
			if n := len(f.users(t, nil)); n != 0 {
				t.Fatalf("refused requests created %d users", n)
			}
			f.send(t, m) // the admin key works
		})
	}

	t.Run("SD-2 permissions are names in any casing; an unknown name is refused at creation", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, classic, externalID(), matchOn("externalId"))
		for _, k := range []client.KeySpec{{Value: f.Key + "-Admin", Permission: "Admin"}, {Value: f.Key + "-ADMIN", Permission: " ADMIN "}, {Value: f.Key + "-Read", Permission: "Read"}} {
			key, err := f.Client.AddKey(ctx, classic, "acme", k)
			if err != nil || key.Permission != strings.ToLower(strings.TrimSpace(k.Permission)) {
				t.Fatalf("add %+v: %+v, %v", k, key, err)
			}
		}
		for _, k := range []string{"-Admin", "-ADMIN"} {
			if _, err := f.Client.Send(ctx, classic, f.Key+k, f.settings, client.Track("u1", "Clicked", nil)); err != nil {
				t.Fatalf("key %s: %v", k, err)
			}
		}
		_, err := f.Client.Send(ctx, classic, f.Key+"-Read", f.settings, client.Track("u1", "Clicked", nil))
		testkit.ExpectError(t, err, http.StatusForbidden, `lacks the Admin permission (it has "read")`)
		_, err = f.Client.AddKey(ctx, classic, "acme", client.KeySpec{Value: f.Key + "-su", Permission: "superuser"})
		testkit.ExpectError(t, err, http.StatusBadRequest, `permission "superuser" is not one of admin, write, read`)
		_, err = f.Client.CreateAccount(ctx, classic, client.AccountSpec{ID: "other", Keys: []client.KeySpec{{Value: f.Key + "-x", Permission: "owner"}}})
		testkit.ExpectError(t, err, http.StatusBadRequest, `keys[0].permission`)
		if _, err := f.Client.Account(ctx, classic, "other"); client.StatusOf(err) != http.StatusNotFound {
			t.Fatalf("the refused account exists: %v", err)
		}
	})

	for _, dest := range []string{classic, v2} {
		t.Run("SD-3 the match field must be a user custom field, else 400 naming it ("+dest+")", func(t *testing.T) {
			t.Parallel()
			cfg := externalID()
			cfg.CustomFields = append(cfg.CustomFields, client.StartdeliverCustomField{Alias: "crmId", Type: "text", Entity: "customer"})
			f := newFixture(t, dest, cfg, matchOn("missingField"))
			_, err := f.sendErr(client.Track("u1", "Clicked", nil))
			testkit.ExpectError(t, err, http.StatusBadRequest, `"missingField"`)
			f.settings = matchOn("crmId") // a customer field is not a user field
			_, err = f.sendErr(client.Page("u1", "Home", nil))
			testkit.ExpectError(t, err, http.StatusBadRequest, `"crmId"`)
			if n := len(f.users(t, nil)); n != 0 {
				t.Fatalf("refused requests created %d users", n)
			}
			if e := f.LastEntry(); e.Status != 400 || e.Outcome != "refused" {
				t.Fatalf("request log %+v", e)
			}
		})
	}

	t.Run("SD-4 the userId is compared with each user's custom field value", func(t *testing.T) {
		t.Parallel()
		cfg := externalID()
		cfg.CustomFields = append(cfg.CustomFields, client.StartdeliverCustomField{Alias: "accountNo", Type: "number", Entity: "user"})
		cfg.Users = []client.StartdeliverUserSpec{
			{Name: "Ada", CustomFields: map[string]any{"externalId": "a-1", "accountNo": 42}},
			{Name: "Bob", CustomFields: map[string]any{"externalId": "b-2", "accountNo": 7}},
		}
		f := newFixture(t, classic, cfg, matchOn("externalId"))
		res := f.send(t, client.Track("b-2", "Clicked", nil))
		if res.Data["userId"] != float64(2) || res.Data["createdUser"] != nil {
			t.Fatalf("answer %+v, want user 2 matched", res)
		}
		// A number field matches the userId "42" with the stored 42.
		f.settings = matchOn("accountNo")
		if res := f.send(t, client.Track("42", "Clicked", nil)); res.Data["userId"] != float64(1) {
			t.Fatalf("answer %+v, want user 1 matched on accountNo", res)
		}
		if n := len(f.users(t, nil)); n != 2 {
			t.Fatalf("%d users, want the 2 seeded", n)
		}
		if evs := f.user(t, 2).UsageEvents; len(evs) != 1 {
			t.Fatalf("user 2 has %d events", len(evs))
		}
	})

	t.Run("SD-5 no match creates a user holding the userId", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, classic, externalID(), matchOn("externalId"))
		res := f.send(t, client.Track("new-1", "Signed Up", nil))
		if res.Data["createdUser"] != true {
			t.Fatalf("answer %+v, want a created user", res)
		}
		u := f.onlyUser(t)
		if u.CustomFields["externalId"] != "new-1" {
			t.Fatalf("new user %+v", u)
		}
		f.send(t, client.Page("new-1", "Home", nil))
		u = f.onlyUser(t)
		if evs := f.user(t, u.ID).UsageEvents; len(evs) != 2 {
			t.Fatalf("user has %d events, want 2", len(evs))
		}
		// Without a userId there is nothing to match on (decision).
		res = f.send(t, client.Track("", "Clicked", nil).Anonymous("anon-1"))
		f.wantIgnored(t, res, "no userId")
		if n := len(f.users(t, nil)); n != 1 {
			t.Fatalf("%d users", n)
		}
	})

	t.Run("SD-5 concurrent events for one new userId create exactly one user", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, classic, externalID(), matchOn("externalId"))
		const n = 50
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.sendErr(client.Track("racer", fmt.Sprintf("E%d", i), nil))
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		u := f.onlyUser(t)
		if evs := f.user(t, u.ID).UsageEvents; len(evs) != n {
			t.Fatalf("user has %d events, want %d", len(evs), n)
		}
	})

	t.Run("SD-6 page and track are usage events on the user and the user's customer", func(t *testing.T) {
		t.Parallel()
		cfg := externalID()
		cfg.Customers = []client.StartdeliverCustomerSpec{{Name: "Acme"}}
		cfg.Users = []client.StartdeliverUserSpec{
			{CustomerID: 1, CustomFields: map[string]any{"externalId": "in-acme"}},
			{CustomFields: map[string]any{"externalId": "loner"}},
		}
		f := newFixture(t, classic, cfg, matchOn("externalId"))
		at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		f.send(t, client.Page("in-acme", "Pricing", map[string]any{"url": "https://x.io/pricing"}).At(at))
		f.send(t, client.Track("in-acme", "Plan Chosen", map[string]any{"plan": "pro", "seats": 12}).At(at.Add(time.Minute)))
		f.send(t, client.Track("loner", "Clicked", nil))
		evs := f.user(t, 1).UsageEvents
		if len(evs) != 2 {
			t.Fatalf("user 1 has %d events", len(evs))
		}
		p, tr := evs[0], evs[1]
		if p.Type != "page" || p.Name != "Pricing" || p.Properties["url"] != "https://x.io/pricing" || !p.Timestamp.Equal(at) || p.CustomerID != 1 {
			t.Fatalf("page event %+v", p)
		}
		if tr.Type != "track" || tr.Name != "Plan Chosen" || tr.Properties["plan"] != "pro" || tr.Properties["seats"] != float64(12) || !tr.Timestamp.Equal(at.Add(time.Minute)) {
			t.Fatalf("track event %+v", tr)
		}
		c := f.customer(t, 1)
		if len(c.UsageEvents) != 2 || c.UsageEvents[0].ID != p.ID || c.UsageEvents[1].ID != tr.ID || len(c.UserIDs) != 1 || c.UserIDs[0] != 1 {
			t.Fatalf("customer %+v", c)
		}
		if l := f.user(t, 2).UsageEvents; len(l) != 1 || l[0].CustomerID != 0 {
			t.Fatalf("user without customer: %+v", l)
		}
	})

	for _, dest := range []string{classic, v2} {
		t.Run("SD-7 email sync: root, traits, context.traits, absent falls back ("+dest+")", func(t *testing.T) {
			t.Parallel()
			cfg := externalID()
			cfg.Users = []client.StartdeliverUserSpec{
				{Email: "root@x.io", CustomFields: map[string]any{"externalId": "id-root"}},
				{Email: "traits@x.io"},
				{Email: "ctx@x.io"},
				{CustomFields: map[string]any{"externalId": "fallback"}},
			}
			f := newFixture(t, dest, cfg, map[string]any{"startdeliverUserCustomFieldToMatchOn": "externalId", "syncUsingEmailInsteadOfCustomField": true})
			root := client.Track("fallback", "E", nil) // the userId would match user 4: email wins
			root.Extra = map[string]any{"email": "ROOT@x.io"}
			root.Traits = map[string]any{"email": "traits@x.io"} // the root comes first
			traits := client.Track("whatever", "E", nil)
			traits.Traits = map[string]any{"email": "traits@x.io"}
			inCtx := client.Track("whatever", "E", nil).WithContext(map[string]any{"traits": map[string]any{"email": "ctx@x.io"}})
			absent := client.Track("fallback", "E", nil)
			absent.Traits = map[string]any{"email": "   "} // a blank email is no email (PR-4's rule everywhere)
			for i, m := range []client.Message{root, traits, inCtx, absent} {
				if res := f.send(t, m); res.Data["userId"] != float64(i+1) || res.Data["createdUser"] != nil {
					t.Fatalf("message %d: answer %+v, want user %d matched", i, res, i+1)
				}
			}
			if n := len(f.users(t, nil)); n != 4 {
				t.Fatalf("%d users, want the 4 seeded", n)
			}
		})
	}

	t.Run("SD-8 a user created by an email match gets the email and the userId", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, classic, externalID(), map[string]any{"startdeliverUserCustomFieldToMatchOn": "externalId", "syncUsingEmailInsteadOfCustomField": true})
		m := client.Track("u-77", "Signed Up", nil)
		m.Traits = map[string]any{"email": "new@x.io"}
		if res := f.send(t, m); res.Data["createdUser"] != true {
			t.Fatalf("answer %+v", res)
		}
		anon := client.Track("", "Signed Up", nil).Anonymous("a-1")
		anon.Extra = map[string]any{"email": "anon@x.io"}
		f.send(t, anon)
		us := f.users(t, nil)
		if len(us) != 2 || us[0].Email != "new@x.io" || us[0].CustomFields["externalId"] != "u-77" ||
			us[1].Email != "anon@x.io" || len(us[1].CustomFields) != 0 {
			t.Fatalf("users %+v", us)
		}
		// The next event with that email matches the created user.
		if res := f.send(t, m); res.Data["userId"] != float64(1) || res.Data["createdUser"] != nil {
			t.Fatalf("answer %+v", res)
		}
	})

	t.Run("EN-1 classic does not accept identify, so Engage audiences are 501", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, classic, externalID(), matchOn("externalId"))
		_, err := f.sendErr(client.Identify("u1", map[string]any{"order_completed_last_30days": true}))
		testkit.ExpectError(t, err, http.StatusNotImplemented, "identify")
	})

	t.Run("G-11 an unknown key provisions an account with the match field as text", func(t *testing.T) {
		t.Parallel()
		c := testkit.Isolated(t, srv).Client()
		key := c.NamespaceName() + "-fresh"
		res, err := c.Send(ctx, classic, key, matchOn("externalId"), client.Track("u1", "Clicked", nil))
		if err != nil || res.Status != "ok" || res.Data["createdUser"] != true {
			t.Fatalf("answer %+v, %v", res, err)
		}
		fs, err := c.Startdeliver(res.Account).CustomFields(ctx, nil)
		if err != nil || len(fs) != 1 || fs[0].Alias != "externalId" || fs[0].Type != "text" || fs[0].Entity != "user" {
			t.Fatalf("custom fields %+v, %v", fs, err)
		}
	})
}
