package connect

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

// TestZoneNamesOfTheEmbeddedDatabase checks CN-6 against every name in the
// database Go embeds: each is accepted, so the shape filter refuses nothing
// real.
func TestZoneNamesOfTheEmbeddedDatabase(t *testing.T) {
	t.Parallel()
	zr, err := zip.OpenReader(filepath.Join(runtime.GOROOT(), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Skipf("no zoneinfo.zip in GOROOT: %v", err)
	}
	defer zr.Close()
	z := newZoneChecker()
	n := 0
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		n++
		if reason := z.check(f.Name); reason != "" {
			t.Errorf("%s: %s", f.Name, reason)
		}
	}
	if n < 400 {
		t.Errorf("only %d zones read", n)
	}
}

func TestZoneNamesRefused(t *testing.T) {
	t.Parallel()
	z := newZoneChecker()
	for _, name := range []string{
		"", "Local", "PST", "+01:00", "Mars/Base", "europe/stockholm", "Europe/", "/Europe/Stockholm",
		"Europe//Stockholm", "posixrules", "posix/Europe/Stockholm", "right/UTC", "zone.tab",
		"../../etc/passwd", "Europe/Stockholm ", "Etc/GMT+99",
	} {
		if z.check(name) == "" {
			t.Errorf("%q accepted", name)
		}
	}
	if z.check("Europe/Stockholm") != "" || z.check("Europe/Stockholm") != "" { // second from the cache
		t.Error("Europe/Stockholm refused")
	}
}

func TestStandardTrait(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]int{
		"name": traitName, "Name": traitName, "firstName": traitFirstName, "first_name": traitFirstName,
		"FIRST-NAME": traitFirstName, "last name": traitLastName, "EMAIL": traitEmail, "phone": traitPhone,
		"time_zone": traitTimezone, "phone_number": traitNone, "names": traitNone, "plan": traitNone,
		"a_very_long_trait_name_that_is_nothing": traitNone,
	} {
		if got := standardTrait(key); got != want {
			t.Errorf("standardTrait(%q) = %d, want %d", key, got, want)
		}
	}
}

// TestTraitSpellings: when one message spells a trait twice, the Spec
// spelling wins, as segment.Get decides (G-9).
func TestTraitSpellings(t *testing.T) {
	t.Parallel()
	var v traitValue
	v.pick(traitEmail, "Email", "x")
	v.pick(traitEmail, "email", "y")
	v.pick(traitEmail, "EMAIL", "z")
	if v.v != "y" {
		t.Errorf("picked %q, want the canonical spelling's value", v.v)
	}
	v = traitValue{}
	v.pick(traitFirstName, "first_name", "a")
	v.pick(traitFirstName, "First_Name", "b")
	if v.v != "b" {
		t.Errorf("picked %q, want the smallest key's value", v.v)
	}
}

