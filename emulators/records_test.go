package emulators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/destemu/destemu/segment"
)

// note is a record with one field of each kind the record helpers write.
type note struct {
	ID    int64          `json:"id"`
	Kind  string         `json:"kind"`
	Text  string         `json:"text"`
	At    time.Time      `json:"at"`
	Props segment.Object `json:"props"`
}

type noteCodec struct{}

var noteWords = []string{"track", "page"}

func (noteCodec) Append(b []byte, n *note) []byte {
	b = AppendInt(b, n.ID)
	b = AppendWord(b, n.Kind, noteWords)
	b = AppendText(b, n.Text)
	b = AppendTime(b, n.At)
	return AppendObject(b, n.Props)
}

func (noteCodec) List() string { return "notes" }

func (noteCodec) Decode(b []byte) (note, error) {
	r := NewRecordReader(b)
	n := note{ID: r.Int(), Kind: r.Word(noteWords), Text: r.Text(), At: r.Time(), Props: r.Object()}
	return n, r.Err()
}

type notes = Records[note, noteCodec]

// makeNote is note i: mostly small, every 1000th larger than a chunk.
func makeNote(i int) note {
	size := i % 300
	if i%1000 == 999 {
		size = maxChunk + i
	}
	kinds := []string{"track", "page", "screen", ""}
	return note{ID: int64(i), Kind: kinds[i%4], Text: strings.Repeat("x", size),
		At: t0.Add(time.Duration(i) * time.Millisecond), Props: segment.NewObject(map[string]any{"i": json.Number(fmt.Sprint(i))})}
}

func sameNote(a, b note) bool {
	return a.ID == b.ID && a.Kind == b.Kind && a.Text == b.Text && a.At.Equal(b.At) && a.Props.Equal(b.Props)
}

// TestRecords: records read back as they were appended, by position and
// in order, across chunks and records larger than a chunk; dropping the
// oldest frees the chunks they filled.
func TestRecords(t *testing.T) {
	t.Parallel()
	var r notes
	if r.Len() != 0 || len(collect(&r)) != 0 {
		t.Fatal("the zero Records is not empty")
	}
	const n = 5000
	for i := range n {
		v := makeNote(i)
		r.Append(&v)
	}
	if r.Len() != n {
		t.Fatalf("Len %d", r.Len())
	}
	for _, i := range []int{0, 1, 998, 999, 1000, 2500, n - 1} {
		if got := r.At(i); !sameNote(got, makeNote(i)) {
			t.Fatalf("At(%d) = %+v", i, got.ID)
		}
	}
	for i, v := range r.All() {
		if !sameNote(v, makeNote(i)) {
			t.Fatalf("All: item %d is note %d", i, v.ID)
		}
	}
	for _, c := range r.chunks {
		if len(c.ends) == 0 || cap(c.data) > maxChunk && len(c.ends) != 1 {
			t.Fatalf("a chunk of %d bytes holds %d records", cap(c.data), len(c.ends))
		}
	}
	chunks := len(r.chunks)
	dropped := 0
	for _, k := range []int{1, 998, 1, 2000} {
		r.Drop(k)
		dropped += k
		if r.Len() != n-dropped || r.At(0).ID != int64(dropped) || r.At(r.Len()-1).ID != n-1 {
			t.Fatalf("after dropping %d: Len %d, first %d", dropped, r.Len(), r.At(0).ID)
		}
		if got := collect(&r); len(got) != n-dropped || got[0] != int64(dropped) {
			t.Fatalf("after dropping %d, All reads %d records from %d", dropped, len(got), got[0])
		}
	}
	if len(r.chunks) >= chunks || r.chunks[0].first > 0 || r.chunks[0].first+len(r.chunks[0].ends) <= 0 {
		t.Fatalf("%d chunks of %d left, the first from %d", len(r.chunks), chunks, r.chunks[0].first)
	}
	r.Drop(r.Len() + 1)
	if r.Len() != 0 || len(r.chunks) != 0 {
		t.Fatalf("after dropping all: %d records in %d chunks", r.Len(), len(r.chunks))
	}
	v := makeNote(7)
	r.Append(&v)
	if r.Len() != 1 || !sameNote(r.At(0), v) {
		t.Fatal("append after dropping all")
	}
}

