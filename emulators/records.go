package emulators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"sort"
)

// Codec turns a record type into bytes and back, for Records.
type Codec[T any] interface {
	// Append appends v's encoding to b.
	Append(b []byte, v *T) []byte
	// Decode reads what Append wrote. The value may share b's memory (its
	// strings or objects), which never changes after it was written.
	Decode(b []byte) (T, error)
	// List names the records in errors: the JSON field that holds them
	// ("usageEvents"), so that a bad item of a loaded state is reported
	// as usageEvents[3].
	List() string
}

// Records is an append-only sequence of records of type T, kept encoded
// (by the codec C) back to back in large byte chunks with a table of where
// each ends, and decoded when read. It is how a destination keeps a
// million stored events (#18): held as structs, each event costs its
// struct, its strings and its properties apart, all full of pointers that
// the garbage collector traces on every cycle; held as records, an event
// costs its encoded size plus four bytes, in memory the collector never
// scans.
//
// Records can be dropped from the front (retention); a chunk is freed
// once every record in it is dropped. A record is never changed: to
// change one, a destination would append it again. In JSON, Records is the
// array of its records, as a []T would be: the zero Records writes [], as
// an empty slice does, and one made Nil (or read from null) writes null
// until a record is appended, as a nil slice does. The zero Records is
// empty and ready to use. Like the rest of a state, it is used under its
// account's lock.
type Records[T any, C Codec[T]] struct {
	// chunks hold the records in order; the first may start with records
	// already dropped.
	chunks  []recordChunk
	n       int    // records held
	scratch []byte // Append encodes here first
	null    bool   // JSON null while empty (Nil)
}

// recordChunk is a run of records: their bytes, back to back, where each
// one ends, and the position of the first (negative in the first chunk
// when some of its records were dropped). Neither data nor ends ever
// changes where a record was written, so a decoded value may keep
// pointing into data (and a snapshot copy may read it while the account
// appends).
type recordChunk struct {
	data  []byte
	ends  []uint32
	first int
}

// Chunk sizes: an account's first chunk is small, so that an account that
// stores a few events costs a few hundred bytes; each next one is twice
// its predecessor up to maxChunk. A record larger than the chunk to come
// gets a chunk of its own size.
const (
	minChunk = 512
	maxChunk = 64 << 10
	// scratchKeep is the largest encoding buffer Append keeps for the next
	// record; a larger one (a rare huge event) is left to the collector.
	scratchKeep = 16 << 10
)

// Nil empties r and makes it write JSON null until a record is appended,
// as a nil []T does: a destination that held its records in a slice it
// left nil until the first one keeps its snapshots as they were.
func (r *Records[T, C]) Nil() { *r = Records[T, C]{null: true} }

// Len is how many records are held.
func (r *Records[T, C]) Len() int { return r.n }

// Append encodes v and adds it at the end.
func (r *Records[T, C]) Append(v *T) {
	var codec C
	rec := codec.Append(r.scratch[:0], v)
	if len(rec) > 1<<31 {
		// Offsets are 32-bit; no event comes near (bodies are limited far
		// below), so this is a programming error, not input.
		panic(fmt.Sprintf("emulators: a record of %d bytes", len(rec)))
	}
	r.add(rec)
	if cap(rec) <= scratchKeep {
		r.scratch = rec[:0]
	} else {
		r.scratch = nil
	}
}

// AppendFrom adds record i of src (0 ≤ i < src.Len()) at the end, copying
// its bytes: a destination that puts records in another order (a load
// that reads them user by user and stores them by id) neither decodes nor
// encodes them again.
func (r *Records[T, C]) AppendFrom(src *Records[T, C], i int) {
	r.add(src.bytesAt(i))
}

// add copies an encoded record into the last chunk, or a new one when it
// does not fit.
func (r *Records[T, C]) add(rec []byte) {
	last := len(r.chunks) - 1
	if last < 0 || cap(r.chunks[last].data)-len(r.chunks[last].data) < len(rec) {
		r.newChunk(len(rec))
		last = len(r.chunks) - 1
	}
	c := &r.chunks[last]
	c.data = append(c.data, rec...) // within its capacity: the array stays
	c.ends = append(c.ends, uint32(len(c.data)))
	r.n++
	r.null = false
}

// newChunk seals the last chunk and starts one that holds at least size
// bytes. A sealed chunk that was left more than an eighth empty is copied
// at its size (the old array stays valid for whoever still reads it).
func (r *Records[T, C]) newChunk(size int) {
	capacity, ends := minChunk, 16
	if last := len(r.chunks) - 1; last >= 0 {
		c := &r.chunks[last]
		capacity = min(2*cap(c.data), maxChunk)
		// Size the table of ends for as many records per byte as the
		// last chunk held, so that it seldom grows.
		ends = len(c.ends)*capacity/max(len(c.data), 1) + 1
		if free := cap(c.data) - len(c.data); free > cap(c.data)/8 {
			c.data = slices.Clone(c.data)
		}
		c.ends = slices.Clip(c.ends)
	}
	capacity = max(capacity, size)
	r.chunks = append(r.chunks, recordChunk{data: make([]byte, 0, capacity), ends: make([]uint32, 0, ends), first: r.n})
}