// TestLoadStateRoundTrip: a state survives json.Marshal and LoadState with
// its indexes (aliases, the events view) rebuilt.
func TestLoadStateRoundTrip(t *testing.T) {
	t.Parallel()
	c := New()
	st, err := c.NewState(json.RawMessage(`{"environment":"production","publicApiKey":"pub"}`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, raw := range []string{
		`{"type":"identify","anonymousId":"a1","traits":{"email":"a@b.c","big":12345678901234,"f":1.5,"o":{"k":[1,"x"]}},"context":{"device":{"type":"ios","token":"t1"}}}`,
		`{"type":"track","anonymousId":"a1","event":"Viewed","properties":{"n":1}}`,
		`{"type":"alias","userId":"u1","previousId":"a1"}`,
		`{"type":"page","userId":"u1","name":"Home"}`,
	} {
		handle(t, c, st, now, raw)
		now = now.Add(time.Minute)
	}
	s, l := st, roundTrip(t, c, st)
	if !reflect.DeepEqual(s.aliases, l.aliases) || !reflect.DeepEqual(s.eventCounts(now), l.eventCounts(now)) {
		t.Errorf("indexes differ: %v %v / %v %v", s.aliases, s.eventCounts(now), l.aliases, l.eventCounts(now))
	}
	if _, err := emulators.Register(c).LoadState(json.RawMessage(`{"users":{"u1":{"id":"u2"}}}`)); err == nil {
		t.Error("a user under another id's key loaded")
	}
}

// roundTrip writes st's JSON, loads it into a new state and checks that
// the new state writes the same JSON.
func roundTrip(t *testing.T, c *Destination, st *State) *State {
	t.Helper()
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := emulators.Register(c).LoadState(data)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(loaded); string(again) != string(data) {
		t.Errorf("round trip changed the state:\n%s\n%s", data, again)
	}
	return loaded.(*State)
}

// handle applies a raw message to st at now.
func handle(t *testing.T, c *Destination, st *State, now time.Time, raw string) {
	t.Helper()
	m, err := segment.Decode([]byte(raw), now)
	if err != nil {
		t.Fatal(err)
	}
	r := &emulators.Request{Now: now, Message: m, Settings: emulators.NewSettings(nil)}
	if err := c.Handle(r, st); err != nil {
		t.Fatal(err)
	}
}

// TestEventCountOutOfOrder: receipts that arrive with the clock set back
// stay sorted, and one after now is not counted.
func TestEventCountOutOfOrder(t *testing.T) {
	t.Parallel()
	c, s := New(), newState("", "")
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, h := range []int{5, 1, 3, 10, 3} {
		handle(t, c, s, base.Add(time.Duration(h)*time.Hour), `{"type":"track","userId":"u","event":"E"}`)
	}
	got := s.countReceived("E", base.Add(4*time.Hour))
	if got.Last24h != 3 || got.Total != 5 || !got.LastReceivedAt.Equal(base.Add(10*time.Hour)) {
		t.Errorf("count = %+v", got)
	}
	var order []int64
	for _, seq := range s.received["E"].seqs {
		order = append(order, int64(s.receivedAt(seq).Sub(base)/time.Hour))
	}
	if !slices.Equal(order, []int64{1, 3, 3, 5, 10}) || !slices.Equal(s.received["E"].seqs, []int64{2, 3, 5, 1, 4}) {
		t.Errorf("receipts in the order %v (hours), %v (events); want by time, equal times in arrival order", order, s.received["E"].seqs)
	}
}

// TestUsersCompacted: users changed again and again leave records behind,
// which are copied away once they are as many as the users; every user
// reads back as it was last saved, and the state's JSON survives a load.
func TestUsersCompacted(t *testing.T) {
	t.Parallel()
	c, s := New(), newState("", "")
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", 3600+1800))
	for round := range 60 {
		for u := range 10 {
			handle(t, c, s, now, fmt.Sprintf(`{"type":"identify","userId":"u%d","traits":{"email":"u%d@x.y","round":%d},`+
				`"context":{"device":{"type":"android","token":"t%d-%d"}}}`, u, u, round, u, round%3))
			now = now.Add(time.Second + time.Nanosecond)
		}
	}
	if s.userCount != 10 || s.Users.Len() > 10+2*minCompact || s.superseded >= s.Users.Len() {
		t.Errorf("%d users in %d records, %d left behind", s.userCount, s.Users.Len(), s.superseded)
	}
	// The same traits again change UpdatedAt only: no record is written.
	records := s.Users.Len()
	handle(t, c, s, now, `{"type":"identify","userId":"u3","traits":{"email":"u3@x.y","round":59},`+
		`"context":{"device":{"type":"android","token":"t3-2"}}}`)
	if s.Users.Len() != records {
		t.Errorf("an identify that changes nothing wrote a record")
	}
	u := s.lookup("u3")
	if u == nil || u.Email != "u3@x.y" || !slices.Equal(u.FCM, []string{"t3-0", "t3-1", "t3-2"}) {
		t.Fatalf("u3 = %+v", u)
	}
	if got, _ := u.Attributes.Get("round"); fmt.Sprint(got) != "59" {
		t.Errorf("u3's round = %v", got)
	}
	if want := now; !u.UpdatedAt.Equal(want) || u.UpdatedAt.Format(time.RFC3339Nano) != want.Format(time.RFC3339Nano) {
		t.Errorf("u3 updated at %v, want %v", u.UpdatedAt, want)
	}
	if ids, ok := s.lookups["fcm"].Get("t3-1"); !ok || len(ids) != 1 || ids[0] != u.ord {
		t.Errorf("fcm t3-1 finds %v", ids)
	}
	roundTrip(t, c, s)
}

// TestUserRecord: a profile reads back from its record as it was written,
// zero times and empty lists included; a record cut short does not read.
func TestUserRecord(t *testing.T) {
	t.Parallel()
	for _, p := range []Profile{
		{ID: "a", APNS: []string{}, FCM: []string{}, Aliases: []string{}},
		{ID: "ü", FirstName: "F", LastName: "L", Email: "e", PhoneNumber: "p", Timezone: "Europe/Stockholm",
			APNS: []string{"x", ""}, FCM: []string{"y"}, Aliases: []string{"p1", "p2"},
			Attributes: segment.NewObject(map[string]any{"k": "v"}),
			CreatedAt:  time.Date(2025, 1, 2, 3, 4, 5, 6, time.FixedZone("", -5*3600))},
	} {
		rec := appendProfile(nil, &p)
		if string(recordKey(rec)) != p.ID {
			t.Errorf("key %q, want %q", recordKey(rec), p.ID)
		}
		got, err := decodeProfile(rec)
		a, _ := json.Marshal(p)
		b, _ := json.Marshal(got)
		if err != nil || string(a) != string(b) {
			t.Errorf("read back %s (%v), want %s", b, err, a)
		}
		for n := range len(rec) - 1 {
			if _, err := decodeProfile(rec[:n]); err == nil {
				t.Errorf("%q cut to %d bytes read", p.ID, n)
			}
		}
	}
}

// TestBlankKey: a loaded state may hold a user keyed "", which the key
// index leaves out: it is still found, with its events.
func TestBlankKey(t *testing.T) {
	t.Parallel()
	c := New()
	loaded, err := emulators.Register(c).LoadState(json.RawMessage(`{"users":{"":{"id":"","email":"e@x.y",` +
		`"events":[{"id":1,"name":"E","type":"track","timestamp":"2025-01-01T00:00:00Z","receivedAt":"2025-01-01T00:00:00Z"}]},` +
		`"b":{"id":"b"}},"lastEventId":1}`))
	if err != nil {
		t.Fatal(err)
	}
	s := roundTrip(t, c, loaded.(*State))
	ord, ok := s.find("")
	if u := s.lookup(""); !ok || u == nil || u.Email != "e@x.y" || s.eventCount(ord) != 1 {
		t.Errorf("the user keyed \"\": %+v, %d events", u, s.eventCount(ord))
	}
}
