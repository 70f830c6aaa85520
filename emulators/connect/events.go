package connect

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/destemu/destemu/emulators"
)

// storedEvents are an environment's events in arrival order (ids
// ascending), kept as records (#18): an event costs its encoded size, in
// memory the garbage collector does not scan, instead of a struct of
// pointers, its strings and its properties apart. A record is an EventItem
// whose UserID is the key of the user it was stored on: resolve names that
// user's key now, since an alias renames or merges users (CN-8) and a
// record never changes.
type storedEvents = emulators.Records[EventItem, eventCodec]

// eventCodec writes an event as a record: its receipt time first (the
// events view's counts read it), then its id, user, name, call, time,
// messageId and properties.
type eventCodec struct{}

// callTypes are the calls an event comes from: each is stored as a byte.
var callTypes = []string{"track", "page", "screen"}

// Append writes an event.
func (eventCodec) Append(b []byte, ev *EventItem) []byte {
	b = emulators.AppendTime(b, ev.ReceivedAt)
	b = emulators.AppendInt(b, ev.ID)
	b = emulators.AppendText(b, ev.UserID)
	b = emulators.AppendText(b, ev.Name)
	b = emulators.AppendWord(b, ev.Type, callTypes)
	b = emulators.AppendTime(b, ev.Timestamp)
	b = emulators.AppendText(b, ev.MessageID)
	return emulators.AppendObject(b, ev.Properties)
}

// List names the events in errors.
func (eventCodec) List() string { return "events" }

// Decode reads an event; its properties share the record's bytes.
func (eventCodec) Decode(b []byte) (EventItem, error) {
	r := emulators.NewRecordReader(b)
	var ev EventItem
	ev.ReceivedAt = r.Time()
	ev.ID = r.Int()
	ev.UserID = r.Text()
	ev.Name = r.Text()
	ev.Type = r.Word(callTypes)
	ev.Timestamp = r.Time()
	ev.MessageID = r.Text()
	ev.Properties = r.Object()
	return ev, r.Err()
}

// A user's events are found without reading any: each event has a
// sequence number, dropped+position+1 (dropped counts the events retention
// dropped since the state was built), each user's slot holds its newest
// one (slotNewest), and EventLinks, for each event, how many numbers back the
// same user's previous one is. All of it is plain numbers, which the
// collector does not trace, and dropping the oldest events leaves the
// numbers of the rest as they are.

// seq is the sequence number of the event at position pos.
func (s *State) seq(pos int) int64 { return s.dropped + int64(pos) + 1 }

// pos is the position in Events of the event numbered seq.
func (s *State) pos(seq int64) int { return int(seq - s.dropped - 1) }

// addEvent stores an event, its owner's key in its UserID, on user ord.
func (s *State) addEvent(ord uint32, ev *EventItem) {
	s.Events.Append(ev)
	seq, slot := s.seq(s.Events.Len()-1), s.slot(ord)
	s.EventLinks = append(s.EventLinks, link(slot[slotNewest], seq))
	slot[slotNewest] = seq
	s.noteReceived(ev.Name, ev.ReceivedAt, seq)
}

// link is the EventLinks entry of event seq whose user's previous event is
// prev (0: none). A gap beyond 32 bits would mean four billion events held
// between two of one user's: the chain then ends there, the older event
// long dropped.
func link(prev, seq int64) uint32 {
	if prev <= 0 || seq-prev > math.MaxUint32 {
		return 0
	}
	return uint32(seq - prev)
}

// userEvents returns the positions in Events of user ord's events, oldest
// first.
func (s *State) userEvents(ord uint32) []int {
	var pos []int
	for seq := s.slot(ord)[slotNewest]; seq > s.dropped; {
		i := s.pos(seq)
		pos = append(pos, i)
		back := s.EventLinks[i]
		if back == 0 {
			break
		}
		seq -= int64(back)
	}
	slices.Reverse(pos)
	return pos
}

