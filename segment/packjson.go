package segment

import (
	"bytes"
	"slices"
	"strings"
)

// jsonPacker writes a JSON text in the packed form in one pass, without
// decoding it into maps first: how a state file or a snapshot's objects
// are read (a million stored events' properties when a large state file
// loads). Members are written as they come, and an object whose keys do
// not come in ascending order (or come twice: the last one wins, as in
// encoding/json) has its members put in order once it is read, so that an
// object destemu wrote, its keys sorted, is never moved.
//
// It accepts exactly what the parser accepts (FuzzUnmarshalObject checks
// it) and says nothing on failure: the caller asks the parser why. data
// must be valid UTF-8.
type jsonPacker struct {
	*packer // writes to b
	data    []byte
	pos     int
	depth   int
	// limit is the deepest nesting accepted (maxParseDepth when zero).
	limit int
	// asWritten keeps members in the order they come, as NewObject keeps
	// what json.Marshal writes of a value that is not a map (a struct's
	// fields in their order).
	asWritten bool
}

// span is a member written to b: its key and where its bytes are.
type span struct {
	key        string
	start, end int
}

// object writes the object's members; pos is at its '{'.
func (j *jsonPacker) object() bool {
	if !j.nest() {
		return false
	}
	j.pos++
	start, sorted, prev := len(j.b), true, ""
	j.space()
	if j.next() == '}' {
		j.pos++
		j.depth--
		return true
	}
	for first := true; ; first = false {
		j.space()
		k, ok := j.key()
		if !ok || !j.colon() || !j.value() {
			return false
		}
		if !first && k <= prev {
			sorted = false
		}
		prev = k
		j.space()
		if c := j.next(); c == '}' {
			j.pos++
			break
		} else if c != ',' {
			return false
		}
		j.pos++
	}
	if !sorted && !j.asWritten {
		j.sort(start)
	}
	j.depth--
	return true
}

// sort puts the members written from start in order of their keys,
// keeping the last of a key given twice.
func (j *jsonPacker) sort(start int) {
	names := j.keys.snapshot()
	members := j.spans[:0]
	for b := j.b[start:]; len(b) > 0; {
		from := len(j.b) - len(b)
		id, inline, rest := readKey(b)
		b = skipValue(rest)
		members = append(members, span{keyText(names, id, inline), from, len(j.b) - len(b)})
	}
	slices.SortStableFunc(members, func(a, b span) int { return strings.Compare(a.key, b.key) })
	j.tmp = j.tmp[:0]
	for i, m := range members {
		if i+1 < len(members) && members[i+1].key == m.key {
			continue
		}
		j.tmp = append(j.tmp, j.b[m.start:m.end]...)
	}
	j.b = append(j.b[:start], j.tmp...)
	clear(members) // drop the keys for the collector
	j.spans = members[:0]
}

// key writes an object's key and returns its text; pos is at its quote.
func (j *jsonPacker) key() (string, bool) {
	if j.next() != '"' {
		return "", false
	}
	raw, s, ok := j.text()
	switch {
	case !ok:
		return "", false
	case raw == nil:
		j.writeKey(s)
		return s, true
	}
	e := j.cache.entryBytes(j.keys, raw)
	if e == nil {
		j.b = appendInlineKey(j.b, raw)
		return string(raw), true
	}
	j.b = appendKeyID(j.b, e)
	return e.name, true
}

// colon reads the colon after a key, and the white space around it.
func (j *jsonPacker) colon() bool {
	if j.next() != ':' {
		if j.space(); j.next() != ':' {
			return false
		}
	}
	j.pos++
	j.space()
	return true
}

// text reads a string; pos is at its quote. One without escapes is raw,
// its bytes in data; one with escapes is s.
func (j *jsonPacker) text() (raw []byte, s string, ok bool) {
	d, start := j.data, j.pos+1
	i := start
	for i < len(d) && !stringStop[d[i]] {
		i++
	}
	switch {
	case i == len(d) || d[i] < 0x20:
		return nil, "", false
	case d[i] == '"':
		j.pos = i + 1
		return d[start:i], "", true
	}
	p := parser{data: d}
	s, err := p.unquote(start, i) // at the first backslash
	j.pos = p.pos
	return nil, s, err == nil
}

// stringStop marks the bytes that end a string's run of plain bytes: its
// closing quote, an escape, and the control characters JSON refuses.
var stringStop = func() (stop [256]bool) {
	for c := range 0x20 {
		stop[c] = true
	}
	stop['"'], stop['\\'] = true, true
	return stop
}()

func (j *jsonPacker) value() bool {
	switch c := j.next(); {
	case c == '{':
		j.b = append(j.b, tagObject)
		if !j.object() {
			return false
		}
		j.b = append(j.b, keyEnd)
		return true
	case c == '[':
		return j.array()
	case c == '"':
		raw, s, ok := j.text()
		if raw != nil {
			j.b = appendText(j.b, tagString, raw)
		} else {
			j.b = appendText(j.b, tagString, s)
		}
		return ok
	case c == 't':
		j.b = append(j.b, tagTrue)
		return j.word("true")
	case c == 'f':
		j.b = append(j.b, tagFalse)
		return j.word("false")
	case c == 'n':
		j.b = append(j.b, tagNull)
		return j.word("null")
	case c == '-' || '0' <= c && c <= '9':
		end, bad := numberEnd(j.data, j.pos)
		if bad != "" {
			return false
		}
		j.b = appendText(j.b, tagNumber, j.data[j.pos:end])
		j.pos = end
		return true
	}
	return false
}

// array writes an array; pos is at its '['.
func (j *jsonPacker) array() bool {
	if !j.nest() {
		return false
	}
	j.pos++
	j.b = append(j.b, tagArray)
	j.space()
	if j.next() == ']' {
		j.pos++
	} else {
		for {
			j.space()
			if !j.value() {
				return false
			}
			j.space()
			if c := j.next(); c == ']' {
				j.pos++
				break
			} else if c != ',' {
				return false
			}
			j.pos++
		}
	}
	j.b = append(j.b, tagEnd)
	j.depth--
	return true
}

// nest enters an object or array, refusing one past the limit.
func (j *jsonPacker) nest() bool {
	j.depth++
	if j.limit > 0 {
		return j.depth <= j.limit
	}
	return j.depth <= maxParseDepth
}

func (j *jsonPacker) word(w string) bool {
	if !bytes.HasPrefix(j.data[j.pos:], []byte(w)) {
		return false
	}
	j.pos += len(w)
	return true
}

func (j *jsonPacker) next() byte {
	if j.pos < len(j.data) {
		return j.data[j.pos]
	}
	return 0
}

func (j *jsonPacker) space() {
	for j.pos < len(j.data) {
		if c := j.data[j.pos]; c > ' ' || c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return
		}
		j.pos++
	}
}

// top writes data, one JSON object (or null, the empty object) between
// white space, as the members of a top-level object.
func (j *jsonPacker) top() bool {
	j.space()
	switch j.next() {
	case 'n':
		if !j.word("null") { // the empty object: no members
			return false
		}
	case '{':
		if !j.object() {
			return false
		}
	default:
		return false
	}
	j.space()
	return j.pos == len(j.data)
}
