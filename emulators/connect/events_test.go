package connect

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/emulators"
)

// ids are the ids of the events at the given positions.
func ids(s *State, pos []int) []int64 {
	out := make([]int64, len(pos))
	for i, p := range pos {
		out[i] = s.Events.At(p).ID
	}
	return out
}

// userIDs are the ids of a user's events, read through its links.
func userIDs(s *State, key string) []int64 { return ids(s, s.userEvents(ordOf(s, key))) }

// ordOf is the ordinal of the user keyed key (held).
func ordOf(s *State, key string) uint32 {
	ord, ok := s.find(key)
	if !ok {
		panic("no user " + key)
	}
	return ord
}

// TestEventLinks: a user's events are found through the links, oldest
// first, whoever else's come between; a merge moves the previous user's
// events by relinking them, in arrival order (CN-8); retention's drops end
// every chain at the oldest event held; the counts follow.
func TestEventLinks(t *testing.T) {
	t.Parallel()
	c, s := New(), newState("", "")
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	send := func(raw string) {
		handle(t, c, s, now, raw)
		now = now.Add(time.Minute)
	}
	track := func(user string) {
		send(`{"type":"track","anonymousId":"` + user + `","event":"E"}`)
	}
	for _, u := range []string{"a", "b", "a", "c", "b", "a", "c"} { // ids 1..7
		track(u)
	}
	for key, want := range map[string][]int64{"a": {1, 3, 6}, "b": {2, 5}, "c": {4, 7}} {
		if got := userIDs(s, key); !slices.Equal(got, want) || s.eventCount(ordOf(s, key)) != len(want) {
			t.Errorf("%s: %v (count %d), want %v", key, got, s.eventCount(ordOf(s, key)), want)
		}
	}
	send(`{"type":"alias","userId":"a","previousId":"b"}`) // merged
	send(`{"type":"alias","userId":"d","previousId":"c"}`) // renamed
	track("b")                                             // 8, on a
	track("c")                                             // 9, on d
	if got := userIDs(s, "a"); !slices.Equal(got, []int64{1, 2, 3, 5, 6, 8}) {
		t.Errorf("a after the merge: %v", got)
	}
	if got := userIDs(s, "d"); !slices.Equal(got, []int64{4, 7, 9}) {
		t.Errorf("d after the rename: %v", got)
	}
	items := eventItems{s}
	var owners []string
	for i := range items.Len() {
		owners = append(owners, items.At(i).UserID)
	}
	if want := []string{"a", "a", "a", "d", "a", "a", "d", "a", "d"}; !slices.Equal(owners, want) {
		t.Errorf("the events' users now: %v, want %v", owners, want)
	}

	if n := c.TrimEvents(s, 5, time.Time{}); n != 4 || s.Events.Len() != 5 {
		t.Fatalf("trimmed %d, %d left", n, s.Events.Len())
	}
	if got := userIDs(s, "a"); !slices.Equal(got, []int64{5, 6, 8}) || s.eventCount(ordOf(s, "a")) != 3 {
		t.Errorf("a after the trim: %v", got)
	}
	if got := userIDs(s, "d"); !slices.Equal(got, []int64{7, 9}) {
		t.Errorf("d after the trim: %v", got)
	}
	// Those received before a time go too; a user left with none has none.
	if n := c.TrimEvents(s, 100, time.Date(2025, 1, 1, 0, 9, 30, 0, time.UTC)); n != 4 {
		t.Fatalf("trimmed %d by age", n)
	}
	if got := userIDs(s, "a"); len(got) != 0 || s.eventCount(ordOf(s, "a")) != 0 {
		t.Errorf("a after the age trim: %v", got)
	}
	track("a") // 10
	if got := userIDs(s, "a"); !slices.Equal(got, []int64{10}) {
		t.Errorf("a's new event: %v", got)
	}
	// A merge of a user whose events were all dropped.
	send(`{"type":"alias","userId":"d","previousId":"a"}`)
	if got := userIDs(s, "d"); !slices.Equal(got, []int64{9, 10}) {
		t.Errorf("d after merging a: %v", got)
	}
	if rows := s.eventCounts(now); len(rows) != 1 || rows[0].Total != 2 {
		t.Errorf("event counts after the trims: %+v", rows)
	}
}

// TestLinkBeyond32Bits: two events of a user more than 2^32 numbers apart
// are not linked (four billion events between them cannot be held).
func TestLinkBeyond32Bits(t *testing.T) {
	t.Parallel()
	if link(1, 1<<33) != 0 || link(0, 5) != 0 || link(3, 5) != 2 || link(1, 1+(1<<32)-1) != 1<<32-1 {
		t.Error("links")
	}
}

