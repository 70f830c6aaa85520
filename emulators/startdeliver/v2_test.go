package startdeliver_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// seedApp is the configuration example of startdeliver-v2.txt, enabled,
// with the custom fields it names.
func seedApp() client.StartdeliverConfig {
	return client.StartdeliverConfig{
		CustomFields: []client.StartdeliverCustomField{
			{Alias: "customfieldMatchingId", Type: "text", Entity: "user"},
			{Alias: "customfieldNumber", Type: "number", Entity: "user"},
			{Alias: "customfieldCustomId", Type: "number", Entity: "customer"},
		},
		SegmentApp: &client.StartdeliverSegmentApp{
			IdentifyEnabled:           true,
			GroupEnabled:              true,
			StartdeliverMatchingField: &client.StartdeliverTarget{Field: "customfieldMatchingId", Type: "text"},
			ExternalMatchingField:     &client.StartdeliverSource{Field: "userId"},
			StartdeliverCustomerField: &client.StartdeliverTarget{Field: "customfieldCustomId", Type: "number"},
			ExternalCustomerField:     &client.StartdeliverSource{Field: "traits.customerId"},
			UserMapping: []client.StartdeliverMapping{
				{Field: "name", ExternalField: "traits.trait2", Type: "text"},
				{Field: "customfieldNumber", ExternalField: "traits.trait1", Type: "number"},
				{Field: "email", ExternalField: "email", Type: "text"},
			},
			CustomerMapping: []client.StartdeliverMapping{{Field: "name", ExternalField: "traits.customerName", Type: "text"}},
		},
	}
}

var matchingID = matchOn("customfieldMatchingId")

