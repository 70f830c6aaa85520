package segment

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The packed form of an object, what an Object holds. A value is a tag
// byte whose low three bits are its kind:
//
//   - null, false, true: the tag alone;
//   - string, number: the length of its text in the tag's high five bits
//     (or 31 there and the length in a uvarint after the tag), then the
//     text: a string's UTF-8, a number's literal as it was written;
//   - array: its values, then an end tag;
//   - object: its members, then an end key.
//
// A member is a key and a value. A key is a uvarint: keyEnd ends an
// object, keyInline is followed by the key's length (a uvarint) and its
// text, and keyFirstID+n is the key the process's keyTable interned as n.
// An object holds one member per key, in ascending order of the keys'
// text, as encoding/json writes a map; one that NewObject was given as
// something else (a struct) holds its members as json.Marshal writes them.
// The top-level object is its members alone, with no end key, so that {}
// is no bytes at all.
//
// Strings and keys are kept as they are given. One that is not UTF-8 (a Go
// map's: a JSON text is checked) is written as encoding/json writes it,
// each invalid byte as \ufffd, and decoded as that JSON decodes, so that
// what an object answers is what its JSON decodes to.
const (
	tagNull byte = iota
	tagFalse
	tagTrue
	tagString
	tagNumber
	tagArray
	tagObject
	tagEnd

	kindBits  = 3
	kindMask  = 1<<kindBits - 1
	longText  = 1<<(8-kindBits) - 1 // in the tag: the length follows as a uvarint
	keyEnd    = 0
	keyInline = 1
	// keyFirstID is the key encoding of id 0.
	keyFirstID = 2
)

// appendText appends a string's or a number's tag and text.
func appendText[T string | []byte](b []byte, kind byte, s T) []byte {
	if n := len(s); n < longText {
		b = append(b, kind|byte(n)<<kindBits)
	} else {
		b = append(b, kind|longText<<kindBits)
		b = binary.AppendUvarint(b, uint64(n))
	}
	return append(b, s...)
}

// appendKeyID appends an interned key.
func appendKeyID(b []byte, e *keyName) []byte {
	if e.id < 1<<7-keyFirstID {
		return append(b, byte(e.id+keyFirstID))
	}
	return binary.AppendUvarint(b, uint64(e.id)+keyFirstID)
}

func appendInlineKey[T string | []byte](b []byte, k T) []byte {
	b = append(b, keyInline)
	b = binary.AppendUvarint(b, uint64(len(k)))
	return append(b, k...)
}

// packer writes values in the packed form, from maps (value) or from JSON
// (jsonPacker). Its buffers and its cache of keys are reused from one
// object to the next (packers).
type packer struct {
	keys  *keyTable
	cache keyCache
	b     []byte
	spans []span // the members of a JSON object being put in order
	tmp   []byte // where they are put
}

// packers holds packers of the process's key table.
var packers = sync.Pool{New: func() any { return &packer{keys: keys, b: make([]byte, 0, 1024)} }}

// maxScratch is the largest buffer a packer keeps for the next object.
const maxScratch = 64 << 10

// getPacker returns a packer of the process's key table, its buffer empty.
func getPacker() *packer {
	p := packers.Get().(*packer)
	p.b = p.b[:0]
	return p
}

// packed returns a copy of what p wrote at its exact size (the slack of a
// grown buffer would stay with the stored object), and returns p to
// packers unless it grew past maxScratch (it is then left to the
// collector).
func (p *packer) packed() []byte {
	raw := bytes.Clone(p.b)
	if len(raw) == 0 {
		raw = nil
	}
	if cap(p.b) <= maxScratch {
		packers.Put(p)
	}
	return raw
}

// writeKey writes an object's key.
func (p *packer) writeKey(k string) {
	if e := p.cache.entry(p.keys, k); e != nil {
		p.b = appendKeyID(p.b, e)
	} else {
		p.b = appendInlineKey(p.b, k)
	}
}

// members writes m's members in the order of their keys.
func (p *packer) members(m map[string]any) error {
	var stack [16]string
	ks := stack[:0]
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	for _, k := range ks {
		p.writeKey(k)
		if err := p.value(m[k]); err != nil {
			return err
		}
	}
	return nil
}

