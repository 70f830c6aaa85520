package startdeliver_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// TestStartdeliverControlPlane drives every control-plane resource through
// the typed client.
func TestStartdeliverControlPlane(t *testing.T) {
	t.Parallel()
	t.Run("custom fields: create, list with filters, conflicts, bad input, delete", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, classic, externalID(), matchOn("externalId"))
		created, err := f.sd.CreateCustomField(ctx, client.StartdeliverCustomField{Alias: "tier", Type: "number", Entity: "customer", Name: "Tier"})
		if err != nil || created.Alias != "tier" || created.Name != "Tier" {
			t.Fatalf("%+v, %v", created, err)
		}
		// The same alias on the other entity is another field.
		testkit.Must(f.sd.CreateCustomField(ctx, client.StartdeliverCustomField{Alias: "tier", Type: "text", Entity: "user"}))(t)
		_, err = f.sd.CreateCustomField(ctx, client.StartdeliverCustomField{Alias: "tier", Type: "text", Entity: "user"})
		testkit.ExpectError(t, err, http.StatusConflict, `"tier"`)
		for _, bad := range []struct {
			f    client.StartdeliverCustomField
			want string
		}{
			{client.StartdeliverCustomField{Type: "text", Entity: "user"}, "alias"},
			{client.StartdeliverCustomField{Alias: "x", Type: "money", Entity: "user"}, `"money"`},
			{client.StartdeliverCustomField{Alias: "x", Type: "text", Entity: "deal"}, `"deal"`},
			{client.StartdeliverCustomField{Alias: "email", Type: "text", Entity: "user"}, "standard"},
		} {
			_, err := f.sd.CreateCustomField(ctx, bad.f)
			testkit.ExpectError(t, err, http.StatusBadRequest, bad.want)
		}
		err = f.Client.Do(ctx, http.MethodPost, client.AccountPath(classic, "acme", "custom-fields"), nil, map[string]any{"alias": "y", "kind": "text"}, nil)
		testkit.ExpectError(t, err, http.StatusBadRequest, `"kind"`)
		fs, err := f.sd.CustomFields(ctx, client.Query{"entity": "user"})
		if err != nil || len(fs) != 2 || fs[0].Alias != "externalId" || fs[1].Alias != "tier" {
			t.Fatalf("user fields %+v, %v", fs, err)
		}
		if fs, _ := f.sd.CustomFields(ctx, client.Query{"type": "number"}); len(fs) != 1 || fs[0].Entity != "customer" {
			t.Fatalf("number fields %+v", fs)
		}
		testkit.Must(f.sd.CreateUser(ctx, client.StartdeliverUserSpec{CustomFields: map[string]any{"tier": "gold"}}))(t)
		if err := f.sd.DeleteCustomField(ctx, "user", "tier"); err != nil {
			t.Fatal(err)
		}
		testkit.ExpectError(t, f.sd.DeleteCustomField(ctx, "user", "tier"), http.StatusNotFound, `"tier"`)
		if u := f.user(t, 1); len(u.CustomFields) != 0 {
			t.Fatalf("the deleted field's value stayed: %+v", u.CustomFields)
		}
		_, err = f.sd.Users(ctx, client.Query{"tier": "gold"})
		testkit.ExpectError(t, err, http.StatusBadRequest, `"tier"`)
	})

	t.Run("users and customers: seed, filter on any field or custom field, read one", func(t *testing.T) {
		t.Parallel()
		cfg := externalID()
		cfg.CustomFields = append(cfg.CustomFields,
			client.StartdeliverCustomField{Alias: "score", Type: "number", Entity: "user"},
			client.StartdeliverCustomField{Alias: "region", Type: "text", Entity: "customer"})
		f := newFixture(t, classic, cfg, matchOn("externalId"))
		c, err := f.sd.CreateCustomer(ctx, client.StartdeliverCustomerSpec{Name: "Acme", CustomFields: map[string]any{"region": "eu"}})
		if err != nil || c.ID != 1 {
			t.Fatalf("%+v, %v", c, err)
		}
		f.sd.CreateCustomer(ctx, client.StartdeliverCustomerSpec{Name: "Globex", CustomFields: map[string]any{"region": "us"}})
		u, err := f.sd.CreateUser(ctx, client.StartdeliverUserSpec{Name: "Ada", Email: "ada@x.io", Title: "CTO", CustomerID: 1,
			CustomFields: map[string]any{"externalId": "e-1", "score": "7.5"}})
		if err != nil || u.ID != 1 || u.CustomFields["score"] != 7.5 {
			t.Fatalf("%+v, %v", u, err)
		}
		f.sd.CreateUser(ctx, client.StartdeliverUserSpec{Name: "Bob", CustomerID: 2, CustomFields: map[string]any{"score": 7}})
		for q, want := range map[string]int64{"name=Ada": 1, "email=ada@x.io": 1, "title=CTO": 1, "customerId=2": 2, "externalId=e-1": 1, "score=7": 2, "score=7.50": 1, "id=2": 2} {
			k, v, _ := strings.Cut(q, "=")
			us := f.users(t, client.Query{k: v})
			if len(us) != 1 || us[0].ID != want {
				t.Fatalf("users?%s = %+v, want user %d", q, us, want)
			}
		}
		if us := f.users(t, client.Query{"name": "Ada", "customerId": "2"}); len(us) != 0 {
			t.Fatalf("filters combine with AND: %+v", us)
		}
		if us := f.users(t, client.Query{"limit": "1", "offset": "1"}); len(us) != 1 || us[0].ID != 2 {
			t.Fatalf("paged users %+v", us)
		}
		if cs, _ := f.sd.Customers(ctx, client.Query{"region": "us"}); len(cs) != 1 || cs[0].Name != "Globex" {
			t.Fatalf("customers %+v", cs)
		}
		for _, bad := range []struct {
			q    client.Query
			want string
		}{{client.Query{"nope": "1"}, `"nope"`}, {client.Query{"score": "high"}, `"score"`}, {client.Query{"limit": "-1"}, `"limit"`}} {
			_, err := f.sd.Users(ctx, bad.q)
			testkit.ExpectError(t, err, http.StatusBadRequest, bad.want)
		}
		for _, bad := range []struct {
			spec client.StartdeliverUserSpec
			want string
		}{
			{client.StartdeliverUserSpec{CustomFields: map[string]any{"score": "high"}}, "customFields.score"},
			{client.StartdeliverUserSpec{CustomFields: map[string]any{"unknown": 1}}, "customFields.unknown"},
			{client.StartdeliverUserSpec{CustomerID: 9}, "customerId"},
		} {
			_, err := f.sd.CreateUser(ctx, bad.spec)
			testkit.ExpectError(t, err, http.StatusBadRequest, bad.want)
		}
		if n := len(f.users(t, nil)); n != 2 {
			t.Fatalf("refused creations left %d users", n)
		}
		_, err = f.sd.User(ctx, 99)
		testkit.ExpectError(t, err, http.StatusNotFound, "99")
		_, err = f.sd.Customer(ctx, 0)
		testkit.ExpectError(t, err, http.StatusNotFound, "customer")
		if c := f.customer(t, 1); len(c.UserIDs) != 1 || c.UserIDs[0] != 1 || len(c.UsageEvents) != 0 {
			t.Fatalf("customer %+v", c)
		}
	})

	t.Run("usage events: filter by user, customer, type, name, time range", func(t *testing.T) {
		t.Parallel()
		cfg := externalID()
		cfg.Customers = []client.StartdeliverCustomerSpec{{Name: "Acme"}}
		cfg.Users = []client.StartdeliverUserSpec{{CustomerID: 1, CustomFields: map[string]any{"externalId": "a"}}}
		f := newFixture(t, classic, cfg, matchOn("externalId"))
		t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		f.send(t, client.Page("a", "Home", nil).At(t0))
		f.send(t, client.Track("a", "Clicked", nil).At(t0.Add(time.Hour)))
		f.send(t, client.Track("b", "Clicked", nil).At(t0.Add(2*time.Hour)))
		for _, tc := range []struct {
			q    client.Query
			want []int64
		}{
			{nil, []int64{1, 2, 3}},
			{client.Query{"userId": "1"}, []int64{1, 2}},
			{client.Query{"userId": "2"}, []int64{3}},
			{client.Query{"customerId": "1"}, []int64{1, 2}},
			{client.Query{"type": "track"}, []int64{2, 3}},
			{client.Query{"name": "Clicked", "userId": "1"}, []int64{2}},
			{client.Query{"from": t0.Add(time.Hour).Format(time.RFC3339)}, []int64{2, 3}},
			{client.Query{"to": t0.Add(time.Hour).Format(time.RFC3339)}, []int64{1}},
			{client.Query{"customerId": "5"}, nil},
		} {
			evs := f.events(t, tc.q)
			if len(evs) != len(tc.want) {
				t.Fatalf("%v: %+v, want %v", tc.q, evs, tc.want)
			}
			for i, ev := range evs {
				if ev.ID != tc.want[i] {
					t.Fatalf("%v: %+v, want %v", tc.q, evs, tc.want)
				}
			}
		}
		_, err := f.sd.UsageEvents(ctx, client.Query{"from": "yesterday"})
		testkit.ExpectError(t, err, http.StatusBadRequest, `"from"`)
	})

	t.Run("segment app: read, replace with validation; classic has none", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, v2, seedApp(), matchingID)
		got, err := f.sd.SegmentApp(ctx)
		if err != nil || !got.IdentifyEnabled || got.StartdeliverMatchingField.Field != "customfieldMatchingId" || len(got.UserMapping) != 3 {
			t.Fatalf("%+v, %v", got, err)
		}
		for _, tc := range []struct {
			mut  func(*client.StartdeliverSegmentApp)
			want string
		}{
			{func(c *client.StartdeliverSegmentApp) { c.StartdeliverMatchingField.Field = "nope" }, "startdeliverMatchingField.field"},
			{func(c *client.StartdeliverSegmentApp) { c.StartdeliverMatchingField.Type = "number" }, "startdeliverMatchingField.type"},
			{func(c *client.StartdeliverSegmentApp) { c.ExternalMatchingField = nil }, "externalMatchingField"},
			{func(c *client.StartdeliverSegmentApp) { c.ExternalCustomerField.Field = "traits[" }, "externalCustomerField.field"},
			{func(c *client.StartdeliverSegmentApp) { c.UserMapping[1].Type = "text" }, "userMapping[1].type"},
			{func(c *client.StartdeliverSegmentApp) { c.CustomerMapping[0].Field = "revenue" }, "customerMapping[0].field"},
		} {
			cfg := *seedApp().SegmentApp
			tc.mut(&cfg)
			_, err := f.sd.ReplaceSegmentApp(ctx, cfg)
			testkit.ExpectError(t, err, http.StatusBadRequest, tc.want)
		}
		if got, _ := f.sd.SegmentApp(ctx); got.StartdeliverMatchingField.Field != "customfieldMatchingId" {
			t.Fatalf("a refused replace changed the configuration: %+v", got)
		}
		cfg := seedApp()
		cfg.SegmentApp.IdentifyEnabled = false
		_, err = f.Client.CreateAccount(ctx, classic, client.AccountSpec{ID: "classic", Config: cfg})
		testkit.ExpectError(t, err, http.StatusBadRequest, "segmentApp")
		c := newFixture(t, classic, externalID(), matchOn("externalId"))
		_, err = c.sd.SegmentApp(ctx)
		testkit.ExpectError(t, err, http.StatusNotFound, "")
	})

	t.Run("account config errors name the field", func(t *testing.T) {
		t.Parallel()
		c := testkit.Isolated(t, srv).Client()
		for _, tc := range []struct {
			cfg  any
			want string
		}{
			{client.StartdeliverConfig{Users: []client.StartdeliverUserSpec{{CustomFields: map[string]any{"x": 1}}}}, "users[0].customFields.x"},
			{client.StartdeliverConfig{CustomFields: []client.StartdeliverCustomField{{Alias: "a", Type: "text", Entity: "user"}, {Alias: "a", Type: "text", Entity: "user"}}}, "customFields[1]"},
			{map[string]any{"customers": []any{map[string]any{"label": "x"}}}, `"label"`},
		} {
			_, err := c.CreateAccount(ctx, v2, client.AccountSpec{ID: "x", Config: tc.cfg})
			if e, ok := err.(*client.Error); !ok || e.Status/100 != 4 || !strings.Contains(e.Message, tc.want) {
				t.Fatalf("%+v: %v, want %q", tc.cfg, err, tc.want)
			}
		}
	})
}