func TestStartdeliverV2(t *testing.T) {
	t.Parallel()
	t.Run("S2-1 accepts page, screen, track, identify, group; alias is 501", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, v2, seedApp(), matchingID)
		for _, m := range []client.Message{client.Page("u1", "Home", nil), client.Screen("u1", "Home", nil),
			client.Track("u1", "E", nil), client.Identify("u1", nil), client.Group("u1", "7", nil)} {
			if res := f.send(t, m); res.Status != "ok" {
				t.Fatalf("%s: %+v", m.Type, res)
			}
		}
		_, err := f.sendErr(client.Alias("u1", "u0"))
		testkit.ExpectError(t, err, http.StatusNotImplemented, "alias")
	})

	t.Run("S2-2 screen is stored as a page usage event", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, v2, externalID(), matchOn("externalId"))
		f.send(t, client.Screen("u1", "Settings", map[string]any{"variant": "dark"}))
		evs := f.events(t, client.Query{"type": "page"})
		if len(evs) != 1 || evs[0].Name != "Settings" || evs[0].SegmentType != "screen" || evs[0].Properties["variant"] != "dark" {
			t.Fatalf("usage events %+v", evs)
		}
	})

	t.Run("S2-3 the match field must be a text or number user custom field", func(t *testing.T) {
		t.Parallel()
		cfg := externalID()
		cfg.CustomFields = append(cfg.CustomFields,
			client.StartdeliverCustomField{Alias: "signedUp", Type: "date", Entity: "user"},
			client.StartdeliverCustomField{Alias: "vip", Type: "boolean", Entity: "user"},
			client.StartdeliverCustomField{Alias: "accountNo", Type: "number", Entity: "user"})
		f := newFixture(t, v2, cfg, nil)
		for _, alias := range []string{"signedUp", "vip"} {
			f.settings = matchOn(alias)
			_, err := f.sendErr(client.Track("u1", "E", nil))
			testkit.ExpectError(t, err, http.StatusBadRequest, `"`+alias+`"`)
		}
		if n := len(f.users(t, nil)); n != 0 {
			t.Fatalf("refused events created %d users", n)
		}
		for _, alias := range []string{"externalId", "accountNo"} {
			f.settings = matchOn(alias)
			f.send(t, client.Track("12", "E", nil))
		}
		// Classic has no such rule: a date field is accepted there.
		c := newFixture(t, classic, cfg, matchOn("vip"))
		c.send(t, client.Track("true", "E", nil))
	})

	t.Run("S2-4 override path: dots, brackets, spaces, quotes, dotted names", func(t *testing.T) {
		t.Parallel()
		cfg := externalID()
		for _, v := range []string{"plain", "space", "ctx", "dots", "quote"} {
			cfg.Users = append(cfg.Users, client.StartdeliverUserSpec{Name: v, CustomFields: map[string]any{"externalId": v}})
		}
		f := newFixture(t, v2, cfg, nil)
		cases := []struct {
			path string
			msg  client.Message
			want float64
		}{
			{"properties.myCustomField", client.Track("nobody", "E", map[string]any{"myCustomField": "plain"}), 1},
			{"properties['Field With Space']", client.Track("nobody", "E", map[string]any{"Field With Space": "space"}), 2},
			{"context.traits.accountId", client.Page("nobody", "Home", nil).WithContext(map[string]any{"traits": map[string]any{"accountId": "ctx"}}), 3},
			{`properties["a.b"]`, client.Track("nobody", "E", map[string]any{"a.b": "dots", "a": map[string]any{"b": "plain"}}), 4},
			{`properties['it\'s "x"']`, client.Screen("nobody", "S", map[string]any{`it's "x"`: "quote"}), 5},
		}
		for _, tc := range cases {
			f.settings = map[string]any{"startdeliverUserCustomFieldToMatchOn": "externalId", "segmentOverrideMatchingField": tc.path}
			if res := f.send(t, tc.msg); res.Data["userId"] != tc.want || res.Data["createdUser"] != nil {
				t.Fatalf("%s: answer %+v, want user %v", tc.path, res, tc.want)
			}
		}
		if n := len(f.users(t, nil)); n != 5 {
			t.Fatalf("%d users: an override created one", n)
		}
		// A number at the path matches a text field in its shortest form.
		f.settings["segmentOverrideMatchingField"] = "properties.n"
		if res := f.send(t, client.Track("nobody", "E", map[string]any{"n": json.Number("1.50")})); res.Data["createdUser"] != true {
			t.Fatalf("answer %+v", res)
		}
		if u := f.users(t, client.Query{"externalId": "1.5"}); len(u) != 1 {
			t.Fatalf("users with externalId 1.5: %+v", u)
		}
		f.settings["segmentOverrideMatchingField"] = "properties['unclosed"
		_, err := f.sendErr(client.Track("nobody", "E", nil))
		testkit.ExpectError(t, err, http.StatusBadRequest, "segmentOverrideMatchingField")
	})

	t.Run("S2-4 an override path holding a 19-digit number matches the user whose text field holds it", func(t *testing.T) {
		t.Parallel()
		cfg := externalID()
		cfg.Users = []client.StartdeliverUserSpec{{CustomFields: map[string]any{"externalId": "1234567890123456789"}}}
		f := newFixture(t, v2, cfg, map[string]any{"startdeliverUserCustomFieldToMatchOn": "externalId",
			"segmentOverrideMatchingField": "properties.accountNo"})
		res := f.send(t, client.Track("nobody", "E", map[string]any{"accountNo": json.Number("1234567890123456789")}))
		if res.Data["userId"] != float64(1) || res.Data["createdUser"] != nil {
			t.Fatalf("answer %+v: want user 1 matched, no user created", res)
		}
		if us := f.users(t, nil); len(us) != 1 {
			t.Fatalf("%d users: %+v", len(us), us)
		}
	})

	t.Run("S2-4 S2-5 override paths take JavaScript array indexes; a missing element falls back", func(t *testing.T) {
		t.Parallel()
		cfg := externalID()
		cfg.Users = []client.StartdeliverUserSpec{{CustomFields: map[string]any{"externalId": "sku-1"}}, {CustomFields: map[string]any{"externalId": "u9"}}}
		f := newFixture(t, v2, cfg, map[string]any{"startdeliverUserCustomFieldToMatchOn": "externalId",
			"segmentOverrideMatchingField": "properties.products[0].sku", "allowUserIdFallback": true})
		order := map[string]any{"products": []any{map[string]any{"sku": "sku-1"}, map[string]any{"sku": "sku-2"}}}
		if res := f.send(t, client.Track("nobody", "Order Completed", order)); res.Status != "ok" || res.Data["userId"] != float64(1) {
			t.Fatalf("answer %+v: want user 1 matched through products[0].sku", res)
		}
		// S2-5: no element 0, so the userId is used (allowUserIdFallback).
		res := f.send(t, client.Track("u9", "Order Completed", map[string]any{"products": []any{}}))
		if res.Data["userId"] != float64(2) || !hasWarning(res.Warnings, "matched on userId") {
			t.Fatalf("answer %+v: want the userId fallback", res)
		}
		f.settings["segmentOverrideMatchingField"] = "properties.products[0"
		_, err := f.sendErr(client.Track("nobody", "E", order))
		testkit.ExpectError(t, err, http.StatusBadRequest, "segmentOverrideMatchingField")
	})

	t.Run("S2-8 SD-6 a customer shows the events of its current users, those from before the link too", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, v2, seedApp(), matchingID)
		f.send(t, client.Track("m-1", "Opened", nil)) // user 1, no customer yet
		f.send(t, client.Page("m-1", "Home", nil))
		f.send(t, client.Identify("m-1", map[string]any{"customerId": 77}))
		names := func(id int64) []string {
			var out []string
			for _, ev := range f.customer(t, id).UsageEvents {
				out = append(out, ev.Name)
			}
			return out
		}
		if got := names(1); strings.Join(got, ",") != "Opened,Home" {
			t.Fatalf("customer 1 events %v: want the history of its user", got)
		}
		if evs := f.events(t, client.Query{"customerId": "1"}); len(evs) != 2 {
			t.Fatalf("usage-events?customerId=1: %+v", evs)
		}
		// Moved to another customer, the user takes its events along.
		f.send(t, client.Identify("m-1", map[string]any{"customerId": 88}))
		f.send(t, client.Track("m-1", "Closed", nil))
		if got := names(1); len(got) != 0 {
			t.Fatalf("customer 1 events %v after its user left", got)
		}
		if got := names(2); strings.Join(got, ",") != "Opened,Home,Closed" {
			t.Fatalf("customer 2 events %v", got)
		}
	})

	t.Run("S2-10 a number field keeps every digit, and numeric text matches it", func(t *testing.T) {
		t.Parallel()
		cfg := externalID()
		cfg.CustomFields = append(cfg.CustomFields, client.StartdeliverCustomField{Alias: "accountNo", Type: "number", Entity: "user"})
		f := newFixture(t, v2, cfg, matchOn("accountNo"))
		f.send(t, client.Track("12345678901234567890123", "E", nil))
		var raw json.RawMessage
		if err := f.Client.Do(ctx, http.MethodGet, client.AccountPath(v2, "acme", "users", "1"), nil, nil, &raw); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), `"accountNo":12345678901234567890123`) {
			t.Fatalf("user %s: want accountNo 12345678901234567890123", raw)
		}
		// ...890124 is a different number, though float64 cannot tell them apart.
		if res := f.send(t, client.Track("12345678901234567890124", "E", nil)); res.Data["createdUser"] != true {
			t.Fatalf("answer %+v: want a second user", res)
		}
		if res := f.send(t, client.Track("12345678901234567890123.0", "E", nil)); res.Data["userId"] != float64(1) {
			t.Fatalf("answer %+v: want user 1", res)
		}
	})

	t.Run("S2-5 override missing: userId fallback when allowed, else ignored and logged", func(t *testing.T) {
		t.Parallel()
		cfg := externalID()
		cfg.Users = []client.StartdeliverUserSpec{{CustomFields: map[string]any{"externalId": "u1"}}}
		f := newFixture(t, v2, cfg, map[string]any{"startdeliverUserCustomFieldToMatchOn": "externalId",
			"segmentOverrideMatchingField": "properties.accountId"})
		res := f.send(t, client.Track("u1", "E", nil))
		f.wantIgnored(t, res, "properties.accountId")
		f.wantIgnored(t, res, "allowUserIdFallback")
		if n := len(f.events(t, nil)); n != 0 {
			t.Fatalf("%d events stored", n)
		}
		f.settings["allowUserIdFallback"] = true
		res = f.send(t, client.Track("u1", "E", nil))
		if res.Status != "ok" || res.Data["userId"] != float64(1) || !hasWarning(res.Warnings, "userId instead") {
			t.Fatalf("answer %+v", res)
		}
		// Fallback allowed, but nothing to fall back to.
		res = f.send(t, client.Track("", "E", nil).Anonymous("a1"))
		f.wantIgnored(t, res, "no userId")
		if n := len(f.events(t, nil)); n != 1 {
			t.Fatalf("%d events stored, want 1", n)
		}
	})

	t.Run("S2-6 identify and group are ignored while the configuration disables them", func(t *testing.T) {
		t.Parallel()
		cfg := seedApp()
		cfg.SegmentApp.IdentifyEnabled, cfg.SegmentApp.GroupEnabled = false, false
		f := newFixture(t, v2, cfg, matchingID)
		f.wantIgnored(t, f.send(t, client.Identify("u1", map[string]any{"trait2": "Ada"})), "identify parsing is not enabled")
		f.wantIgnored(t, f.send(t, client.Group("u1", "7", nil)), "group parsing is not enabled")
		// An account that never configured the app ignores them too.
		g := newFixture(t, v2, externalID(), matchOn("externalId"))
		g.wantIgnored(t, g.send(t, client.Identify("u1", nil)), "identify parsing is not enabled")
		cs, err := f.sd.Customers(ctx, nil)
		if n := len(f.users(t, nil)) + len(g.users(t, nil)); n != 0 || err != nil || len(cs) != 0 {
			t.Fatalf("ignored calls created %d users, %d customers (%v)", n, len(cs), err)
		}
	})

	t.Run("S2-7 identify updates the matched user or creates one; userMapping applied", func(t *testing.T) {
		t.Parallel()
		cfg := seedApp()
		cfg.Users = []client.StartdeliverUserSpec{{Name: "old", CustomFields: map[string]any{"customfieldMatchingId": "m-1"}}}
		f := newFixture(t, v2, cfg, matchingID)
		id := client.Identify("m-1", map[string]any{"trait2": "Ada Lovelace", "trait1": "12"})
		id.Extra = map[string]any{"email": "ada@x.io"}
		if res := f.send(t, id); res.Data["userId"] != float64(1) || res.Data["createdUser"] != nil {
			t.Fatalf("answer %+v", res)
		}
		u := f.user(t, 1)
		if u.Name != "Ada Lovelace" || u.Email != "ada@x.io" || u.CustomFields["customfieldNumber"] != float64(12) {
			t.Fatalf("updated user %+v", u)
		}
		if res := f.send(t, client.Identify("m-2", map[string]any{"trait2": "Bob"})); res.Data["createdUser"] != true {
			t.Fatalf("answer %+v", res)
		}
		us := f.users(t, client.Query{"customfieldMatchingId": "m-2"})
		if len(us) != 1 || us[0].Name != "Bob" || us[0].ID != 2 {
			t.Fatalf("created user %+v", us)
		}
		// The match path missing from the message: nothing to match.
		f.wantIgnored(t, f.send(t, client.Identify("", nil).Anonymous("a-1")), "externalMatchingField userId")
	})

	t.Run("S2-8 identify with customer fields updates or creates the customer and links the user", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, v2, seedApp(), matchingID)
		res := f.send(t, client.Identify("m-1", map[string]any{"customerId": 55, "customerName": "Acme"}))
		if res.Data["customerId"] != float64(1) || res.Data["userId"] != float64(1) {
			t.Fatalf("answer %+v", res)
		}
		// The same customer again, its id as a numeric string this time.
		f.send(t, client.Identify("m-2", map[string]any{"customerId": "55", "customerName": "Acme Corp"}))
		cs, err := f.sd.Customers(ctx, client.Query{"customfieldCustomId": "55"})
		if err != nil || len(cs) != 1 || cs[0].Name != "Acme Corp" || cs[0].CustomFields["customfieldCustomId"] != float64(55) {
			t.Fatalf("customers %+v, %v", cs, err)
		}
		if c := f.customer(t, 1); len(c.UserIDs) != 2 {
			t.Fatalf("customer's users %v", c.UserIDs)
		}
		// Events after the link show on the customer (SD-6).
		f.send(t, client.Track("m-2", "E", nil))
		if c := f.customer(t, 1); len(c.UsageEvents) != 1 || c.UsageEvents[0].UserID != 2 {
			t.Fatalf("customer's events %+v", c.UsageEvents)
		}
	})

	t.Run("S2-9 group updates or creates the customer and links a matched user", func(t *testing.T) {
		t.Parallel()
		cfg := seedApp()
		cfg.Customers = []client.StartdeliverCustomerSpec{{Name: "Seeded", CustomFields: map[string]any{"customfieldCustomId": 9}}}
		cfg.Users = []client.StartdeliverUserSpec{{CustomFields: map[string]any{"customfieldMatchingId": "m-1"}}}
		f := newFixture(t, v2, cfg, matchingID)
		// externalCustomerField traits.customerId is in the message.
		res := f.send(t, client.Group("m-1", "ignored-group", map[string]any{"customerId": 9, "customerName": "Renamed"}))
		if res.Data["customerId"] != float64(1) || res.Data["userId"] != float64(1) {
			t.Fatalf("answer %+v", res)
		}
		if c := f.customer(t, 1); c.Name != "Renamed" || len(c.UserIDs) != 1 {
			t.Fatalf("customer %+v", c)
		}
		// The path is absent: the groupId is matched (decision); an unknown
		// user is not created and the log says so.
		res = f.send(t, client.Group("stranger", "77", map[string]any{"customerName": "From Group"}))
		if res.Data["customerId"] != float64(2) || res.Data["userId"] != nil || !hasWarning(res.Warnings, "not linked") {
			t.Fatalf("answer %+v", res)
		}
		if c := f.customer(t, 2); c.Name != "From Group" || c.CustomFields["customfieldCustomId"] != float64(77) || len(c.UserIDs) != 0 {
			t.Fatalf("customer %+v", c)
		}
		if n := len(f.users(t, nil)); n != 1 {
			t.Fatalf("group created users: %d", n)
		}
		// A groupId that is not a number cannot match a number field.
		f.wantIgnored(t, f.send(t, client.Group("m-1", "abc", nil)), "cannot be a number")
	})

	t.Run("S2-10 conversion: text, number from numeric strings, refusal logged", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, v2, seedApp(), matchingID)
		f.send(t, client.Identify("m-1", map[string]any{"trait2": json.Number("2.50"), "trait1": "3.50"}))
		u := f.user(t, 1)
		if u.Name != "2.5" || u.CustomFields["customfieldNumber"] != 3.5 {
			t.Fatalf("user %+v", u)
		}
		res := f.send(t, client.Identify("m-1", map[string]any{"trait2": "Ada", "trait1": "twelve"}))
		if res.Status != "ok" || !hasWarning(res.Warnings, `"twelve" is not a number`) {
			t.Fatalf("answer %+v", res)
		}
		if e := f.LastEntry(); !hasWarning(e.Warnings, `"twelve" is not a number`) {
			t.Fatalf("request log %+v", e)
		}
		u = f.user(t, 1)
		if u.Name != "Ada" || u.CustomFields["customfieldNumber"] != 3.5 {
			t.Fatalf("user %+v: the bad value must leave the field unchanged, the rest applied", u)
		}
		// Objects do not convert to text either.
		res = f.send(t, client.Identify("m-1", map[string]any{"trait2": map[string]any{"x": 1}}))
		if !hasWarning(res.Warnings, "is not a text value") || f.user(t, 1).Name != "Ada" {
			t.Fatalf("answer %+v", res)
		}
	})

	t.Run("S2-11 the configuration is cached for 10 minutes of emulator time; flush empties it", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, v2, seedApp(), matchingID)
		t0 := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
		testkit.Must(f.Client.FreezeClockAt(ctx, t0))(t)
		name := func(v string) client.Message { return client.Identify("m-1", map[string]any{"trait2": v}) }
		f.send(t, name("v1"))
		enabled, err := f.sd.SegmentApp(ctx)
		if err != nil {
			t.Fatal(err)
		}
		disabled := *enabled
		disabled.IdentifyEnabled = false
		testkit.Must(f.sd.ReplaceSegmentApp(ctx, disabled))(t)
		if got, _ := f.sd.SegmentApp(ctx); got.IdentifyEnabled {
			t.Fatal("the configuration was not replaced")
		}
		f.Client.AdvanceClock(ctx, 9*time.Minute)
		if res := f.send(t, name("v2")); res.Status != "ok" {
			t.Fatalf("after 9 minutes the cached copy still applies: %+v", res)
		}
		cache, err := f.sd.SegmentAppCache(ctx)
		if err != nil || !cache.Cached || !cache.Fresh || !cache.ReadAt.Equal(t0) || !cache.ExpiresAt.Equal(t0.Add(10*time.Minute)) {
			t.Fatalf("cache %+v, %v", cache, err)
		}
		f.Client.AdvanceClock(ctx, time.Minute)
		f.wantIgnored(t, f.send(t, name("v3")), "identify parsing is not enabled")
		if u := f.user(t, 1); u.Name != "v2" {
			t.Fatalf("name %q, want v2", u.Name)
		}
		// Enabled again: the disabled copy read at t0+10m is cached now.
		testkit.Must(f.sd.ReplaceSegmentApp(ctx, *enabled))(t)
		f.wantIgnored(t, f.send(t, name("v4")), "not enabled")
		if err := f.sd.FlushSegmentApp(ctx); err != nil {
			t.Fatal(err)
		}
		if cache, _ := f.sd.SegmentAppCache(ctx); cache.Cached {
			t.Fatalf("cache after flush %+v", cache)
		}
		if res := f.send(t, name("v5")); res.Status != "ok" || f.user(t, 1).Name != "v5" {
			t.Fatalf("after the flush the new configuration applies: %+v", res)
		}
	})

	t.Run("EN-1 an Engage audience trait sets and clears a mapped boolean field", func(t *testing.T) {
		t.Parallel()
		cfg := seedApp()
		cfg.CustomFields = append(cfg.CustomFields, client.StartdeliverCustomField{Alias: "order_completed_last_30days", Type: "boolean", Entity: "user"})
		cfg.SegmentApp.UserMapping = append(cfg.SegmentApp.UserMapping, client.StartdeliverMapping{
			Field: "order_completed_last_30days", ExternalField: "traits.order_completed_last_30days", Type: "boolean"})
		f := newFixture(t, v2, cfg, matchingID)
		engage := func(in bool) client.Message {
			m := client.Identify("m-1", map[string]any{"order_completed_last_30days": in})
			m.Integrations = map[string]any{"All": false, "Startdeliver-v2": true}
			return m
		}
		if res := f.send(t, engage(true)); len(res.Warnings) != 0 {
			t.Fatalf("answer %+v", res)
		}
		if v := f.user(t, 1).CustomFields["order_completed_last_30days"]; v != true {
			t.Fatalf("audience property %v, want true", v)
		}
		f.send(t, engage(false))
		if v := f.user(t, 1).CustomFields["order_completed_last_30days"]; v != false {
			t.Fatalf("audience property %v, want false", v)
		}
	})

	t.Run("configuration refers to a field deleted since: 400 naming it", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, v2, seedApp(), matchOn("customfieldNumber"))
		if err := f.sd.DeleteCustomField(ctx, "user", "customfieldMatchingId"); err != nil {
			t.Fatal(err)
		}
		_, err := f.sendErr(client.Identify("m-1", nil))
		testkit.ExpectError(t, err, http.StatusBadRequest, "customfieldMatchingId")
		if cache, _ := f.sd.SegmentAppCache(ctx); cache.Cached {
			t.Fatal("a refused identify cached the configuration")
		}
	})

	t.Run("identify matching on email folds its case", func(t *testing.T) {
		t.Parallel()
		cfg := seedApp()
		cfg.SegmentApp.StartdeliverMatchingField = &client.StartdeliverTarget{Field: "email", Type: "text"}
		cfg.SegmentApp.ExternalMatchingField = &client.StartdeliverSource{Field: "traits.email"}
		cfg.Users = []client.StartdeliverUserSpec{{Email: "Ada@X.io"}}
		f := newFixture(t, v2, cfg, matchingID)
		if res := f.send(t, client.Identify("m-1", map[string]any{"email": "ada@x.io", "trait2": "Ada"})); res.Data["userId"] != float64(1) {
			t.Fatalf("answer %+v", res)
		}
		if u := f.onlyUser(t); u.Name != "Ada" || !strings.EqualFold(u.Email, "ada@x.io") {
			t.Fatalf("user %+v", u)
		}
	})
}
