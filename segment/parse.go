package segment

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// The webhook decodes every message once, into the decoded JSON the rest of
// the emulator reads (map[string]any, []any, string, json.Number, bool,
// nil), and that decode is most of a webhook's cost. encoding/json's
// Decoder copies the body into a buffer of its own, scans each value twice
// (once to find its end, once to build it) and grows every map from empty;
// parseObject reads the body where it is, in one pass, builds each object
// at its final size, and shares one string for the keys every Segment
// message repeats. What it builds is what encoding/json with UseNumber
// builds (FuzzParse compares the two), numbers keeping every digit as
// json.Number.

// maxParseDepth bounds the recursion as encoding/json does (its limit is
// 10,000), so that no body can exhaust the stack.
const maxParseDepth = 10000

// parser reads one JSON text. data must be valid UTF-8 (Decode checks).
type parser struct {
	data  []byte
	pos   int
	depth int
	// limit is the deepest nesting allowed (maxParseDepth when zero); past
	// a message's limit the error names topKey, the top-level member being
	// read.
	limit  int
	topKey string
	// uniqueTop refuses a key given twice at the top level (a message's).
	uniqueTop bool
	// packObjects reads a message's context, traits and properties into Objects,
	// without maps.
	packObjects bool
	// lastTop is the last string value read at the message's top level.
	lastTop any
	// pairs is a stack of the members of the objects being read: an object
	// is made once its members are known, at its final size.
	pairs []member
	items []any // the same for arrays
}

type member struct {
	key   string
	value any
}

// parseObject decodes data, which must hold one JSON object and nothing
// else but white space. A JSON null gives a nil map and no error, as
// encoding/json does; another value is an error.
func parseObject(data []byte) (map[string]any, error) {
	return (&parser{data: data}).top()
}

// parseMessage is parseObject with a message's nesting limit (MaxDepth):
// past it, the error is a *Error naming the top-level field.
func parseMessage(data []byte) (map[string]any, error) {
	s := stacks.Get().(*parseStacks)
	p := parser{data: data, limit: MaxDepth, uniqueTop: true, packObjects: true, pairs: s.pairs, items: s.items}
	m, err := p.top()
	// A refused body leaves members on the stacks: drop them for the
	// collector (what was read in full is gone already).
	clear(p.pairs)
	clear(p.items)
	if cap(p.pairs) <= maxStack && cap(p.items) <= maxStack {
		s.pairs, s.items = p.pairs[:0], p.items[:0]
		stacks.Put(s)
	}
	return m, err
}

// stacks keeps the parser's stacks from one message to the next: grown
// from nothing for every message, they were a tenth of the bytes a
// webhook allocated (#18).
var stacks = sync.Pool{New: func() any { return new(parseStacks) }}

type parseStacks struct {
	pairs []member
	items []any
}

// maxStack is the most members or items a pooled stack keeps room for.
const maxStack = 1024

func (p *parser) top() (map[string]any, error) {
	p.space()
	if p.pos == len(p.data) {
		return nil, p.errorf("unexpected end of JSON input")
	}
	if p.data[p.pos] != '{' {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if v != nil {
			return nil, fmt.Errorf("found a JSON %s", jsonKindName(v))
		}
		return nil, p.end()
	}
	obj, err := p.object()
	if err != nil {
		return nil, err
	}
	return obj, p.end()
}

// end refuses anything but white space after the value.
func (p *parser) end() error {
	p.space()
	if p.pos < len(p.data) {
		return errMoreValues
	}
	return nil
}

// errMoreValues is what follows a complete value other than white space.
var errMoreValues = errors.New("more than one JSON value")

