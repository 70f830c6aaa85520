package startdeliver

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

func TestConvert(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ  FieldType
		in   any
		want any
		ok   bool
	}{
		{TypeText, "abc", "abc", true},
		{TypeText, json.Number("2.50"), "2.5", true},
		{TypeText, json.Number("1e3"), "1000", true},
		{TypeText, true, "true", true},
		{TypeText, map[string]any{}, nil, false},
		{TypeNumber, json.Number("42"), json.Number("42"), true},
		{TypeNumber, " 3.5 ", json.Number("3.5"), true},
		// S2-10: a number keeps every digit, never through float64.
		{TypeNumber, json.Number("1234567890123456789"), json.Number("1234567890123456789"), true},
		{TypeText, json.Number("1234567890123456789"), "1234567890123456789", true},
		{TypeNumber, "twelve", nil, false},
		{TypeNumber, "NaN", nil, false},
		{TypeBoolean, "TRUE", true, true},
		{TypeBoolean, json.Number("0"), false, true},
		{TypeBoolean, "yes", nil, false},
		{TypeDate, "2024-05-01", "2024-05-01T00:00:00Z", true},
		{TypeDate, "2024-05-01T10:00:00+02:00", "2024-05-01T08:00:00Z", true},
		{TypeDate, "May 1st", nil, false},
	} {
		got, ok := convert(tc.typ, tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("convert(%s, %#v) = %#v, %v; want %#v, %v", tc.typ, tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if valueKey(42.0) != "42" || valueKey("42") != "42" || valueKey(json.Number("42.0")) != "42" || valueKey(true) != "true" {
		t.Error("index keys of equal values differ")
	}
}

func TestFieldValuesJSON(t *testing.T) {
	t.Parallel()
	var f FieldValues
	f.set("b", 1.5)
	f.set("a", "x")
	f.set("b", 2.0)
	b, err := json.Marshal(f)
	if err != nil || string(b) != `{"b":2,"a":"x"}` {
		t.Fatalf("%s, %v", b, err)
	}
	var back FieldValues
	if err := json.Unmarshal(b, &back); err != nil || len(back) != 2 || back[0].Alias != "a" || back[1].Value != json.Number("2") {
		t.Fatalf("%+v, %v", back, err)
	}
	f.remove("b")
	if _, ok := f.Get("b"); ok || len(f) != 1 {
		t.Fatalf("%+v", f)
	}
	if b, _ := json.Marshal(FieldValues(nil)); string(b) != "{}" {
		t.Fatalf("nil values marshal as %s", b)
	}
}

// TestStateRoundTrip: the state survives json.Marshal and LoadState, and
// the rebuilt indexes match as the originals did.
func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	d := NewV2()
	st, err := d.NewState(json.RawMessage(`{
		"customFields": [{"alias":"externalId","type":"text","entity":"user"},{"alias":"crm","type":"number","entity":"customer"}],
		"customers": [{"name":"Acme","customFields":{"crm":7}}],
		"users": [{"email":"Ada@x.io","customerId":1,"customFields":{"externalId":"e-1"}}],
		"segmentApp": {"identifyEnabled":true,"startdeliverMatchingField":{"field":"externalId","type":"text"},"externalMatchingField":{"field":"userId"}}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	send(t, d, st, now, `{"type":"track","userId":"e-1","event":"E"}`)
	send(t, d, st, now, `{"type":"identify","userId":"e-2"}`)
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := emulators.Register(d).LoadState(data)
	if err != nil {
		t.Fatal(err)
	}
	a := loaded.(*State)
	if u := a.userBy("externalId", "e-1"); u == nil || u.ID != 1 || u.CustomerID != 1 {
		t.Fatalf("custom field index after load: %+v", u)
	}
	if u := a.userBy(emailField, "ada@x.io"); u == nil || u.ID != 1 {
		t.Fatalf("email index after load: %+v", u)
	}
	if c := a.customerBy("crm", "7"); c == nil || c.ID != 1 {
		t.Fatalf("customer index after load: %+v", c)
	}
	if len(a.userEvents(1)) != 1 || len(a.customerEvents(1)) != 1 || a.Cache == nil || !a.Cache.ReadAt.Equal(now) {
		t.Fatalf("events or cache after load: %+v %+v %+v", a.userEvents(1), a.customerEvents(1), a.Cache)
	}
	again, _ := json.Marshal(loaded)
	if string(again) != string(data) {
		t.Fatalf("second round trip differs:\n%s\n%s", data, again)
	}
	if _, err := emulators.Register(d).LoadState(json.RawMessage(`{"users":[{"id":5}]}`)); err == nil {
		t.Fatal("a user whose id is not its position was loaded")
	}
}

// TestHandleRefusalChangesNothing: a refused message leaves the state as
// it was (validate, then mutate).
func TestHandleRefusalChangesNothing(t *testing.T) {
	t.Parallel()
	d := NewV2()
	st := d.Provision(emulators.NewSettings(map[string]any{SettingMatchField: "externalId"}))
	before, _ := json.Marshal(st)
	m, err := segment.Decode([]byte(`{"type":"track","userId":"u","event":"E"}`), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	r := &emulators.Request{Message: m, Settings: emulators.NewSettings(map[string]any{SettingMatchField: "other"})}
	if err := d.Handle(r, st); err == nil {
		t.Fatal("want a refusal")
	}
	if after, _ := json.Marshal(st); string(after) != string(before) {
		t.Fatalf("state changed:\n%s\n%s", before, after)
	}
}

func send(t *testing.T, d *Destination, st *State, now time.Time, body string) *emulators.Request {
	t.Helper()
	m, err := segment.Decode([]byte(body), now)
	if err != nil {
		t.Fatal(err)
	}
	r := &emulators.Request{Now: now, Message: m, Settings: emulators.NewSettings(map[string]any{SettingMatchField: "externalId"})}
	if err := d.Handle(r, st); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAddFieldIndexesExistingValues: a state may hold values for an alias
// that has no field (a hand-written snapshot); defining the field later
// indexes them, so an event matches the user instead of creating another.
func TestAddFieldIndexesExistingValues(t *testing.T) {
	t.Parallel()
	d := New()
	st, err := d.NewState(json.RawMessage(`{
		"customFields": [{"alias":"externalId","type":"text","entity":"user"}],
		"users": [{"customFields":{"externalId":"e-1"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(st)
	var doc map[string]any
	_ = json.Unmarshal(data, &doc)
	doc["customFields"] = []any{} // the values stay, the field goes
	data, _ = json.Marshal(doc)
	loaded, err := emulators.Register(d).LoadState(data)
	if err != nil {
		t.Fatal(err)
	}
	a := loaded.(*State)
	if err := a.addField(CustomField{Alias: "externalId", Type: TypeText, Entity: EntityUser}); err != nil {
		t.Fatal(err)
	}
	if u := a.userBy("externalId", "e-1"); u == nil || u.ID != 1 {
		t.Fatalf("the existing value was not indexed: %+v", u)
	}
}

// TestUserEvents: the index by user names a user's events oldest first,
// only those still held after retention dropped the oldest, without
// reading any; a user with no events, or no such user, has none.
func TestUserEvents(t *testing.T) {
	t.Parallel()
	var x userEvents
	users := []int64{2, 1, 2, 3, 2, 1, 2}
	for i, u := range users {
		x.add(&UsageEvent{ID: int64(i + 1), UserID: u})
	}
	for _, tc := range []struct {
		user, dropped int64
		want          []int
	}{
		{2, 0, []int{0, 2, 4, 6}},
		{1, 0, []int{1, 5}},
		{3, 0, []int{3}},
		{4, 0, nil},
		{0, 0, nil},
		{-1, 0, nil},
		{2, 3, []int{1, 3}}, // positions after three were dropped
		{1, 3, []int{2}},
		{3, 4, nil},
	} {
		y := x
		if tc.dropped > 0 {
			y.drop(int(tc.dropped))
		}
		if got := y.of(tc.user, tc.dropped); !slices.Equal(got, tc.want) {
			t.Errorf("user %d after %d dropped: %v, want %v", tc.user, tc.dropped, got, tc.want)
		}
	}
	// Two events of a user more than 2^32 ids apart: the chain ends at the
	// newer (four billion events between them cannot be held).
	var far userEvents
	far.add(&UsageEvent{ID: 1, UserID: 1})
	far.older = append(far.older, make([]uint32, 1<<10)...) // stand-ins for the events between
	far.add(&UsageEvent{ID: 1 << 33, UserID: 1})
	if got := far.of(1, 1<<33-int64(len(far.older))); !slices.Equal(got, []int{len(far.older) - 1}) {
		t.Errorf("far apart: %v", got)
	}
}

// TestLoadBadEvents: a state whose usage events cannot be read is refused
// with a message naming the event.
func TestLoadBadEvents(t *testing.T) {
	t.Parallel()
	users := `"users":[{"id":1}],`
	for doc, want := range map[string]string{
		`{` + users + `"usageEvents":[{"id":1,"userId":1},{"id":"x"}]}`:             `usageEvents[1]: `,
		`{` + users + `"usageEvents":{}}`:                                           `usageEvents: want a JSON array`,
		`{` + users + `"usageEvents":[{"id":1,"userId":1,"timestamp":"soon"}]}`:     `usageEvents[0]: `,
		`{` + users + `"usageEvents":[{"id":1,"userId":1,"properties":[1]}]}`:       `usageEvents[0]: `,
		`{` + users + `"usageEvents":[{"id":1,"userId":1},{"id":3,"userId":1}]}`:    `usageEvents[1]: id must be 2`,
		`{` + users + `"usageEvents":[{"id":1,"userId":2}]}`:                        `usageEvents[0]: id must be 1 and its user must exist`,
		`{` + users + `"usageEventsDropped":4,"usageEvents":[{"id":1,"userId":1}]}`: `usageEvents[0]: id must be 5`,
	} {
		_, err := emulators.Register(New()).LoadState(json.RawMessage(doc))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", doc, err, want)
		}
	}
}