// TestLoadOrdersEvents: a state's events are stored in id order, whatever
// order the users and their events come in. (decision) A user's events
// are read in id order, which is arrival order: a hand-written state that
// lists one user's events out of order is read sorted. Two events of one
// id (which destemu never writes) keep the order they were read in.
func TestLoadOrdersEvents(t *testing.T) {
	t.Parallel()
	doc := `{"users":{
		"b":{"id":"b","events":[{"id":9,"name":"b9"},{"id":2,"name":"b2"}]},
		"a":{"id":"a","events":[{"id":4,"name":"a4"},{"id":9,"name":"a9"}]}}}`
	st, err := emulators.Register(New()).LoadState(json.RawMessage(doc))
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*State)
	var names []string
	for _, ev := range s.Events.All() {
		names = append(names, ev.Name)
	}
	if want := []string{"b2", "a4", "b9", "a9"}; !slices.Equal(names, want) {
		t.Errorf("events in the order %v, want %v", names, want)
	}
	if got := userIDs(s, "b"); !slices.Equal(got, []int64{2, 9}) || s.LastEventID != 9 {
		t.Errorf("b's events %v, last id %d", got, s.LastEventID)
	}
	data, err := json.Marshal(s)
	if err != nil || !strings.Contains(string(data), `"b":{"id":"b",`) || strings.Index(string(data), `"b2"`) > strings.Index(string(data), `"b9"`) {
		t.Errorf("written back: %s (%v)", data, err)
	}
}

// TestTrimLoadedGaps: retention keeps the events whose ids are among the
// keep newest numbers, as when users held their events: a state loaded
// with gaps in its ids keeps fewer than keep.
func TestTrimLoadedGaps(t *testing.T) {
	t.Parallel()
	var events []string
	for _, id := range []int{1, 2, 3, 10, 11} {
		events = append(events, fmt.Sprintf(`{"id":%d}`, id))
	}
	st, err := emulators.Register(New()).LoadState(json.RawMessage(`{"users":{"u":{"id":"u","events":[` + strings.Join(events, ",") + `]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*State)
	if n := New().TrimEvents(s, 3, time.Time{}); n != 3 || !slices.Equal(userIDs(s, "u"), []int64{10, 11}) {
		t.Errorf("trimmed %d, left %v", n, userIDs(s, "u"))
	}
}

// TestStateJSON: the state's JSON through its every door: AppendJSON
// leaves "<" for whoever encodes the document to escape, json.Marshal
// escapes it; json.Unmarshal reads what LoadState reads; a second value
// after the state is refused, as when encoding/json read it.
func TestStateJSON(t *testing.T) {
	t.Parallel()
	c, s := New(), newState("env <1>", "")
	handle(t, c, s, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), `{"type":"track","userId":"u<1>","event":"A & B","properties":{"x":"<y>"}}`)
	own, err := s.AppendJSON([]byte("prefix:"))
	if err != nil || !strings.HasPrefix(string(own), `prefix:{"environment":"env <1>","users":{"u<1>":{"id":"u<1>",`) || !strings.Contains(string(own), `"name":"A & B"`) {
		t.Fatalf("appended %s (%v)", own, err)
	}
	marshalled, err := json.Marshal(s)
	if err != nil || strings.ContainsAny(string(marshalled), "<&") || !json.Valid(marshalled) {
		t.Fatalf("marshalled %s (%v)", marshalled, err)
	}
	var back State
	if err := json.Unmarshal(marshalled, &back); err != nil || back.rebuild() != nil {
		t.Fatal(err)
	}
	if again, _ := back.AppendJSON([]byte("prefix:")); string(again) != string(own) {
		t.Errorf("read back:\n%s\nwant\n%s", again, own)
	}
	if _, err := emulators.Register(c).LoadState(json.RawMessage(`{} {}`)); err == nil || err.Error() != "connect state: more than one JSON value" {
		t.Errorf("two values: %v", err)
	}
}

// TestTrimAfterClockSetBack: (decision) retention drops events oldest
// first: one received before the cut-off stays behind an older one
// received after it (the clock was set back), whoever's they are.
func TestTrimAfterClockSetBack(t *testing.T) {
	t.Parallel()
	c, s := New(), newState("", "")
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, at := range []int{1, 5, 2, 6} { // hours; a's, b's, a's, b's
		handle(t, c, s, base.Add(time.Duration(at)*time.Hour), fmt.Sprintf(`{"type":"track","userId":"%c","event":"E"}`, "ab"[i%2]))
	}
	if n := c.TrimEvents(s, 100, base.Add(4*time.Hour)); n != 1 {
		t.Fatalf("dropped %d", n)
	}
	if !slices.Equal(userIDs(s, "a"), []int64{3}) || !slices.Equal(userIDs(s, "b"), []int64{2, 4}) {
		t.Errorf("left a %v, b %v", userIDs(s, "a"), userIDs(s, "b"))
	}
	if row := s.countReceived("E", base.Add(7*time.Hour)); row.Total != 3 || !row.LastReceivedAt.Equal(base.Add(6*time.Hour)) {
		t.Errorf("events view: %+v", row)
	}
}