func (p *parser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// syntaxError is a malformed body, worded as encoding/json words it.
type syntaxError struct {
	msg    string
	offset int
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at byte %d", e.msg, e.offset) }

func (p *parser) errorf(format string, args ...any) error {
	return &syntaxError{msg: fmt.Sprintf(format, args...), offset: p.pos}
}

// unexpected describes the byte at pos, or the end of the input.
func (p *parser) unexpected(context string) error {
	if p.pos >= len(p.data) {
		return p.errorf("unexpected end of JSON input")
	}
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	return p.errorf("invalid character %s %s", quoteChar(r), context)
}

// quoteChar formats a character as encoding/json's errors do.
func quoteChar(r rune) string {
	switch r {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(r))
	return "'" + s[1:len(s)-1] + "'"
}

func (p *parser) value() (any, error) {
	if p.pos >= len(p.data) {
		return nil, p.unexpected("looking for beginning of value")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		m, err := p.object()
		if err != nil {
			return nil, err
		}
		return m, nil
	case c == '[':
		return p.array()
	case c == '"' && p.packObjects && p.depth == 1:
		return p.topString()
	case c == '"':
		return p.str(false)
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, p.unexpected("looking for beginning of value")
}

func (p *parser) literal(word string) error {
	for i := 0; i < len(word); i++ {
		if p.pos >= len(p.data) || p.data[p.pos] != word[i] {
			return p.unexpected("in literal " + word + " (expecting " + quoteChar(rune(word[i])) + ")")
		}
		p.pos++
	}
	return nil
}

func (p *parser) nest() error {
	p.depth++
	switch {
	case p.limit > 0 && p.depth > p.limit:
		return depthError(p.topKey)
	case p.depth > maxParseDepth:
		return p.errorf("exceeded max depth")
	}
	return nil
}

// object reads an object; pos is at its '{'.
func (p *parser) object() (map[string]any, error) {
	if err := p.nest(); err != nil {
		return nil, err
	}
	p.pos++
	base := len(p.pairs)
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return map[string]any{}, nil
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.unexpected("looking for beginning of object key string")
		}
		k, err := p.str(true)
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.unexpected("after object key")
		}
		p.pos++
		p.space()
		if p.depth == 1 {
			p.topKey = k
		}
		var v any
		if p.depth == 1 && p.packObjects && (k == "context" || k == "properties" || k == "traits") {
			v, err = p.packed(k == "context")
		} else {
			v, err = p.value()
		}
		if err != nil {
			return nil, err
		}
		p.pairs = append(p.pairs, member{k, v})
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.unexpected("after object key:value pair")
		}
		if c := p.data[p.pos]; c == '}' {
			p.pos++
			break
		} else if c != ',' {
			return nil, p.unexpected("after object key:value pair")
		}
		p.pos++
	}
	members := p.pairs[base:]
	m := make(map[string]any, len(members))
	for _, kv := range members {
		if _, dup := m[kv.key]; dup && p.depth == 1 && p.uniqueTop {
			// At the message's top level a repeated key is refused: the
			// last one winning would apply {"type":"track","type":"alias"}
			// as an alias (#13). Deeper, the last one wins, as in
			// encoding/json.
			return nil, &Error{Field: kv.key, Reason: "is given twice at the top level of the message; JSON keys must be unique"}
		}
		m[kv.key] = kv.value
	}
	clear(members) // drop the references for the collector
	p.pairs = p.pairs[:base]
	p.depth--
	return m, nil
}

// packed reads the value at pos as value does, but an object into an
// Object. A message's context is mostly what an analytics library adds
// (library, page, screen, campaign...), of which a destination reads a
// member or two, and decoded into maps it was a third of a webhook's
// allocations; its properties and traits are what destinations store,
// packed, and read a member at a time (Object.Members). The
// packer writes an object in one pass without maps; asWritten keeps its
// members in the order they came (for the context: sorting them cost as
// much as the rest, and a context is read, never written out again). What
// the packer refuses, value reads again, to say why as the parser says it.
func (p *parser) packed(asWritten bool) (any, error) {
	if p.pos >= len(p.data) || p.data[p.pos] != '{' {
		return p.value()
	}
	limit := p.limit
	if limit == 0 {
		limit = maxParseDepth
	}
	j := jsonPacker{packer: getPacker(), data: p.data, pos: p.pos, depth: p.depth, limit: limit, asWritten: asWritten}
	ok := j.object()
	raw := j.packed()
	if !ok {
		return p.value()
	}
	p.pos = j.pos
	return Object{raw: raw}, nil
}

// topString reads a string value at the message's top level; pos is at
// its quote. A call type or a channel is one of commonValues, and a string
// given again is the value read before (timestamp, sentAt, receivedAt and
// originalTimestamp are often one instant), neither allocated again.
func (p *parser) topString() (any, error) {
	end := p.pos + 1
	for end < len(p.data) && !stringStop[p.data[end]] {
		end++
	}
	if end < len(p.data) && p.data[end] == '"' {
		raw := p.data[p.pos+1 : end]
		if v, ok := commonValues[string(raw)]; ok { // no allocation
			p.pos = end + 1
			return v, nil
		}
		if last, ok := p.lastTop.(string); ok && last == string(raw) {
			p.pos = end + 1
			return p.lastTop, nil
		}
	}
	s, err := p.str(false)
	if err != nil {
		return nil, err
	}
	p.lastTop = s
	return p.lastTop, nil
}

// commonValues holds, boxed once, the string values every message repeats
// at its top level. It is read-only after start-up.
var commonValues = func() map[string]any {
	m := map[string]any{}
	for _, v := range []string{"identify", "track", "page", "screen", "group", "alias", "browser", "server", "mobile"} {
		m[v] = v
	}
	return m
}()

