package promoter

import (
	"strconv"
	"strings"

	"github.com/destemu/destemu/emulators"
)

// storedEvents are an account's custom events in arrival order, kept as
// records (#18): an event costs its encoded size, in memory the garbage
// collector does not scan, instead of a struct of pointers, its strings
// and its properties apart.
type storedEvents = emulators.Records[CustomEvent, eventCodec]

// eventCodec writes a custom event as a record: its receipt time first
// (retention reads it), then its id, names, messageId, time and
// properties.
type eventCodec struct{}

// idPrefix starts the ids the webhook gives custom events.
const idPrefix = "evt_"

// Append writes an event.
func (eventCodec) Append(b []byte, ev *CustomEvent) []byte {
	b = emulators.AppendTime(b, ev.ReceivedAt)
	b = appendID(b, ev.ID)
	b = emulators.AppendText(b, ev.Event)
	b = emulators.AppendText(b, ev.UserID)
	b = emulators.AppendText(b, ev.AnonymousID)
	b = emulators.AppendText(b, ev.MessageID)
	b = emulators.AppendTime(b, ev.Timestamp)
	return emulators.AppendObject(b, ev.Properties)
}

// List names the events in errors.
func (eventCodec) List() string { return "customEvents" }

// Decode reads an event; its properties share the record's bytes.
func (eventCodec) Decode(b []byte) (CustomEvent, error) {
	r := emulators.NewRecordReader(b)
	var ev CustomEvent
	ev.ReceivedAt = r.Time()
	ev.ID = readID(&r)
	ev.Event = r.Text()
	ev.UserID = r.Text()
	ev.AnonymousID = r.Text()
	ev.MessageID = r.Text()
	ev.Timestamp = r.Time()
	ev.Properties = r.Object()
	return ev, r.Err()
}

// appendID writes an id the webhook gave (evt_N) as N, in a few bytes;
// any other (a hand-written state's) as 0 and its text.
func appendID(b []byte, id string) []byte {
	digits, ok := strings.CutPrefix(id, idPrefix)
	if n, err := strconv.ParseInt(digits, 10, 64); ok && err == nil && n > 0 && strconv.FormatInt(n, 10) == digits {
		return emulators.AppendInt(b, n)
	}
	return emulators.AppendText(emulators.AppendInt(b, 0), id)
}

// readID reads what appendID wrote.
func readID(r *emulators.RecordReader) string {
	if n := r.Int(); n != 0 {
		return idPrefix + strconv.FormatInt(n, 10)
	}
	return r.Text()
}

// addEvent stores a custom event and links it to its user's.
func (s *State) addEvent(ev *CustomEvent) {
	s.CustomEvents.Append(ev)
	s.linkEvent(ev.UserID)
}

// linkEvent links the event just stored to its user's (none for an
// anonymous event: a userId filter that is empty reads every event).
func (s *State) linkEvent(userID string) {
	if userID != "" {
		s.eventsByUser.Add(emulators.Hash(userID))
	} else {
		s.eventsByUser.Add(0)
	}
}

// userEvents returns the positions of the events that may be the user's,
// oldest first: its own, and those of any userId of the same hash, which
// the list's userId filter tells apart.
func (s *State) userEvents(userID string) []int {
	return s.eventsByUser.Of(emulators.Hash(userID))
}

// indexEvents links the custom events by userId: after a load.
func (s *State) indexEvents() {
	s.eventsByUser = emulators.NewChains[uint64](s.CustomEvents.Len())
	for _, ev := range s.CustomEvents.All() {
		s.linkEvent(ev.UserID)
	}
}
