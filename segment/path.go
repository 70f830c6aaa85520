package segment

import (
	"fmt"
	"strings"
	"unicode"
)

// Path points into a message, as Startdeliver-v2's settings do (S2-4):
// names joined by dots, or bracketed and quoted when a name holds dots,
// spaces or brackets:
//
//	userId
//	properties.myCustomField
//	context.traits.accountId
//	properties['Field With Space']
//	properties["a.b"].inner
//	properties.products[0].sku
//
// Inside quotes a backslash escapes the next character. The seed's paths
// are JavaScript's, and so is an index: a name of digits picks that element
// of an array (products[0]), and names the key "0" of an object.
type Path []string

// String writes the path back in its canonical form: plain names joined by
// dots, indexes in brackets, other names bracketed in single quotes.
func (p Path) String() string {
	var b strings.Builder
	for i, name := range p {
		if _, ok := index(name); ok && i > 0 {
			b.WriteString("[" + name + "]")
			continue
		}
		if plainName(name) {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(name)
			continue
		}
		b.WriteString("['")
		b.WriteString(strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name))
		b.WriteString("']")
	}
	return b.String()
}

func plainName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' && r != '$' {
			return false
		}
	}
	return true
}

// ParsePath parses the path language. It never panics; a malformed path is
// an error that says where it went wrong.
func ParsePath(s string) (Path, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty path")
	}
	// A name at most per '.' or '[' and one more: one allocation.
	p := make(Path, 0, 1+strings.Count(s, ".")+strings.Count(s, "["))
	i := 0
	for i < len(s) {
		switch c := s[i]; {
		case c == '[':
			name, next, err := parseBracket(s, i)
			if err != nil {
				return nil, err
			}
			p = append(p, name)
			i = next
		case c == '.':
			if len(p) == 0 || i+1 >= len(s) || s[i+1] == '.' || s[i+1] == '[' {
				return nil, fmt.Errorf("path %q: misplaced '.' at offset %d", s, i)
			}
			i++
		case c == ']' || c == '\'' || c == '"':
			return nil, fmt.Errorf("path %q: unexpected %q at offset %d", s, c, i)
		default:
			if len(p) > 0 && s[i-1] != '.' {
				return nil, fmt.Errorf("path %q: expected '.' or '[' at offset %d", s, i)
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' && s[j] != ']' && s[j] != '\'' && s[j] != '"' {
				j++
			}
			name := strings.TrimSpace(s[i:j])
			if name == "" {
				return nil, fmt.Errorf("path %q: empty name at offset %d", s, i)
			}
			p = append(p, name)
			i = j
		}
	}
	return p, nil
}

// parseBracket reads ['name'], ["name"] or [name] starting at s[i] == '['.
func parseBracket(s string, i int) (string, int, error) {
	i++ // past '['
	if i >= len(s) {
		return "", 0, fmt.Errorf("path %q: unclosed '['", s)
	}
	q := s[i]
	if q != '\'' && q != '"' {
		end := strings.IndexByte(s[i:], ']')
		if end <= 0 {
			return "", 0, fmt.Errorf("path %q: unclosed or empty '[' at offset %d", s, i-1)
		}
		return s[i : i+end], i + end + 1, nil
	}
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if j+1 >= len(s) {
				return "", 0, fmt.Errorf("path %q: dangling '\\'", s)
			}
			j++
			b.WriteByte(s[j])
		case q:
			if j+1 >= len(s) || s[j+1] != ']' {
				return "", 0, fmt.Errorf("path %q: expected ']' after closing quote at offset %d", s, j)
			}
			return b.String(), j + 2, nil
		default:
			b.WriteByte(s[j])
		}
	}
	return "", 0, fmt.Errorf("path %q: unclosed quote at offset %d", s, i)
}

// Lookup follows the path through nested objects and arrays. Each name is
// matched exactly first, then case-insensitively (G-9); in an array a name
// of digits is an index, from 0 (S2-4).
func (p Path) Lookup(obj map[string]any) (any, bool) {
	var cur any = obj
	for _, name := range p {
		switch c := cur.(type) {
		case map[string]any:
			var ok bool
			if cur, ok = Get(c, name); !ok {
				return nil, false
			}
		case Object: // a message's context
			var ok bool
			if cur, ok = c.Get(name); !ok {
				return nil, false
			}
		case []any:
			i, ok := index(name)
			if !ok || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, len(p) > 0
}

// index reads a name that is an array index as JavaScript writes one:
// digits, without a leading zero unless it is 0.
func index(name string) (int, bool) {
	if name == "" || len(name) > 9 || (name[0] == '0' && len(name) > 1) {
		return 0, false
	}
	n := 0
	for i := 0; i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			return 0, false
		}
		n = n*10 + int(name[i]-'0')
	}
	return n, true
}

// Lookup follows a path from the message root; a missing value or JSON null
// is not found.
func (m *Message) Lookup(p Path) (any, bool) {
	v, ok := p.Lookup(m.Raw)
	if o, isObject := v.(Object); isObject {
		v = o.Map() // the context itself, as decoded JSON
	}
	return v, ok && v != nil
}
