package promoter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"time"

	"github.com/destemu/destemu/emulators"
)

// surveyTable is an account's surveys in the order they were triggered,
// kept so that the garbage collector has nothing in them to trace (#18):
// a million surveys held as *Survey cost a struct of four strings and two
// times with their location pointers each, their id string, and two map
// entries of strings (by id, by contact), all scanned on every cycle. Here
// a survey is a row of fixed size with no pointer, its strings' bytes
// sit one after another in one byte slice, and the indexes are maps of
// numbers. A response, which a test records through the control plane
// for a few surveys, is kept apart.
//
// Rows and their bytes are only ever appended, never changed, and the
// responses map is replaced, not changed, when a response is recorded, so
// that a snapshot's copy of the table (which shares them) reads what it
// copied while the account goes on. In JSON the table is the list of its
// surveys, as a []*Survey would be: null until it holds a survey or was
// loaded from a list.
type surveyTable struct {
	rows      []surveyRow
	text      []byte                   // the rows' strings, back to back
	responses map[int]*Response        // by row
	byID      emulators.Index[int]     // rows by id; "" is not indexed, see find
	byContact emulators.Chains[uint64] // rows by the Hash of their contact
	listed    bool                     // loaded from a list, not null: written as one when empty
	loaded    []*Survey                // what UnmarshalJSON read, until reindex adds it
}

// surveyRow is a Survey without pointers: where its strings are in the
// table's text, and its times as numbers.
type surveyRow struct {
	id, campaign, contact, email text
	triggered, scheduled         stamp
	reminderDays                 int
}

// text is where a string's bytes are in a table's text.
type text struct{ off, n uint32 }

// stamp is a time.Time without its location pointer: the instant, as
// seconds and nanoseconds since 1970 (a time.Time's full range, the zero
// time included), and the offset from UTC, which is all of the zone that
// its JSON form shows.
type stamp struct {
	sec    int64
	nsec   int32
	offset int32
}

func toStamp(t time.Time) stamp {
	_, offset := t.Zone()
	return stamp{sec: t.Unix(), nsec: int32(t.Nanosecond()), offset: int32(offset)}
}

// time is the instant in UTC, or in a fixed zone of the offset it had.
func (s stamp) time() time.Time {
	t := time.Unix(s.sec, int64(s.nsec))
	if s.offset == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", int(s.offset)))
}

// Len is how many surveys the table holds.
func (t *surveyTable) Len() int { return len(t.rows) }

// add appends a survey (its Response, if any, too) and indexes it.
func (t *surveyTable) add(sv *Survey) {
	i := len(t.rows)
	t.rows = append(t.rows, surveyRow{
		id: t.put(sv.ID), campaign: t.put(sv.Campaign), contact: t.put(sv.Contact), email: t.put(sv.Email),
		triggered: toStamp(sv.TriggeredAt), scheduled: toStamp(sv.ScheduledFor), reminderDays: sv.ReminderDays,
	})
	t.byID.Add(sv.ID, i)
	t.byContact.Add(emulators.Hash(sv.Contact))
	if sv.Response != nil {
		t.respond(i, sv.Response)
	}
}

// put appends a string's bytes to the text.
func (t *surveyTable) put(s string) text {
	if len(t.text)+len(s) > math.MaxUint32 {
		// Four gigabytes of ids and emails is far beyond what an account
		// holds in memory; offsets are 32-bit to keep a row small.
		panic(fmt.Sprintf("promoter: survey text of %d bytes", len(t.text)+len(s)))
	}
	x := text{off: uint32(len(t.text)), n: uint32(len(s))}
	t.text = append(t.text, s...)
	return x
}

// bytes are x's bytes in the text; comparing string(t.bytes(x)) with a
// string allocates nothing.
func (t *surveyTable) bytes(x text) []byte { return t.text[x.off : x.off+x.n] }

func (t *surveyTable) str(x text) string { return string(t.bytes(x)) }

// at returns survey i (0 ≤ i < Len()) with its response.
func (t *surveyTable) at(i int) Survey {
	r := &t.rows[i]
	return Survey{
		ID: t.str(r.id), Campaign: t.str(r.campaign), Contact: t.str(r.contact), Email: t.str(r.email),
		TriggeredAt: r.triggered.time(), ScheduledFor: r.scheduled.time(), ReminderDays: r.reminderDays,
		Response: t.responses[i],
	}
}

// respond records survey i's response in a new map: a snapshot's copy
// may be reading the one it replaces.
func (t *surveyTable) respond(i int, resp *Response) {
	m := make(map[int]*Response, len(t.responses)+1)
	maps.Copy(m, t.responses)
	m[i] = resp
	t.responses = m
}

// find returns the row of the survey with the id.
func (t *surveyTable) find(id string) (int, bool) {
	if id == "" { // not indexed; only a hand-written state has it
		for i := range t.rows {
			if t.rows[i].id.n == 0 {
				return i, true
			}
		}
		return 0, false
	}
	return t.byID.First(id, func(i int) bool { return string(t.bytes(t.rows[i].id)) == id })
}

// ofContact returns the rows of the contact's surveys, oldest first.
func (t *surveyTable) ofContact(userID string) []int {
	var out []int
	for _, i := range t.byContact.Of(emulators.Hash(userID)) {
		if t.contactIs(i, userID) {
			out = append(out, i)
		}
	}
	return out
}

// contactIs reports whether row i surveys the contact (the Hash the
// chains keep may be another's).
func (t *surveyTable) contactIs(i int, userID string) bool {
	return string(t.bytes(t.rows[i].contact)) == userID
}

// MarshalJSON writes the surveys as a list of Survey, with "<" and "&"
// as they are: a snapshot's encoder keeps a Marshaler's output as it
// comes, and its own would not escape them either.
func (t surveyTable) MarshalJSON() ([]byte, error) {
	if len(t.rows) == 0 && !t.listed {
		return []byte("null"), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('[')
	for i := range t.rows {
		if i > 0 {
			buf.WriteByte(',')
		}
		sv := t.at(i)
		if err := enc.Encode(&sv); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	buf.WriteByte(']')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads a list of Survey for reindex to check and add; its
// errors are those of a []*Survey field.
func (t *surveyTable) UnmarshalJSON(b []byte) error {
	var list []*Survey
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*t = surveyTable{listed: list != nil, loaded: list}
	return nil
}

// reindex adds the surveys UnmarshalJSON read, refusing a null one and an
// id that repeats, and moves the survey sequence past their ids.
func (t *surveyTable) reindex(seq *int) error {
	loaded := t.loaded
	t.loaded = nil
	for i, sv := range loaded {
		if sv == nil {
			return fmt.Errorf("surveys[%d] is null", i)
		}
		if _, dup := t.find(sv.ID); dup {
			return fmt.Errorf("surveys[%d]: id %q repeats", i, sv.ID)
		}
		t.add(sv)
		raiseSeq(seq, "srv_", sv.ID)
	}
	return nil
}
