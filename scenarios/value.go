package scenarios

import (
	"fmt"
	"math"
	"strings"

	"gopkg.in/yaml.v3"
)

// Value is a YAML value kept as written (key order, style) that becomes
// JSON when the scenario runs: a message, settings, a config, a request
// body, a pattern to match.
type Value struct{ node *yaml.Node }

// ValueOf makes a Value of a Go value, for scenarios built in Go.
func ValueOf(x any) (Value, error) {
	var n yaml.Node
	if err := n.Encode(x); err != nil {
		return Value{}, err
	}
	return Value{node: &n}, nil
}

// IsZero reports whether the value was left out.
func (v Value) IsZero() bool { return v.node == nil }

// MarshalYAML prints the value as it was written.
func (v Value) MarshalYAML() (any, error) { return v.node, nil }

// Node returns the YAML node (nil when the value was left out).
func (v Value) Node() *yaml.Node { return v.node }

// Interface returns the value as encoding/json would decode its JSON:
// objects are map[string]any, arrays []any, numbers int64 or float64.
func (v Value) Interface() (any, error) {
	if v.node == nil {
		return nil, nil
	}
	return toJSON(v.node)
}

// toJSON converts a YAML node to a JSON-able value. Scalars follow their
// resolved YAML tag, except timestamps, which stay the text written (JSON
// has no time type, and RFC 3339 text is what Segment sends).
func toJSON(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toJSON(n.Content[0])
	case yaml.AliasNode:
		return toJSON(n.Alias)
	case yaml.ScalarNode:
		return scalarJSON(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := toJSON(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		n, err := merged(n)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, lineError(k, "a key must be a plain string (JSON has no other keys)")
			}
			if _, dup := out[k.Value]; dup {
				return nil, lineError(k, "key %q is given twice", k.Value)
			}
			v, err := toJSON(val)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	}
	return nil, lineError(n, "unsupported YAML node")
}

// merged returns a mapping with its YAML merge keys ("<<: *defaults")
// resolved: the mapping's own keys win over merged ones, and an earlier
// merged mapping over a later one, as YAML says.
func merged(n *yaml.Node) (*yaml.Node, *Error) {
	n = alias(n)
	if n.Kind != yaml.MappingNode {
		return n, nil
	}
	var sources []*yaml.Node
	own := make([]*yaml.Node, 0, len(n.Content))
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!merge" {
			own = append(own, k, v)
			continue
		}
		switch v = alias(v); v.Kind {
		case yaml.MappingNode:
			sources = append(sources, v)
		case yaml.SequenceNode:
			for _, item := range v.Content {
				sources = append(sources, alias(item))
			}
		default:
			return nil, lineError(v, "a merge key \"<<\" takes a mapping or a list of mappings, not %s", describe(v))
		}
	}
	if len(sources) == 0 {
		return n, nil
	}
	out := *n
	out.Content = own
	seen := make(map[string]bool, len(own)/2)
	for i := 0; i < len(own); i += 2 {
		seen[own[i].Value] = true
	}
	for _, src := range sources {
		if src.Kind != yaml.MappingNode {
			return nil, lineError(src, "a merge key \"<<\" takes mappings, not %s", describe(src))
		}
		src, err := merged(src)
		if err != nil {
			return nil, err
		}
		for i := 0; i+1 < len(src.Content); i += 2 {
			if k := src.Content[i]; !seen[k.Value] {
				seen[k.Value] = true
				out.Content = append(out.Content, k, src.Content[i+1])
			}
		}
	}
	return &out, nil
}

func scalarJSON(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, lineError(n, "%s", err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, lineError(n, "%q is not a number JSON can hold", n.Value)
		}
		return f, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, lineError(n, "%q is not a number JSON can hold", n.Value)
		}
		return f, nil
	}
	return n.Value, nil
}

// lineError is an error at a node, completed with the file by the parser.
func lineError(n *yaml.Node, format string, args ...any) *Error {
	return &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)}
}

// expand replaces the variables of every string in v (map values and
// array elements; keys stay as written).
func expand(v any, vars func(string) string) any {
	switch x := v.(type) {
	case string:
		return vars(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = expand(e, vars)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = expand(e, vars)
		}
		return out
	}
	return v
}

// Variables a scenario's strings may hold; Run expands them.
const (
	// VarNamespace is the run's namespace.
	VarNamespace = "${namespace}"
	// varKey starts "${key:NAME}", the value key NAME is sent as.
	varKey = "${key:"
)

// expandVars expands ${namespace} and ${key:NAME} in s.
func expandVars(s, namespace string, key func(string) string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	s = strings.ReplaceAll(s, VarNamespace, namespace)
	var b strings.Builder
	for {
		i := strings.Index(s, varKey)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(key(s[i+len(varKey) : i+j]))
		s = s[i+j+1:]
	}
}
