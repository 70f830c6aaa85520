package promoter

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/segment"
)

var base = time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC)

func send(t *testing.T, s *State, now time.Time, raw map[string]any) *emulators.Request {
	t.Helper()
	m, err := segment.FromMap(raw, now)
	if err != nil {
		t.Fatal(err)
	}
	r := &emulators.Request{Now: now, Message: m, Settings: emulators.NewSettings(nil)}
	if err := New().Handle(r, s); err != nil {
		t.Fatalf("handle: %v", err)
	}
	return r
}

// TestSnapshotRoundTrip: a state written with json.Marshal and read back with
// LoadState is the same state, indexes included (a track after the reload
// is throttled by the survey made before it).
func TestSnapshotRoundTrip(t *testing.T) {
	s, err := New().NewState(json.RawMessage(`{"dailyLimit": 100, "campaigns": [{"id": "c", "name": "NPS", "triggerEvent": "Signed Up", "throttleDays": 30, "reminderDays": 2, "activate": true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	send(t, s, base, map[string]any{"type": "identify", "userId": "u1", "traits": map[string]any{"email": "u1@example.com", "n": json.Number("3")}})
	send(t, s, base, map[string]any{"type": "track", "userId": "u1", "event": "Signed Up"})
	s.Surveys.respond(0, &Response{Score: 7, RespondedAt: base.Add(time.Hour)})

	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := emulators.Register(New()).LoadState(data)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(loaded)
	if string(again) != string(data) {
		t.Errorf("round trip differs:\n%s\n%s", data, again)
	}
	l := loaded.(*State)
	r := send(t, l, base.Add(dayDur(2)), map[string]any{"type": "track", "userId": "u1", "event": "Signed Up"})
	if l.Surveys.Len() != 1 || l.Daily[dateKey(base.Add(dayDur(2)))] != 1 {
		t.Errorf("after reload: %d surveys, counts %v; actions %v", l.Surveys.Len(), l.Daily, r.Actions())
	}
	if _, err := emulators.Register(New()).LoadState(json.RawMessage(`[]`)); err == nil {
		t.Error("a non-object snapshot loaded")
	}
}

func dayDur(n int) time.Duration { return time.Duration(n) * day }

func TestSurveyView(t *testing.T) {
	sv := Survey{ID: "s", TriggeredAt: base, ScheduledFor: base.Add(dayDur(1)), ReminderDays: 2}
	answered := func(at time.Time) *Survey { c := sv; c.Response = &Response{Score: 9, RespondedAt: at}; return &c }
	due := base.Add(dayDur(3))
	for _, tc := range []struct {
		name     string
		sv       *Survey
		now      time.Time
		status   SurveyStatus
		reminded bool
	}{
		{"before delivery", &sv, base.Add(dayDur(1) - time.Nanosecond), SurveyScheduled, false},
		{"at delivery", &sv, base.Add(dayDur(1)), SurveyDelivered, false},
		{"just before the reminder", &sv, due.Add(-time.Nanosecond), SurveyDelivered, false},
		{"at the reminder", &sv, due, SurveyReminded, true},
		{"answered before the reminder", answered(base.Add(dayDur(2))), due.Add(dayDur(5)), SurveyResponded, false},
		{"answered after the reminder", answered(due.Add(time.Hour)), due.Add(dayDur(5)), SurveyResponded, true},
		{"no reminder configured", &Survey{ScheduledFor: base}, base.Add(dayDur(100)), SurveyDelivered, false},
	} {
		v := tc.sv.view(tc.now)
		if v.Status != tc.status || (v.RemindedAt != nil) != tc.reminded {
			t.Errorf("%s: status %s reminded %v, want %s %v", tc.name, v.Status, v.RemindedAt, tc.status, tc.reminded)
		}
	}
}

func TestUTCDayAndRetryAfter(t *testing.T) {
	s := newState()
	s.DailyLimit = 1
	now := time.Date(2025, 3, 10, 23, 59, 59, 500_000_000, time.FixedZone("CET", 3600))
	if err := s.admitLocked(now); err != nil {
		t.Fatal(err)
	}
	err := s.admitLocked(now)
	e, ok := err.(*emulators.Error)
	if !ok || e.Status != 429 {
		t.Fatalf("want 429, got %v", err)
	}
	// 23:59:59.5 in CET is 22:59:59.5 UTC: 1h0m0.5s to UTC midnight, rounded up.
	if e.RetryAfter != time.Hour+time.Second {
		t.Errorf("RetryAfter %v", e.RetryAfter)
	}
	if err := s.admitLocked(time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("a new UTC day: %v", err)
	}
}

// TestLoadStateRefusesBrokenRecords: null records and repeated ids are a
// 400 naming the record, never a panic.
func TestLoadStateRefusesBrokenRecords(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{
		`{"contacts":{"u1":null}}`,
		`{"contactLists":[null]}`,
		`{"campaigns":[null]}`,
		`{"surveys":[null]}`,
		`{"customEvents":[null]}`,
		`{"surveys":[{"id":"srv_1"},{"id":"srv_1"}]}`,
	} {
		if _, err := emulators.Register(New()).LoadState(json.RawMessage(doc)); err == nil {
			t.Errorf("LoadState(%s) accepted", doc)
		}
	}
}

// TestLoadStateMovesSequencesPastIDs: a snapshot without sequences (written
// by hand) never leads to a generated id that repeats one in use.
func TestLoadStateMovesSequencesPastIDs(t *testing.T) {
	t.Parallel()
	st, err := emulators.Register(New()).LoadState(json.RawMessage(`{
		"contacts":{"u1":{"email":"a@b.c"}},
		"campaigns":[{"id":"cmp_1","name":"NPS","triggerEvent":"Bought","status":"ready","contactList":"segment-list"}],
		"contactLists":[{"id":"segment-list","name":"Segment List"}],
		"surveys":[{"id":"srv_7","contact":"u9","campaign":"cmp_1"}],
		"customEvents":[{"id":"evt_3","event":"Bought","userId":"u9"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*State)
	send(t, s, base, map[string]any{"type": "track", "userId": "u1", "event": "Bought"})
	if id := s.Surveys.at(1).ID; s.Surveys.Len() != 2 || id == "srv_7" {
		t.Fatalf("%d surveys, the second %s", s.Surveys.Len(), id)
	}
	if i, ok := s.Surveys.find("srv_7"); !ok || i != 0 {
		t.Fatalf("srv_7 found at %d, %v", i, ok)
	}
	if id := s.CustomEvents.At(s.CustomEvents.Len() - 1).ID; id == "evt_3" {
		t.Fatalf("custom event id %s repeats", id)
	}
}