func collect(r *notes) []int64 {
	var ids []int64
	for _, v := range r.All() {
		ids = append(ids, v.ID)
	}
	return ids
}

// TestRecordsAppendFrom: records copied from another sequence, in another
// order and past some dropped, read as they were written.
func TestRecordsAppendFrom(t *testing.T) {
	t.Parallel()
	var src, dst notes
	for i := range 2100 {
		v := makeNote(i)
		src.Append(&v)
	}
	src.Drop(100)
	for i := src.Len() - 1; i >= 0; i -= 3 {
		dst.AppendFrom(&src, i)
	}
	if dst.Len() != 667 {
		t.Fatalf("%d records", dst.Len())
	}
	for j, v := range dst.All() {
		if want := makeNote(100 + src.Len() - 1 - 3*j); !sameNote(v, want) {
			t.Fatalf("record %d: %+v, want %+v", j, v.ID, want.ID)
		}
	}
}

// TestRecordsSmall: an account that stores a few records holds a small
// chunk, not a large one.
func TestRecordsSmall(t *testing.T) {
	t.Parallel()
	var r notes
	v := note{Text: "hi"}
	r.Append(&v)
	if len(r.chunks) != 1 || cap(r.chunks[0].data) > minChunk {
		t.Fatalf("one record holds %d bytes", cap(r.chunks[0].data))
	}
}

// TestRecordsJSON: Records read and write JSON as the slice of its records
// does, under either HTML escaping; null reads as none; a bad item, or a
// null one, names its position.
func TestRecordsJSON(t *testing.T) {
	t.Parallel()
	plain := []note{makeNote(1), makeNote(2), {ID: 3, Kind: "<b>&", Text: "a\u2028<b>", At: time.Date(2024, 2, 29, 23, 0, 0, 5, time.FixedZone("X", 5*3600+1800))}}
	var r notes
	for i := range plain {
		r.Append(&plain[i])
	}
	type doc[L any] struct {
		Items L `json:"items"`
	}
	for _, escape := range []bool{true, false} {
		encode := func(v any) string {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(escape)
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}
		if got, want := encode(doc[*notes]{&r}), encode(doc[[]note]{plain}); got != want {
			t.Fatalf("escape %v:\n%s\nwant\n%s", escape, got, want)
		}
	}
	data, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	var back notes
	if err := json.Unmarshal(data, &back); err != nil || back.Len() != 3 {
		t.Fatalf("%d records, %v", back.Len(), err)
	}
	again, _ := json.Marshal(&back)
	if string(again) != string(data) {
		t.Fatalf("round trip:\n%s\n%s", data, again)
	}
	if err := json.Unmarshal([]byte(`null`), &back); err != nil || back.Len() != 0 {
		t.Fatalf("null: %d records, %v", back.Len(), err)
	}
	// As a slice: nil (null, Nil) and empty ([], the zero Records) stay
	// apart, until a record is appended.
	var zero, made notes
	made.Nil()
	for _, tc := range []struct {
		r    *notes
		want string
	}{{&back, "null"}, {&made, "null"}, {&zero, "[]"}} {
		if b, _ := json.Marshal(tc.r); string(b) != tc.want {
			t.Fatalf("empty records marshal as %s, want %s", b, tc.want)
		}
	}
	if err := json.Unmarshal([]byte(` [ ] `), &back); err != nil || back.Len() != 0 {
		t.Fatalf("[]: %d records, %v", back.Len(), err)
	}
	made.Append(&plain[0])
	made.Drop(1)
	for _, r := range []*notes{&back, &made} {
		if b, _ := json.Marshal(r); string(b) != "[]" {
			t.Fatalf("records read from [], or emptied, marshal as %s", b)
		}
	}
	for body, want := range map[string]string{
		`{}`:                        "notes: want a JSON array",
		`[{"id":1},{"id":"two"}]`:   "notes[1]: ",
		`[{"id":1},{"props":[1]}]`:  "notes[1]: ",
		`[{"id":1}`:                 "",
		`[{"id":1}] trailing`:       "",
		`[{"at":"yesterday"},{}]`:   "notes[0]: ",
		`[{"id":1},{"text":true}]`:  "notes[1]: ",
		`[{"id":1},{"text":true},]`: "",
		`[{"id":1},null]`:           "notes[1] is null",
	} {
		if err := json.Unmarshal([]byte(body), &back); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", body, err, want)
		}
	}
}

