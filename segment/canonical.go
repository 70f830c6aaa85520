package segment

import (
	"bytes"
	"unicode/utf8"
)

// canonical reports whether data is already what NewObject writes for the
// object it holds: one compact object, members in strictly ascending key
// order at every level, strings with no escape and no character that
// AppendString escapes, numbers as the parser keeps them. A state file or
// snapshot that destemu wrote holds its objects so, and UnmarshalJSON then
// keeps their bytes instead of decoding and encoding them again: most of
// what loading a million stored events cost. Anything else (an escape, a
// space, keys out of order, a nesting deeper than the parser's limit)
// answers false, and takes the decoding path, which checks it.
func canonical(data []byte) bool {
	c := canon{data: data}
	return c.object(1) && c.pos == len(data)
}

// canon walks a JSON text for canonical.
type canon struct {
	data []byte
	pos  int
}

func (c *canon) next() byte {
	if c.pos < len(c.data) {
		return c.data[c.pos]
	}
	return 0
}

func (c *canon) value(depth int) bool {
	switch c.next() {
	case '{':
		return c.object(depth + 1)
	case '[':
		return c.array(depth + 1)
	case '"':
		_, ok := c.str()
		return ok
	case 't':
		return c.word("true")
	case 'f':
		return c.word("false")
	case 'n':
		return c.word("null")
	}
	return c.number()
}

func (c *canon) object(depth int) bool {
	if depth > maxParseDepth || c.next() != '{' {
		return false
	}
	c.pos++
	if c.next() == '}' {
		c.pos++
		return true
	}
	var prev []byte
	for first := true; ; first = false {
		key, ok := c.str()
		if !ok || !first && bytes.Compare(prev, key) >= 0 || c.next() != ':' {
			return false
		}
		prev = key
		c.pos++
		if !c.value(depth) {
			return false
		}
		switch c.next() {
		case ',':
			c.pos++
		case '}':
			c.pos++
			return true
		default:
			return false
		}
	}
}

func (c *canon) array(depth int) bool {
	if depth > maxParseDepth {
		return false
	}
	c.pos++ // the '['
	if c.next() == ']' {
		c.pos++
		return true
	}
	for {
		if !c.value(depth) {
			return false
		}
		switch c.next() {
		case ',':
			c.pos++
		case ']':
			c.pos++
			return true
		default:
			return false
		}
	}
}

// str reads a string that AppendString would write byte for byte, and
// returns its content.
func (c *canon) str() ([]byte, bool) {
	if c.next() != '"' {
		return nil, false
	}
	start := c.pos + 1
	for i := start; i < len(c.data); {
		b := c.data[i]
		switch {
		case b == '"':
			c.pos = i + 1
			return c.data[start:i], true
		case b < 0x20 || b == '\\' || b == '<' || b == '>' || b == '&':
			return nil, false
		case b < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(c.data[i:])
			if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
				return nil, false
			}
			i += size
		}
	}
	return nil, false
}

func (c *canon) word(w string) bool {
	if !bytes.HasPrefix(c.data[c.pos:], []byte(w)) {
		return false
	}
	c.pos += len(w)
	return true
}

// number reads a JSON number, as the parser reads one.
func (c *canon) number() bool {
	if c.next() != '-' && (c.next() < '0' || c.next() > '9') {
		return false
	}
	end, bad := numberEnd(c.data, c.pos)
	if bad != "" {
		return false
	}
	c.pos = end
	return true
}