// bytesAt returns the encoding of record i (0 ≤ i < Len()).
func (r *Records[T, C]) bytesAt(i int) []byte {
	if i < 0 || i >= r.n {
		panic(fmt.Sprintf("emulators: record %d of %d", i, r.n))
	}
	// Most reads are of the newest records: try the last chunk first.
	k := len(r.chunks) - 1
	if i < r.chunks[k].first {
		k = sort.Search(k, func(k int) bool { return r.chunks[k+1].first > i })
	}
	return r.chunks[k].record(i - r.chunks[k].first)
}

// record returns the j-th record of the chunk.
func (c *recordChunk) record(j int) []byte {
	start := uint32(0)
	if j > 0 {
		start = c.ends[j-1]
	}
	return c.data[start:c.ends[j]:c.ends[j]]
}

// At decodes record i (0 ≤ i < Len()).
func (r *Records[T, C]) At(i int) T {
	return decodeRecord[T, C](r.bytesAt(i))
}

// decodeRecord decodes a record Append wrote. A record that does not
// decode is a programming error (a codec whose Decode does not read what
// its Append writes), never input: Records only hold what Append encoded.
func decodeRecord[T any, C Codec[T]](b []byte) T {
	var codec C
	v, err := codec.Decode(b)
	if err != nil {
		panic("emulators: a stored record does not decode: " + err.Error())
	}
	return v
}

// All yields every record in order with its position, decoding one at a
// time.
func (r *Records[T, C]) All() iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		for k := range r.chunks {
			c := &r.chunks[k]
			for j := max(-c.first, 0); j < len(c.ends); j++ {
				if !yield(c.first+j, decodeRecord[T, C](c.record(j))) {
					return
				}
			}
		}
	}
}

// Drop removes the oldest n records (all of them when n ≥ Len()). The
// chunks whose records are all dropped are freed.
func (r *Records[T, C]) Drop(n int) {
	if n <= 0 {
		return
	}
	if n >= r.n {
		*r = Records[T, C]{scratch: r.scratch}
		return
	}
	r.n -= n
	k := 0
	for i := range r.chunks {
		c := &r.chunks[i]
		if c.first -= n; c.first+len(c.ends) <= 0 {
			k = i + 1
		}
	}
	r.chunks = slices.Delete(r.chunks, 0, k)
}

// jsonCopy returns a copy that a snapshot may marshal while the account
// goes on appending and dropping: its own table of chunks, over the same
// record bytes, which never change (copyForJSON calls it).
func (r Records[T, C]) jsonCopy() any {
	return Records[T, C]{chunks: slices.Clone(r.chunks), n: r.n, null: r.null}
}

// MarshalJSON writes the records as a JSON array, each as encoding/json
// writes a T. Characters are left unescaped for HTML: whoever encodes the
// array escapes them as it escapes the rest of its document.
func (r Records[T, C]) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil) }

// AppendJSON appends the array MarshalJSON writes: a state that writes
// itself (JSONAppender) puts its records straight into its document.
func (r Records[T, C]) AppendJSON(b []byte) ([]byte, error) {
	if r.null && r.n == 0 {
		return append(b, "null"...), nil
	}
	var codec C
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('[')
	for i, v := range r.All() {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(&v); err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", codec.List(), i, err)
		}
		buf.Truncate(buf.Len() - 1) // the newline Encode adds
	}
	buf.WriteByte(']')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads an array of records (null is none, and Nil),
// replacing what was held. Each item is decoded as a T, numbers kept exact (as
// segment.UnmarshalNumbers decodes a state), and appended, so that the
// array is never held as structs all at once. A null item is refused, as
// a destination refused it when it held its events as pointers: a record
// holds a value, and null would read back as an empty one.
func (r *Records[T, C]) UnmarshalJSON(data []byte) error {
	*r = Records[T, C]{}
	if string(bytes.TrimSpace(data)) == "null" {
		r.Nil()
		return nil
	}
	var codec C
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return fmt.Errorf("%s: want a JSON array", codec.List())
	}
	for i := 0; dec.More(); i++ {
		var v *T
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("%s[%d]: %w", codec.List(), i, err)
		}
		if v == nil {
			return fmt.Errorf("%s[%d] is null", codec.List(), i)
		}
		r.Append(v)
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("%s: %w", codec.List(), err)
	}
	return nil
}
