package emulators

import "time"

// Bytes is a record kept as it is, for a destination that encodes and
// decodes its records itself (a user whose record is read field by field,
// or whose values are numbered by a table of the destination's): Records
// of Bytes with BytesCodec, each Append copying the bytes in and each At
// returning them without a copy.
type Bytes []byte

// BytesCodec stores Bytes as they are.
type BytesCodec struct{}

// Append appends the record.
func (BytesCodec) Append(b []byte, rec *Bytes) []byte { return append(b, *rec...) }

// Decode returns the record's bytes, shared.
func (BytesCodec) Decode(b []byte) (Bytes, error) { return b, nil }

// List names the records in errors (Records of Bytes are not written as
// JSON by Records itself).
func (BytesCodec) List() string { return "records" }

// A table of numbers by item (a slot of int64 words per user, which the
// collector does not trace) keeps a time in two words: SlotWords writes
// them, SlotTime reads them back, the instant to the nanosecond and the
// offset from UTC, as AppendTime keeps a time (the zero time included).

// SlotWords returns the two words of t: seconds since 1970, and
// nanoseconds << 32 | the UTC offset in seconds.
func SlotWords(t time.Time) (unix, nanoOff int64) {
	_, off := t.Zone()
	return t.Unix(), int64(t.Nanosecond())<<32 | int64(uint32(int32(off)))
}

// SlotTime reads the time SlotWords wrote: in UTC, or in a fixed zone of
// its offset.
func SlotTime(unix, nanoOff int64) time.Time {
	t := time.Unix(unix, nanoOff>>32)
	if off := int32(uint32(nanoOff)); off != 0 {
		return t.In(time.FixedZone("", int(off)))
	}
	return t.UTC()
}
