package emulators

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// keeper stores when each track arrived: a destination with a Retainer.
type keeper struct{}

type keeperState struct {
	Events []time.Time
	Users  map[string]bool
}

func (keeper) Info() Info { return nop{}.Info() }
func (keeper) NewState(json.RawMessage) (*keeperState, error) {
	return &keeperState{Users: map[string]bool{}}, nil
}
func (keeper) Provision(Settings) *keeperState     { return &keeperState{Users: map[string]bool{}} }
func (keeper) Reindex(*keeperState) error          { return nil }
func (keeper) Resources() []Resource[*keeperState] { return nil }
func (keeper) Stored(s *keeperState) (int, int)    { return len(s.Users), len(s.Events) }
func (keeper) Handle(r *Request, s *keeperState) error {
	s.Events = append(s.Events, r.Now)
	s.Users[r.Message.UserID] = true
	return nil
}
func (keeper) TrimEvents(s *keeperState, keep int, before time.Time) int {
	drop := max(len(s.Events)-keep, 0)
	for !before.IsZero() && drop < len(s.Events) && s.Events[drop].Before(before) {
		drop++
	}
	s.Events = s.Events[drop:]
	return drop
}

var _ Retainer[*keeperState] = keeper{}

// TestRetention: an account's stored events stay within the count (1/8
// slack, trimmed back to the count) and, by age, within MaxAge on the
// namespace clock (#13 item 9).
func TestRetention(t *testing.T) {
	t.Parallel()
	w, err := NewWorld(Config{Emulators: []Emulator{Register(keeper{})}, Retention: Retention{Events: 16, MaxAge: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ns, _ := w.Namespace(DefaultNamespace, false)
	ns.Clock.Freeze()
	send := func(i int) {
		body, _ := json.Marshal(map[string]any{"type": "track", "event": "E", "userId": "u" + string(rune('a'+i%5))})
		if ans := w.Deliver(&Delivery{Destination: "nop", Authorization: basic("k"), Body: body}); ans.Status != http.StatusOK {
			t.Fatalf("message %d: %d %+v", i, ans.Status, ans.Body)
		}
	}
	for i := 0; i < 100; i++ {
		send(i)
		a := ns.Accounts("nop")[0]
		if _, n, _ := a.Stored(); n > 18 || (i >= 16 && n < 16) {
			t.Fatalf("after %d messages the account stores %d events", i+1, n)
		}
	}
	// By age: an hour later, the next message trims every older event.
	if _, err := ns.Clock.Advance(61 * time.Minute); err != nil {
		t.Fatal(err)
	}
	send(0)
	users, n, ok := ns.Accounts("nop")[0].Stored()
	if !ok || n != 1 || users != 5 {
		t.Fatalf("after an hour: %d events, %d users", n, users)
	}
}

// TestRetentionKeepAll: with no bound (-1) an account keeps every event
// and is never trimmed, so that a message costs no pass over the state
// (the bound plus its slack once overflowed, which trimmed after every
// message).
func TestRetentionKeepAll(t *testing.T) {
	t.Parallel()
	a := &Account{emu: Register(trimCounter{}), state: &keeperState{Events: make([]time.Time, 100), Users: map[string]bool{}}}
	a.retainLocked(time.Now(), Retention{Events: -1})
	if n := len(a.state.(*keeperState).Events); n != 100 || trims(a) != 0 {
		t.Fatalf("keep all: %d events left, %d trims", n, trims(a))
	}
}

// trimCounter is keeper, counting its trims in the state's Users.
type trimCounter struct{ keeper }

func (trimCounter) TrimEvents(s *keeperState, keep int, before time.Time) int {
	s.Users["trimmed"] = true
	return keeper{}.TrimEvents(s, keep, before)
}

func trims(a *Account) int { return len(a.state.(*keeperState).Users) }

// TestExpired: a trim drops what is beyond the newest keep, then what is
// older than before up to the first item that is not; over items read by
// position it reads only the items whose age it checks.
func TestExpired(t *testing.T) {
	t.Parallel()
	items := make([]item, 10)
	for i := range items {
		items[i] = item{At: t0.Add(time.Duration(i) * time.Hour)}
	}
	at := func(it item) time.Time { return it.At }
	for _, tc := range []struct {
		keep   int
		before time.Time
		want   int
		reads  int
	}{
		{10, time.Time{}, 0, 0},
		{4, time.Time{}, 6, 0},
		{20, t0.Add(3 * time.Hour), 3, 4},
		{8, t0.Add(3 * time.Hour), 3, 2},
		{2, t0.Add(3 * time.Hour), 8, 1},
		{0, t0.Add(30 * time.Hour), 10, 0},
	} {
		seq := &counted{items: items}
		if got := ExpiredIn[item](seq, tc.keep, tc.before, at); got != tc.want || seq.reads != tc.reads {
			t.Errorf("keep %d before %v: %d expired, %d read; want %d, %d", tc.keep, tc.before, got, seq.reads, tc.want, tc.reads)
		}
		if got := Expired(items, tc.keep, tc.before, at); got != tc.want {
			t.Errorf("Expired over the slice: %d", got)
		}
	}
}