// TestRecordFields: each field helper reads back what it wrote, a time
// with its offset (what its JSON shows); a truncated record or one with
// bytes left over is an error, never a panic.
func TestRecordFields(t *testing.T) {
	t.Parallel()
	times := []time.Time{
		{}, t0, time.Date(2026, 3, 2, 10, 0, 0, 123456789, time.UTC),
		time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC), time.Date(2025, 6, 1, 8, 0, 0, 0, time.FixedZone("PDT", -7*3600)),
		time.Date(2025, 6, 1, 8, 0, 0, 0, time.FixedZone("IST", 5*3600+1800)), time.Now(), time.Now().UTC(),
	}
	for _, tm := range times {
		b := AppendTime(nil, tm)
		r := NewRecordReader(b)
		got := r.Time()
		if err := r.Err(); err != nil || !got.Equal(tm) {
			t.Fatalf("%v read back as %v, %v", tm, got, err)
		}
		want, _ := json.Marshal(tm)
		if j, _ := json.Marshal(got); string(j) != string(want) {
			t.Errorf("%v writes %s, want %s", tm, j, want)
		}
		if tm.IsZero() && got != (time.Time{}) {
			t.Errorf("the zero time reads back as %#v", got)
		}
	}
	for _, w := range []string{"track", "page", "", "tr", "trackx", "\x00"} {
		r := NewRecordReader(AppendWord(nil, w, noteWords))
		if got := r.Word(noteWords); got != w || r.Err() != nil {
			t.Errorf("word %q read back as %q, %v", w, got, r.Err())
		}
	}
	if n := len(AppendWord(nil, "page", noteWords)); n != 1 {
		t.Errorf("a known word takes %d bytes", n)
	}
	full := (noteCodec{}).Append(nil, &note{ID: -5, Kind: "other", Text: "héllo", At: times[6], Props: segment.NewObject(map[string]any{"a": "b"})})
	if n, err := (noteCodec{}).Decode(full); err != nil || n.ID != -5 || n.Kind != "other" || n.Text != "héllo" || !n.At.Equal(times[6]) {
		t.Fatalf("%+v, %v", n, err)
	}
	for i := range len(full) {
		if _, err := (noteCodec{}).Decode(full[:i]); err == nil {
			t.Errorf("a record cut at byte %d of %d decoded", i, len(full))
		}
	}
	if _, err := (noteCodec{}).Decode(append(full, 0)); err == nil {
		t.Error("a record with a byte left over decoded")
	}
	// A nanosecond field past a second.
	bad := AppendInt(nil, 0)
	bad = append(bad, 0xff, 0xff, 0xff, 0xff, 0x0f)
	if r := NewRecordReader(bad); !r.Time().IsZero() || r.Err() == nil {
		t.Error("a time of more than a second of nanoseconds read")
	}
}

// TestRecordsSnapshotCopy: the copy a snapshot marshals (copyForJSON) reads
// as the records were when it was taken while the account goes on
// appending and dropping (run with -race).
func TestRecordsSnapshotCopy(t *testing.T) {
	t.Parallel()
	type state struct {
		Notes notes `json:"notes"`
	}
	s := &state{}
	for i := range 500 {
		v := makeNote(i % 900)
		s.Notes.Append(&v)
	}
	want, _ := json.Marshal(s)
	cp := copyForJSON(s).(*state)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 2000 {
			v := makeNote(i % 900)
			s.Notes.Append(&v)
			if i%300 == 0 {
				s.Notes.Drop(200)
			}
		}
	}()
	got, err := json.Marshal(cp)
	wg.Wait()
	if err != nil || string(got) != string(want) {
		t.Fatalf("the copy changed (%v)", err)
	}
}
