package emulators

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/destemu/destemu/segment"
)

// The fields of a record a Codec writes: each Append… adds one field to a
// record's bytes, and a RecordReader reads them back in the same order.
// Integers are varints, strings and objects are length-prefixed, times
// keep their instant to the nanosecond and their UTC offset.

// AppendInt appends a signed integer field.
func AppendInt(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

// AppendText appends a string field.
func AppendText(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// AppendUint appends an unsigned integer field (a count, a small id).
func AppendUint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

// AppendWord appends a string field that is most often one of a few words
// (a call type): one of them costs one byte, and reads back without a copy.
func AppendWord(b []byte, s string, words []string) []byte {
	for i, w := range words {
		if s == w {
			return binary.AppendUvarint(b, uint64(i))
		}
	}
	b = binary.AppendUvarint(b, uint64(len(words)+len(s)))
	return append(b, s...)
}

// AppendTime appends a time field: its instant and its offset from UTC,
// which is all that its JSON form shows (a time read back is in UTC, or
// in a fixed zone of the same offset).
func AppendTime(b []byte, t time.Time) []byte {
	_, offset := t.Zone()
	b = binary.AppendVarint(b, t.Unix())
	if offset == 0 {
		return binary.AppendUvarint(b, uint64(t.Nanosecond())<<1)
	}
	b = binary.AppendUvarint(b, uint64(t.Nanosecond())<<1|1)
	return binary.AppendVarint(b, int64(offset))
}

// AppendObject appends an object field (segment.Object.AppendBinary).
func AppendObject(b []byte, o segment.Object) []byte {
	b, err := o.AppendBinary(b)
	if err != nil {
		// It has the error of encoding.BinaryAppender's signature; an
		// Object always has a stored form.
		panic("emulators: AppendObject: " + err.Error())
	}
	return b
}

// errRecord is what a RecordReader reports for bytes that are not the
// record its reader expects.
var errRecord = errors.New("truncated or malformed record")

// RecordReader reads the fields of one record, in the order they were
// appended. The first field that fails to read stops the rest, which read
// as zero values; Err reports it.
type RecordReader struct {
	b   []byte
	err error
}

// NewRecordReader reads the record b.
func NewRecordReader(b []byte) RecordReader { return RecordReader{b: b} }

// Err reports the first field that failed to read, or bytes left over
// after the last field.
func (r *RecordReader) Err() error {
	if r.err == nil && len(r.b) > 0 {
		r.err = errRecord
	}
	return r.err
}

func (r *RecordReader) fail() {
	r.err, r.b = errRecord, nil
}

// varint reads a varint with binary.Varint or binary.Uvarint.
func varint[V int64 | uint64](r *RecordReader, read func([]byte) (V, int)) V {
	v, n := read(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *RecordReader) uvarint() uint64 { return varint(r, binary.Uvarint) }

// Int reads an AppendInt field.
func (r *RecordReader) Int() int64 { return varint(r, binary.Varint) }

// bytes reads n bytes.
func (r *RecordReader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// Text reads an AppendText field.
func (r *RecordReader) Text() string { return string(r.TextBytes()) }

// TextBytes reads an AppendText field without copying it: it shares the
// record's bytes, and compared to a string it costs no allocation.
func (r *RecordReader) TextBytes() []byte { return r.bytes(r.uvarint()) }

// Uint reads an AppendUint field.
func (r *RecordReader) Uint() uint64 { return r.uvarint() }

// Byte reads a field of one byte (a kind a record writes as it is).
func (r *RecordReader) Byte() byte {
	if b := r.bytes(1); len(b) == 1 {
		return b[0]
	}
	return 0
}

// Failed reports whether a field failed to read so far (Err also reports
// bytes left over).
func (r *RecordReader) Failed() bool { return r.err != nil }

// Word reads an AppendWord field written with the same words.
func (r *RecordReader) Word(words []string) string {
	v := r.uvarint()
	if v < uint64(len(words)) {
		return words[v]
	}
	return string(r.bytes(v - uint64(len(words))))
}

// Time reads an AppendTime field.
func (r *RecordReader) Time() time.Time {
	sec := r.Int()
	nsec := r.uvarint()
	if nsec>>1 >= uint64(time.Second) {
		r.fail()
	}
	if r.err != nil {
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec>>1))
	if nsec&1 == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", int(r.Int())))
}

// Object reads an AppendObject field. It shares the record's bytes.
func (r *RecordReader) Object() segment.Object {
	if r.err != nil {
		return segment.Object{}
	}
	o, rest, err := segment.ReadObject(r.b)
	if err != nil {
		r.fail()
		return segment.Object{}
	}
	r.b = rest
	return o
}