// array reads an array; pos is at its '['.
func (p *parser) array() ([]any, error) {
	if err := p.nest(); err != nil {
		return nil, err
	}
	p.pos++
	base := len(p.items)
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return []any{}, nil
	}
	for {
		p.space()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		p.items = append(p.items, v)
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.unexpected("after array element")
		}
		if c := p.data[p.pos]; c == ']' {
			p.pos++
			break
		} else if c != ',' {
			return nil, p.unexpected("after array element")
		}
		p.pos++
	}
	out := make([]any, len(p.items)-base)
	copy(out, p.items[base:])
	clear(p.items[base:])
	p.items = p.items[:base]
	p.depth--
	return out, nil
}

// number reads a number literal as json.Number, checking its grammar.
func (p *parser) number() (json.Number, error) {
	end, bad := numberEnd(p.data, p.pos)
	if bad != "" {
		p.pos = end
		return "", p.unexpected(bad)
	}
	n := json.Number(p.data[p.pos:end])
	p.pos = end
	return n, nil
}

// numberEnd returns where the number literal at d[i] ends or, if it breaks
// JSON's grammar, where it does and the context of the parser's error.
func numberEnd[T string | []byte](d T, i int) (end int, bad string) {
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case digits() == 0:
		return i, "in numeric literal"
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			return i, "after decimal point in numeric literal"
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			return i, "in exponent of numeric literal"
		}
	}
	return i, ""
}

// str reads a string; pos is at its opening quote. Keys are looked up among
// the names every message repeats, so that they are not allocated again.
func (p *parser) str(key bool) (string, error) {
	p.pos++
	start := p.pos
	for i := start; i < len(p.data); i++ {
		switch c := p.data[i]; {
		case c == '"':
			p.pos = i + 1
			raw := p.data[start:i]
			if key {
				if s, ok := commonKeys[string(raw)]; ok { // no allocation
					return s, nil
				}
			}
			return string(raw), nil
		case c == '\\':
			return p.unquote(start, i)
		case c < 0x20:
			p.pos = i
			return "", p.unexpected("in string literal")
		}
	}
	p.pos = len(p.data)
	return "", p.unexpected("in string literal")
}

// unquote finishes a string holding escapes: start is its first byte, i
// the first backslash. Lone surrogates become U+FFFD, as in encoding/json.
func (p *parser) unquote(start, i int) (string, error) {
	d := p.data
	buf := make([]byte, 0, i-start+16)
	buf = append(buf, d[start:i]...)
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return string(buf), nil
		case c < 0x20:
			p.pos = i
			return "", p.unexpected("in string literal")
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		i++ // past the backslash
		if i >= len(d) {
			break
		}
		switch e := d[i]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(d, i+1)
			if !ok {
				p.pos = i + 1
				for k := 0; k < 4 && p.pos < len(d) && isHex(d[p.pos]); k++ {
					p.pos++
				}
				return "", p.unexpected("in \\u hexadecimal character escape")
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok2 := rune(0), false
				if i+2 < len(d) && d[i+1] == '\\' && d[i+2] == 'u' {
					r2, ok2 = hex4(d, i+3)
				}
				if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			p.pos = i
			return "", p.unexpected("in string escape code")
		}
		i++
	}
	p.pos = len(d)
	return "", p.unexpected("in string literal")
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// jsonKindName names a decoded value's JSON type for an error.
func jsonKindName(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	}
	return "value"
}

// commonKeys holds the member names of the Spec and of what analytics
// libraries send in context, shared by every message that uses them. It is
// read-only after start-up.
var commonKeys = func() map[string]string {
	names := []string{
		// the Spec's common fields and call fields
		"type", "userId", "anonymousId", "messageId", "timestamp", "sentAt", "receivedAt",
		"originalTimestamp", "integrations", "version", "channel", "context", "traits",
		"properties", "event", "name", "category", "groupId", "previousId", "projectId", "writeKey",
		"All",
		// context
		"active", "app", "build", "namespace", "campaign", "source", "medium", "term", "content",
		"device", "id", "advertisingId", "adTrackingEnabled", "manufacturer", "model", "token",
		"ip", "library", "locale", "location", "city", "country", "latitude", "longitude", "speed",
		"network", "bluetooth", "carrier", "cellular", "wifi", "os", "page", "path", "referrer",
		"search", "title", "url", "referrer", "screen", "width", "height", "density", "timezone",
		"userAgent", "userAgentData", "brands", "mobile", "platform", "groupId", "instanceId",
		// identify and group traits
		"address", "street", "state", "postalCode", "age", "avatar", "birthday", "company",
		"createdAt", "description", "email", "employees", "firstName", "lastName", "gender",
		"industry", "phone", "plan", "username", "website", "logins",
		// e-commerce properties
		"checkout_id", "order_id", "affiliation", "total", "subtotal", "revenue", "shipping", "tax",
		"discount", "coupon", "currency", "products", "product_id", "sku", "price", "quantity",
		"value", "position", "brand", "variant", "image_url",
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = n
	}
	return m
}()
