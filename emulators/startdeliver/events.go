package startdeliver

import (
	"math"
	"slices"

	"github.com/destemu/destemu/emulators"
)

// usageEvents are an account's usage events, oldest first, kept as
// records (#18): an event costs its encoded size, about 400 bytes with the
// properties of the perf traffic, in memory the garbage collector does not
// scan, instead of a struct of pointers, its strings and its properties.
type usageEvents = emulators.Records[UsageEvent, usageCodec]

// usageCodec writes a usage event as a record: its ids first, then its
// words, times, messageId and properties.
type usageCodec struct{}

// callWords are the types and Segment types most events have: each is
// stored as one byte.
var callWords = []string{"track", "page", "screen"}

// Append writes an event.
func (usageCodec) Append(b []byte, ev *UsageEvent) []byte {
	b = emulators.AppendInt(b, ev.ID)
	b = emulators.AppendInt(b, ev.UserID)
	b = emulators.AppendInt(b, ev.CustomerID)
	b = emulators.AppendWord(b, ev.Type, callWords)
	b = emulators.AppendWord(b, ev.SegmentType, callWords)
	b = emulators.AppendText(b, ev.Name)
	b = emulators.AppendTime(b, ev.Timestamp)
	b = emulators.AppendTime(b, ev.Received)
	b = emulators.AppendText(b, ev.MessageID)
	return emulators.AppendObject(b, ev.Properties)
}

// List is where a state keeps the events.
func (usageCodec) List() string { return "usageEvents" }

// Decode reads an event; its properties share the record's bytes.
func (usageCodec) Decode(b []byte) (UsageEvent, error) {
	r := emulators.NewRecordReader(b)
	ev := UsageEvent{ID: r.Int(), UserID: r.Int(), CustomerID: r.Int()}
	ev.Type = r.Word(callWords)
	ev.SegmentType = r.Word(callWords)
	ev.Name = r.Text()
	ev.Timestamp = r.Time()
	ev.Received = r.Time()
	ev.MessageID = r.Text()
	ev.Properties = r.Object()
	return ev, r.Err()
}

// userEvents finds a user's usage events without reading them: for each
// user, the id of its newest event, and for each event held, how many ids
// back the same user's previous one is. Both are plain numbers, which the
// collector does not trace, and dropping the oldest events leaves the
// newest ids as they are. The zero value is empty.
type userEvents struct {
	newest []int64  // by user id - 1; 0: no event
	older  []uint32 // by position in Events; 0: none
}

// add indexes the event just appended to Events.
func (x *userEvents) add(ev *UsageEvent) {
	if n := int(ev.UserID); n > len(x.newest) {
		x.newest = append(x.newest, make([]int64, n-len(x.newest))...)
	}
	back := uint32(0)
	// (A gap beyond 32 bits would mean four billion events held in
	// memory between two of one user's: the chain then ends there.)
	if prev := x.newest[ev.UserID-1]; prev > 0 && ev.ID-prev <= math.MaxUint32 {
		back = uint32(ev.ID - prev)
	}
	x.older = append(x.older, back)
	x.newest[ev.UserID-1] = ev.ID
}

// of returns the positions in Events of a user's events, oldest first;
// dropped is how many events retention dropped before Events[0].
func (x *userEvents) of(user, dropped int64) []int {
	if user < 1 || user > int64(len(x.newest)) {
		return nil
	}
	var pos []int
	for id := x.newest[user-1]; id > dropped; {
		i := int(id - dropped - 1)
		pos = append(pos, i)
		if x.older[i] == 0 {
			break
		}
		id -= int64(x.older[i])
	}
	slices.Reverse(pos)
	return pos
}

// drop forgets the oldest n events (retention dropped them from Events).
func (x *userEvents) drop(n int) {
	x.older = slices.Clone(x.older[n:])
}