// eventCount is how many events user ord has.
func (s *State) eventCount(ord uint32) int {
	n := 0
	for seq := s.slot(ord)[slotNewest]; seq > s.dropped; n++ {
		back := s.EventLinks[s.pos(seq)]
		if back == 0 {
			return n + 1
		}
		seq -= int64(back)
	}
	return n
}

// eventsOf decodes user ord's events, oldest first: never nil, so that
// its JSON is [] for none.
func (s *State) eventsOf(ord uint32) []Event {
	pos := s.userEvents(ord)
	out := make([]Event, len(pos))
	for i, p := range pos {
		out[i] = s.Events.At(p).Event
	}
	return out
}

// moveEvents gives user prev's events to user, which then has both's in
// arrival order (CN-8): only their links change, not their records.
func (s *State) moveEvents(user, prev uint32) {
	a, b := s.userEvents(user), s.userEvents(prev)
	if len(b) == 0 {
		return
	}
	all := make([]int, 0, len(a)+len(b))
	all = append(append(all, a...), b...)
	slices.Sort(all)
	for i, p := range all {
		var prevSeq int64
		if i > 0 {
			prevSeq = s.seq(all[i-1])
		}
		s.EventLinks[p] = link(prevSeq, s.seq(p))
	}
	s.slot(user)[slotNewest], s.slot(prev)[slotNewest] = s.seq(all[len(all)-1]), 0
}

// eventItems reads the stored events by position, each with the key of
// its user now: the events view's candidates.
type eventItems struct{ s *State }

func (e eventItems) Len() int { return e.s.Events.Len() }

func (e eventItems) At(i int) EventItem {
	ev := e.s.Events.At(i)
	ev.UserID = e.s.resolve(ev.UserID)
	return ev
}

// receipts are the events of one name, for the events view (CN-10): their
// sequence numbers in the order they were received (equal times in the
// order they were noted), and the latest receipt time.
type receipts struct {
	seqs []int64
	last time.Time
}

// noteReceived adds event seq to its name's receipts. The clock only moves
// back when a test sets it back, so this is an append almost always.
func (s *State) noteReceived(name string, at time.Time, seq int64) {
	rc := s.received[name]
	if rc == nil {
		rc = &receipts{}
		s.received[name] = rc
	}
	if len(rc.seqs) == 0 || !rc.last.After(at) {
		rc.seqs, rc.last = append(rc.seqs, seq), at
		return
	}
	i := sort.Search(len(rc.seqs), func(j int) bool { return s.receivedAt(rc.seqs[j]).After(at) })
	rc.seqs = slices.Insert(rc.seqs, i, seq)
}

// receivedAt is when event seq was received.
func (s *State) receivedAt(seq int64) time.Time { return s.Events.At(s.pos(seq)).ReceivedAt }

// trimReceived forgets the receipts of dropped events; a name none of
// whose events is left is no longer in the events view.
func (s *State) trimReceived() {
	for name, rc := range s.received {
		last := rc.seqs[len(rc.seqs)-1]
		rc.seqs = slices.DeleteFunc(rc.seqs, func(seq int64) bool { return seq <= s.dropped })
		switch {
		case len(rc.seqs) == 0:
			delete(s.received, name)
		case rc.seqs[len(rc.seqs)-1] != last:
			rc.last = s.receivedAt(rc.seqs[len(rc.seqs)-1])
		}
	}
}

// countReceived derives one row of the events view: (decision) an event
// exactly 24 hours old is outside the window, one a second younger inside;
// one received after now (the clock was set back) is not counted.
func (s *State) countReceived(name string, now time.Time) EventCount {
	seqs := s.received[name].seqs
	since := now.Add(-24 * time.Hour)
	lo := sort.Search(len(seqs), func(i int) bool { return s.receivedAt(seqs[i]).After(since) })
	hi := sort.Search(len(seqs), func(i int) bool { return s.receivedAt(seqs[i]).After(now) })
	return EventCount{Name: name, Last24h: max(hi-lo, 0), Total: len(seqs), LastReceivedAt: s.receivedAt(seqs[len(seqs)-1])}
}