// value writes v as AppendJSON writes it: a decoded JSON value without
// reflection, anything else through json.Marshal.
func (p *packer) value(v any) error {
	switch x := v.(type) {
	case nil:
		p.b = append(p.b, tagNull)
	case string:
		p.b = appendText(p.b, tagString, x)
	case bool:
		p.b = append(p.b, boolTag(x))
	case int:
		p.integer(int64(x))
	case int64:
		p.integer(x)
	case uint64:
		var buf [20]byte
		p.b = appendText(p.b, tagNumber, strconv.AppendUint(buf[:0], x, 10))
	case []string:
		if x == nil {
			p.b = append(p.b, tagNull)
			break
		}
		p.b = append(p.b, tagArray)
		for _, s := range x {
			p.b = appendText(p.b, tagString, s)
		}
		p.b = append(p.b, tagEnd)
	case json.Number:
		if x == "" {
			x = "0" // as encoding/json writes it
		}
		if !isNumberLiteral(string(x)) {
			return p.marshal(v) // its error
		}
		p.b = appendText(p.b, tagNumber, string(x))
	case map[string]any:
		if x == nil {
			p.b = append(p.b, tagNull)
			break
		}
		p.b = append(p.b, tagObject)
		if err := p.members(x); err != nil {
			return err
		}
		p.b = append(p.b, keyEnd)
	case []any:
		p.b = append(p.b, tagArray) // a nil one too, as AppendJSON writes it: []
		for _, e := range x {
			if err := p.value(e); err != nil {
				return err
			}
		}
		p.b = append(p.b, tagEnd)
	case Object:
		p.b = append(p.b, tagObject)
		p.b = append(p.b, x.raw...)
		p.b = append(p.b, keyEnd)
	default:
		return p.marshal(v)
	}
	return nil
}

func (p *packer) integer(n int64) {
	var buf [20]byte
	p.b = appendText(p.b, tagNumber, strconv.AppendInt(buf[:0], n, 10))
}

// marshal writes a value that is not decoded JSON as json.Marshal writes
// it, members in the order written (a struct's fields in theirs).
func (p *packer) marshal(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	j := jsonPacker{packer: p, data: data, asWritten: true}
	if !j.value() {
		return &Error{Reason: "json.Marshal wrote what does not decode: " + string(data)} // unreachable
	}
	return nil
}

func boolTag(v bool) byte {
	if v {
		return tagTrue
	}
	return tagFalse
}

// validUTF8 replaces each byte of s that is not UTF-8 with U+FFFD, as
// the JSON encoding/json writes of s decodes.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// decodedText is a string's text as its JSON decodes.
func decodedText(text []byte) string {
	if utf8.Valid(text) {
		return string(text)
	}
	return validUTF8(string(text))
}

// corrupt is what reading bytes that are not a packed object does: only
// bytes that did not come from AppendBinary (a programming error) are.
func corrupt() { panic("segment: corrupt packed object") }

// uvarint reads a uvarint at the start of b.
func uvarint(b []byte) (uint64, []byte) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), b[1:]
	}
	v, n := binary.Uvarint(b)
	if n <= 0 {
		corrupt()
	}
	return v, b[n:]
}

// readTag reads a value's tag.
func readTag(b []byte) (byte, []byte) {
	if len(b) == 0 {
		corrupt()
	}
	return b[0], b[1:]
}

// readText reads the text of a string or number whose tag was read.
func readText(tag byte, b []byte) (text, rest []byte) {
	n := uint64(tag >> kindBits)
	if n == longText {
		n, b = uvarint(b)
	}
	if n > uint64(len(b)) {
		corrupt()
	}
	return b[:n], b[n:]
}

// noKey and inlineKey are what readKey answers for the end of an object
// and for a key held inline.
const (
	noKey     = -1
	inlineKey = -2
)

// readKey reads a key: its id, or noKey at the end of an object (or of
// the top-level object's bytes), or inlineKey and its text.
func readKey(b []byte) (id int, inline, rest []byte) {
	if len(b) == 0 {
		return noKey, nil, b
	}
	k, b := uvarint(b)
	switch {
	case k == keyEnd:
		return noKey, nil, b
	case k == keyInline:
		n, b := uvarint(b)
		if n > uint64(len(b)) {
			corrupt()
		}
		return inlineKey, b[:n], b[n:]
	case k-keyFirstID >= maxKeys:
		corrupt()
	}
	return int(k - keyFirstID), nil, b
}

// keyText is a key readKey read, as its JSON decodes.
func keyText(names []keyName, id int, inline []byte) string {
	if id == inlineKey {
		return decodedText(inline)
	}
	if id >= len(names) {
		corrupt()
	}
	return names[id].name
}

// skipValue returns what follows the value at the start of b.
func skipValue(b []byte) []byte {
	tag, b := readTag(b)
	switch tag & kindMask {
	case tagString, tagNumber:
		_, b = readText(tag, b)
	case tagArray:
		for len(b) > 0 && b[0] != tagEnd {
			b = skipValue(b)
		}
		if len(b) == 0 {
			corrupt()
		}
		b = b[1:]
	case tagObject:
		for {
			id, _, rest := readKey(b)
			if id == noKey {
				return rest
			}
			b = skipValue(rest)
		}
	}
	return b
}

// appendPackedJSON appends the JSON of the members at the start of b (an
// object's, up to its end key or the end of b) as AppendJSON writes the
// map they decode to, and returns what follows them.
func appendMembersJSON(out []byte, names []keyName, b []byte) ([]byte, []byte) {
	out = append(out, '{')
	for first := true; ; first = false {
		id, inline, rest := readKey(b)
		if id == noKey {
			return append(out, '}'), rest
		}
		if !first {
			out = append(out, ',')
		}
		switch {
		case id == inlineKey:
			out = appendQuoted(out, inline)
			out = append(out, ':')
		case id < len(names):
			out = append(out, names[id].member...)
		default:
			corrupt()
		}
		out, b = appendValueJSON(out, names, rest)
	}
}

func appendValueJSON(out []byte, names []keyName, b []byte) ([]byte, []byte) {
	tag, b := readTag(b)
	switch tag & kindMask {
	case tagNull:
		return append(out, "null"...), b
	case tagFalse:
		return append(out, "false"...), b
	case tagTrue:
		return append(out, "true"...), b
	case tagString:
		text, rest := readText(tag, b)
		return appendQuoted(out, text), rest
	case tagNumber:
		text, rest := readText(tag, b)
		return append(out, text...), rest
	case tagArray:
		out = append(out, '[')
		for first := true; len(b) > 0 && b[0] != tagEnd; first = false {
			if !first {
				out = append(out, ',')
			}
			out, b = appendValueJSON(out, names, b)
		}
		if len(b) == 0 {
			corrupt()
		}
		return append(out, ']'), b[1:]
	case tagObject:
		return appendMembersJSON(out, names, b)
	}
	corrupt()
	return out, b
}

// unpacker decodes packed values as the parser decodes their JSON; like
// the parser it stacks the members of the objects being read, so that each
// map is made once at its final size.
type unpacker struct {
	names []keyName
	pairs []member
	items []any
}

// members decodes the members at the start of b into a map.
func (u *unpacker) members(b []byte) (map[string]any, []byte) {
	base := len(u.pairs)
	for {
		id, inline, rest := readKey(b)
		if id == noKey {
			b = rest
			break
		}
		k := keyText(u.names, id, inline)
		var v any
		v, b = u.value(rest)
		u.pairs = append(u.pairs, member{k, v})
	}
	members := u.pairs[base:]
	m := make(map[string]any, len(members))
	for _, kv := range members {
		m[kv.key] = kv.value
	}
	clear(members) // drop the references for the collector
	u.pairs = u.pairs[:base]
	return m, b
}

func (u *unpacker) value(b []byte) (any, []byte) {
	tag, b := readTag(b)
	switch tag & kindMask {
	case tagNull:
		return nil, b
	case tagFalse:
		return false, b
	case tagTrue:
		return true, b
	case tagString:
		text, rest := readText(tag, b)
		return decodedText(text), rest
	case tagNumber:
		text, rest := readText(tag, b)
		return json.Number(text), rest
	case tagArray:
		base := len(u.items)
		for len(b) > 0 && b[0] != tagEnd {
			var v any
			v, b = u.value(b)
			u.items = append(u.items, v)
		}
		if len(b) == 0 {
			corrupt()
		}
		out := slices.Clone(u.items[base:])
		if out == nil {
			out = []any{}
		}
		clear(u.items[base:])
		u.items = u.items[:base]
		return out, b[1:]
	case tagObject:
		return u.members(b)
	}
	corrupt()
	return nil, b
}
