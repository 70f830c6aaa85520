package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/destemu/destemu/clock"
)

// ParseFile reads and parses a scenario file.
func ParseFile(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses a scenario written in YAML (or JSON, which YAML reads too).
// name is what errors and reports call the file. Every problem found is
// reported, each with its line and what was expected there, as Errors.
func Parse(name string, data []byte) (*Scenario, error) {
	p := &parser{file: name}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errs = append(p.errs, &Error{File: name, Line: 1, Msg: "the file is empty: want a scenario with a name and steps"})
		} else {
			p.errs = append(p.errs, yamlError(name, data, err))
		}
		return nil, p.errs
	}
	var more yaml.Node
	if err := dec.Decode(&more); err == nil {
		p.errf(&more, "a file holds one scenario: a second YAML document starts here")
	}
	s := p.scenario(doc.Content[0])
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
		return nil, p.errs
	}
	s.File = name
	return s, nil
}

var (
	yamlLine   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// yamlError turns a YAML syntax error into an Error with its line.
func yamlError(file string, data []byte, err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if strings.HasPrefix(m[2], "did not find expected") {
			// yaml.v3 gives these parser errors the line, counted from 0,
			// of the block or flow collection being parsed.
			line++
		}
		if strings.Contains(m[2], "tab character") {
			// yaml.v3 names the line before the tab; find the tab itself.
			return &Error{File: file, Line: tabLine(data, line), Msg: "not valid YAML: a tab in the indentation (YAML indents with spaces only)"}
		}
		return &Error{File: file, Line: line, Msg: "not valid YAML: " + m[2]}
	}
	if m := yamlAnchor.FindStringSubmatch(msg); m != nil {
		// yaml.v3 names no line: the first alias of that name is it.
		for i, l := range strings.Split(string(data), "\n") {
			if strings.Contains(l, "*"+m[1]) {
				return &Error{File: file, Line: i + 1, Msg: fmt.Sprintf("not valid YAML: alias *%s names no anchor &%s before it", m[1], m[1])}
			}
		}
	}
	return &Error{File: file, Msg: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// tabLine returns the first line from line on (counted from 1) whose
// indentation holds a tab, or line when none does.
func tabLine(data []byte, line int) int {
	lines := strings.Split(string(data), "\n")
	for i := max(line-1, 0); i < len(lines); i++ {
		indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " \t"))]
		if strings.Contains(indent, "\t") {
			return i + 1
		}
	}
	return line
}

// parser walks the YAML nodes, collecting every error with its line.
type parser struct {
	file string
	errs Errors
	// keys are the setup keys by destination, for key steps that leave
	// out the account.
	keys map[string]map[string]string // destination → key → account
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// field is one key of a mapping and its value.
type field struct{ key, val *yaml.Node }

// fields is a mapping's fields by name.
type fields map[string]field

func (f fields) has(name string) bool { _, ok := f[name]; return ok }

// mentioned reports whether the field is present, or an unknown field looks
// like a misspelling of it: the misspelling is reported, so "missing field"
// would only repeat it.
func (f fields) mentioned(name string) bool { return f.has(name) || f.has(misspelt+name) }

// oneOf reads a choice between two fields that exclude each other: it
// answers the one the mapping has, or "" when it has neither, or both (an
// error at b: give a or b, not both; the hints say what each one is).
func (p *parser) oneOf(f fields, what, a, aHint, b, bHint string) string {
	switch {
	case f.has(a) && f.has(b):
		p.errf(f[b].key, "%s: give %q%s or %q%s, not both", what, a, aHint, b, bHint)
	case f.has(a):
		return a
	case f.has(b):
		return b
	}
	return ""
}

// misspelt prefixes the fields an unknown key seems to misspell.
const misspelt = "?"

// mapping reads a mapping whose keys must be among allowed; an unknown key
// is an error that lists what is allowed. It returns nil (and reports)
// when n is not a mapping.
func (p *parser) mapping(n *yaml.Node, what string, allowed []string) fields {
	n, err := merged(n)
	if err != nil {
		err.File = p.file
		p.errs = append(p.errs, err)
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errf(n, "%s: want a mapping with the fields %s, got %s", what, oneOf(allowed), describe(n))
		return nil
	}
	out := make(fields, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errf(k, "%s: a field name must be a plain string", what)
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.errf(k, "%s: field %q is given twice", what, k.Value)
			continue
		}
		if !slices.Contains(allowed, k.Value) {
			p.errf(k, "%s: unknown field %q (want %s%s)", what, k.Value, oneOf(allowed), hint(k.Value, allowed))
			if near := closest(k.Value, allowed); near != "" {
				out[misspelt+near] = field{k, v}
			}
			continue
		}
		out[k.Value] = field{k, v}
	}
	return out
}

// require reports the fields that must be present and are not.
func (p *parser) require(n *yaml.Node, f fields, what string, names ...string) bool {
	ok := true
	for _, name := range names {
		if f != nil && !f.mentioned(name) {
			p.errf(n, "%s: missing field %q", what, name)
			ok = false
		}
	}
	return ok
}

// deref follows aliases and documents to the node that holds the value,
// and resolves the merge keys of a mapping (a broken merge is reported by
// mapping and toJSON, which call merged themselves).
func deref(n *yaml.Node) *yaml.Node {
	n = alias(n)
	if n.Kind == yaml.MappingNode {
		if m, err := merged(n); err == nil {
			return m
		}
	}
	return n
}

// alias follows aliases and documents.
func alias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return alias(n.Content[0])
	}
	return n
}

// describe names a node's kind for messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!bool":
			return "a boolean (" + n.Value + ")"
		case "!!int", "!!float":
			return "a number (" + n.Value + ")"
		}
		return strconv.Quote(n.Value)
	}
	return "something else"
}

// str reads a scalar as text: numbers and timestamps are taken as written.
func (p *parser) str(f field, what string) string {
	n := deref(f.val)
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		p.errf(n, "%s: want a string, got %s", what, describe(n))
		return ""
	}
	return n.Value
}

// nonEmpty reads a string that must not be empty.
func (p *parser) nonEmpty(f field, what string) string {
	s := p.str(f, what)
	if s == "" && deref(f.val).Kind == yaml.ScalarNode && deref(f.val).ShortTag() != "!!null" {
		p.errf(f.val, "%s: must not be empty", what)
	}
	return s
}

func (p *parser) integer(f field, what string, lo, hi int) int {
	n := deref(f.val)
	var i int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		p.errf(n, "%s: want a whole number, got %s", what, describe(n))
		return 0
	}
	if i < lo || i > hi {
		p.errf(n, "%s: want a number from %d to %d, got %d", what, lo, hi, i)
	}
	return i
}

func (p *parser) boolean(f field, what string) bool {
	n := deref(f.val)
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
		p.errf(n, "%s: want true or false, got %s", what, describe(n))
	}
	return b
}

func (p *parser) duration(f field, what string) Duration {
	s := p.str(f, what)
	if s == "" {
		return Duration{}
	}
	d, err := clock.ParseDuration(s)
	if err != nil || d <= 0 {
		p.errf(f.val, "%s: %q is not a positive duration (want Go duration text with optional days: \"90s\", \"10m\", \"24h\", \"7d\", \"1d12h\")", what, s)
		return Duration{}
	}
	return Duration{D: d, Text: s}
}

// value keeps a node as a Value after checking that it converts to JSON;
// object makes it a mapping.
func (p *parser) value(f field, what string, object bool) Value {
	n := deref(f.val)
	if object && n.Kind != yaml.MappingNode {
		p.errf(n, "%s: want a mapping, got %s", what, describe(n))
		return Value{}
	}
	if _, err := toJSON(n); err != nil {
		e := err.(*Error)
		p.errf(&yaml.Node{Line: e.Line, Column: e.Column}, "%s: %s", what, e.Msg)
		return Value{}
	}
	return Value{node: clean(n)}
}

// clean copies a node without its comments and anchors, so a printed
// scenario holds the values alone.
func clean(n *yaml.Node) *yaml.Node {
	n = deref(n)
	c := *n
	c.HeadComment, c.LineComment, c.FootComment, c.Anchor = "", "", "", ""
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, k := range n.Content {
			c.Content[i] = clean(k)
		}
	}
	return &c
}

func (p *parser) stringMap(f field, what string) map[string]string {
	n := deref(f.val)
	if n.Kind != yaml.MappingNode {
		p.errf(n, "%s: want a mapping of names to strings, got %s", what, describe(n))
		return nil
	}
	out := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		out[k.Value] = p.str(field{k, n.Content[i+1]}, what+"."+k.Value)
	}
	return out
}

func (p *parser) list(f field, what string) []*yaml.Node {
	n := deref(f.val)
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "%s: want a list, got %s", what, describe(n))
		return nil
	}
	return n.Content
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// name reads an account id or destination slug: 1 to 64 letters, digits,
// '.', '_' or '-', as the server requires.
func (p *parser) name(f field, what string) string {
	s := p.str(f, what)
	if s != "" && !namePattern.MatchString(s) && !strings.Contains(s, "${") {
		p.errf(f.val, "%s: %q is not a valid name (1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit)", what, s)
	}
	return s
}

var topFields = []string{"name", "description", "requires", "setup", "steps"}

func (p *parser) scenario(n *yaml.Node) *Scenario {
	s := &Scenario{}
	root := deref(n)
	if root.Kind != yaml.MappingNode {
		p.errf(root, "want a scenario: a mapping with the fields %s, got %s", oneOf(topFields), describe(root))
		return s
	}
	// Fields starting with "x-" are the author's own (YAML anchors to
	// reuse, notes); they are skipped.
	own := &yaml.Node{Kind: yaml.MappingNode, Line: root.Line, Column: root.Column}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if !strings.HasPrefix(root.Content[i].Value, "x-") {
			own.Content = append(own.Content, root.Content[i], root.Content[i+1])
		}
	}
	f := p.mapping(own, "scenario", topFields)
	p.require(root, f, "scenario", "name")
	if v, ok := f["name"]; ok {
		s.Name = p.nonEmpty(v, "name")
	}
	if v, ok := f["description"]; ok {
		s.Description = p.str(v, "description")
	}
	if v, ok := f["requires"]; ok {
		s.Requires = p.requires(v)
	}
	if v, ok := f["setup"]; ok {
		s.Setup = p.setup(v)
	}
	if v, ok := f["steps"]; ok {
		for i, sn := range p.list(v, "steps") {
			s.Steps = append(s.Steps, p.step(sn, fmt.Sprintf("steps[%d]", i+1)))
		}
	}
	if f != nil && !f.mentioned("steps") && s.Setup.IsZero() {
		p.errf(root, "scenario: missing field \"steps\" (a scenario with no steps needs a setup)")
	}
	return s
}

func (p *parser) requires(v field) *Requires {
	f := p.mapping(v.val, "requires", []string{"strict"})
	r := &Requires{}
	if x, ok := f["strict"]; ok {
		b := p.boolean(x, "requires.strict")
		r.Strict = &b
	}
	return r
}

func (p *parser) setup(v field) Setup {
	var s Setup
	f := p.mapping(v.val, "setup", []string{"accounts", "sources", "calls"})
	seen := map[[2]string]bool{}
	p.keys = map[string]map[string]string{}
	if x, ok := f["accounts"]; ok {
		for i, an := range p.list(x, "setup.accounts") {
			what := fmt.Sprintf("setup.accounts[%d]", i+1)
			a := p.account(an, what)
			if a.Destination == "" || a.ID == "" {
				s.Accounts = append(s.Accounts, a)
				continue
			}
			if seen[[2]string{a.Destination, a.ID}] {
				p.errf(an, "%s: %s account %q is set up twice", what, a.Destination, a.ID)
			}
			seen[[2]string{a.Destination, a.ID}] = true
			byKey := p.keys[a.Destination]
			if byKey == nil {
				byKey = map[string]string{}
				p.keys[a.Destination] = byKey
			}
			for _, k := range a.Keys {
				if other, dup := byKey[k.Value]; dup {
					p.errf(an, "%s: key %q is already a key of %s account %q (keys are unique per destination)", what, k.Value, a.Destination, other)
				}
				byKey[k.Value] = a.ID
			}
			s.Accounts = append(s.Accounts, a)
		}
	}
	if x, ok := f["sources"]; ok {
		for i, sn := range p.list(x, "setup.sources") {
			s.Sources = append(s.Sources, p.source(sn, fmt.Sprintf("setup.sources[%d]", i+1)))
		}
	}
	if x, ok := f["calls"]; ok {
		for i, cn := range p.list(x, "setup.calls") {
			s.Calls = append(s.Calls, p.call(cn, fmt.Sprintf("setup.calls[%d]", i+1)))
		}
	}
	return s
}

func (p *parser) account(n *yaml.Node, what string) Account {
	a := Account{line: n.Line}
	f := p.mapping(n, what, []string{"destination", "id", "settings", "config", "keys"})
	p.require(n, f, what, "destination", "id")
	if x, ok := f["destination"]; ok {
		a.Destination = p.name(x, what+".destination")
	}
	if x, ok := f["id"]; ok {
		a.ID = p.name(x, what+".id")
	}
	if x, ok := f["settings"]; ok {
		a.Settings = p.value(x, what+".settings", true)
	}
	if x, ok := f["config"]; ok {
		a.Config = p.value(x, what+".config", false)
	}
	if x, ok := f["keys"]; ok {
		seen := map[string]bool{}
		for i, kn := range p.list(x, what+".keys") {
			kw := fmt.Sprintf("%s.keys[%d]", what, i+1)
			k := p.key(kn, kw)
			if seen[k.Value] {
				p.errf(kn, "%s: key %q is given twice", kw, k.Value)
			}
			seen[k.Value] = true
			a.Keys = append(a.Keys, k)
		}
	}
	return a
}

func (p *parser) key(n *yaml.Node, what string) Key {
	if deref(n).Kind == yaml.ScalarNode {
		return Key{Value: p.nonEmpty(field{val: n}, what)}
	}
	var k Key
	f := p.mapping(n, what, []string{"value", "active", "permission"})
	p.require(n, f, what, "value")
	if x, ok := f["value"]; ok {
		k.Value = p.nonEmpty(x, what+".value")
		if strings.Contains(k.Value, ":") {
			p.errf(x.val, "%s: a key cannot hold ':' (it is the Basic-auth user name)", what)
		}
	}
	if x, ok := f["active"]; ok {
		b := p.boolean(x, what+".active")
		k.Active = &b
	}
	if x, ok := f["permission"]; ok {
		k.Permission = p.nonEmpty(x, what+".permission")
	}
	return k
}

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func (p *parser) call(n *yaml.Node, what string) Call {
	c := Call{line: n.Line}
	f := p.mapping(n, what, []string{"method", "path", "query", "body"})
	p.require(n, f, what, "method", "path")
	if x, ok := f["method"]; ok {
		c.Method = strings.ToUpper(p.str(x, what+".method"))
		if c.Method != "" && !slices.Contains(methods, c.Method) {
			p.errf(x.val, "%s.method: %q is not a method (want %s)", what, c.Method, oneOf(methods))
		}
	}
	if x, ok := f["path"]; ok {
		c.Path = p.path(x, what+".path")
	}
	if x, ok := f["query"]; ok {
		c.Query = p.stringMap(x, what+".query")
	}
	if x, ok := f["body"]; ok {
		c.Body = p.value(x, what+".body", false)
	}
	return c
}

func (p *parser) path(f field, what string) string {
	s := p.nonEmpty(f, what)
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "/_emulator/") {
		p.errf(f.val, "%s: %q is not on the control plane (want \"/_emulator/...\" or a path relative to it such as \"promoter/accounts/acme/campaigns\")", what, s)
	}
	if strings.ContainsAny(s, "?#") {
		p.errf(f.val, "%s: put query parameters in \"query\", not in the path", what)
	}
	return s
}

func (p *parser) step(n *yaml.Node, what string) Step {
	st := Step{Line: n.Line}
	kinds := Kinds()
	allowed := append([]string{"name", "expect"}, kinds...)
	n = deref(n)
	if p.dedented(n, what, allowed) {
		return st
	}
	if n.Kind == yaml.MappingNode {
		// An unknown key of a step is most often a misspelt step kind.
		known := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode && !slices.Contains(allowed, k.Value) {
				p.errf(k, "%s: unknown step kind %q (want one of %s%s)", what, k.Value, oneOf(kinds), hint(k.Value, allowed))
				continue
			}
			known.Content = append(known.Content, n.Content[i], n.Content[i+1])
		}
		if len(known.Content) < len(n.Content) {
			if len(known.Content) == 0 || !hasAny(known, kinds) {
				return st
			}
		}
		n = known
	}
	f := p.mapping(n, what, allowed)
	if f == nil {
		return st
	}
	var present []string
	for _, k := range kinds {
		if f.has(k) {
			present = append(present, k)
		}
	}
	switch len(present) {
	case 0:
		p.errf(n, "%s: missing the step kind: want one of %s", what, oneOf(kinds))
		return st
	case 1:
	default:
		sort.Slice(present, func(i, j int) bool {
			return f[present[i]].key.Line < f[present[j]].key.Line ||
				(f[present[i]].key.Line == f[present[j]].key.Line && f[present[i]].key.Column < f[present[j]].key.Column)
		})
		p.errf(f[present[1]].key, "%s: a step does one thing; it has both %q and %q (split it in two steps)", what, present[0], present[1])
		return st
	}
	kind := present[0]
	kw := what + "." + kind
	x := f[kind]
	if v, ok := f["name"]; ok {
		st.Name = p.str(v, what+".name")
	}
	switch kind {
	case KindSend:
		st.Send = p.send(x.val, kw)
	case KindCall:
		c := p.call(x.val, kw)
		st.Call = &c
	case KindAssert:
		st.Assert = p.assert(x.val, kw)
	case KindWait:
		st.Wait = p.wait(x.val, kw)
	case KindClock:
		st.Clock = p.clock(x.val, kw)
	case KindRevoke:
		st.Revoke = p.keyRef(x.val, kw)
	case KindActivate:
		st.Activate = p.keyRef(x.val, kw)
	case KindDeactivate:
		st.Deactivate = p.keyRef(x.val, kw)
	case KindFault:
		st.Fault = p.fault(x.val, kw)
	case KindSource:
		st.Source = p.sourceSend(x.val, kw)
	}
	if v, ok := f["expect"]; ok {
		if kind != KindSend && kind != KindCall && kind != KindSource {
			p.errf(v.key, "%s: \"expect\" checks the answer of a send or a call, not of a %s step", what, kind)
		} else {
			st.Expect = p.expect(v.val, what+".expect", st.Send)
		}
	}
	return st
}

// dedented reports (once, at the step kind's line) a step kind with no
// value followed by keys that are not a step's: its fields, written as
// deep as the kind itself instead of under it,
//
//   - send:
//     destination: promoter
//
// which would otherwise read as an empty send and a run of unknown step
// kinds.
func (p *parser) dedented(n *yaml.Node, what string, allowed []string) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	var kind *yaml.Node
	var stray []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case slices.Contains(Kinds(), k.Value) && v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			kind = k
		case kind != nil && !slices.Contains(allowed, k.Value):
			stray = append(stray, k.Value)
		}
	}
	if kind == nil || len(stray) == 0 {
		return false
	}
	verb, pronoun := "are", "them"
	if len(stray) == 1 {
		verb, pronoun = "is", "it"
	}
	list := strings.Join(stray, ", ")
	if len(stray) > 1 {
		list = strings.Join(stray[:len(stray)-1], ", ") + " and " + stray[len(stray)-1]
	}
	p.errf(kind, "%s.%s is empty, and %s after it %s indented as deep as %q itself: indent %s under it (two more spaces)",
		what, kind.Value, list, verb, kind.Value+":", pronoun)
	return true
}

// hasAny reports whether the mapping has one of the keys.
func hasAny(n *yaml.Node, keys []string) bool {
	for i := 0; i < len(n.Content); i += 2 {
		if slices.Contains(keys, n.Content[i].Value) {
			return true
		}
	}
	return false
}

var sendFields = []string{"destination", "key", "password", "authorization", "settings", "settingsHeader",
	"headers", "message", "body", "padTo", "repeat", "parallel"}

func (p *parser) send(n *yaml.Node, what string) *Send {
	s := &Send{destLine: n.Line}
	f := p.mapping(n, what, sendFields)
	if f == nil {
		return s
	}
	p.require(n, f, what, "destination")
	if x, ok := f["destination"]; ok {
		s.Destination = p.name(x, what+".destination")
		s.destLine = x.val.Line
	}
	switch p.oneOf(f, what, "key", " (sent as Basic auth)", "authorization", " (the header as written)") {
	case "key":
		s.Key = p.nonEmpty(f["key"], what+".key")
		if strings.Contains(s.Key, ":") {
			p.errf(f["key"].val, "%s.key: a key cannot hold ':' (it is the Basic-auth user name)", what)
		}
	case "authorization":
		a := p.str(f["authorization"], what+".authorization")
		s.Authorization = &a
	case "":
		if !f.mentioned("key") && !f.mentioned("authorization") {
			p.errf(n, "%s: missing field \"key\" (the API key Segment sends as the Basic-auth user name; or \"authorization\": \"\" to send no Authorization header)", what)
		}
	}
	if x, ok := f["password"]; ok {
		if !f.has("key") {
			p.errf(x.key, "%s: \"password\" goes with \"key\"", what)
		}
		s.Password = p.str(x, what+".password")
	}
	p.oneOf(f, what, "settings", " (encoded as Segment does)", "settingsHeader", " (as written)")
	if x, ok := f["settings"]; ok {
		s.Settings = p.value(x, what+".settings", true)
	}
	if x, ok := f["settingsHeader"]; ok {
		h := p.str(x, what+".settingsHeader")
		s.SettingsHeader = &h
	}
	if x, ok := f["headers"]; ok {
		s.Headers = p.stringMap(x, what+".headers")
	}
	switch p.oneOf(f, what, "message", "", "body", "") {
	case "message":
		s.Message = p.value(f["message"], what+".message", true)
	case "body":
		b := p.str(f["body"], what+".body")
		s.Body = &b
	case "":
		if !f.mentioned("message") && !f.mentioned("body") {
			p.errf(n, "%s: missing field \"message\" (the Segment message to send; or \"body\" for a body as written)", what)
		}
	}
	if x, ok := f["padTo"]; ok {
		if f.has("body") {
			p.errf(x.key, "%s: \"padTo\" pads a message, not a body", what)
		}
		s.PadTo = p.integer(x, what+".padTo", 1, 16<<20)
	}
	if x, ok := f["repeat"]; ok {
		s.Repeat = p.integer(x, what+".repeat", 1, 1_000_000)
	}
	if x, ok := f["parallel"]; ok {
		s.Parallel = p.boolean(x, what+".parallel")
	}
	return s
}

func (p *parser) assert(n *yaml.Node, what string) *Assert {
	a := &Assert{}
	f := p.mapping(n, what, []string{"path", "query", "count", "match"})
	p.require(n, f, what, "path")
	if x, ok := f["path"]; ok {
		a.Path = p.path(x, what+".path")
	}
	if x, ok := f["query"]; ok {
		a.Query = p.stringMap(x, what+".query")
	}
	if x, ok := f["count"]; ok {
		c := p.integer(x, what+".count", 0, 1<<30)
		a.Count = &c
	}
	if x, ok := f["match"]; ok {
		a.Match = p.pattern(x, what+".match")
	}
	if f != nil && !f.has("count") && !f.has("match") {
		p.errf(n, "%s: nothing to check: give \"count\", \"match\" or both", what)
	}
	return a
}

var waitFields = []string{"destination", "account", "status", "outcome", "type", "userId", "event", "count", "timeout"}

func (p *parser) wait(n *yaml.Node, what string) *Wait {
	w := &Wait{destLine: n.Line}
	f := p.mapping(n, what, waitFields)
	for name, dst := range map[string]*string{"account": &w.Account, "outcome": &w.Outcome,
		"type": &w.Type, "userId": &w.UserID, "event": &w.Event} {
		if x, ok := f[name]; ok {
			*dst = p.str(x, what+"."+name)
		}
	}
	if x, ok := f["destination"]; ok {
		w.Destination = p.name(x, what+".destination")
		w.destLine = x.val.Line
	}
	if x, ok := f["status"]; ok {
		w.Status = p.integer(x, what+".status", 100, 599)
	}
	if x, ok := f["count"]; ok {
		w.Count = p.integer(x, what+".count", 1, 1<<20)
	}
	if x, ok := f["timeout"]; ok {
		w.Timeout = p.duration(x, what+".timeout")
	}
	return w
}

func (p *parser) clock(n *yaml.Node, what string) *Clock {
	c := &Clock{}
	f := p.mapping(n, what, []string{"freeze", "set", "advance", "resume", "reset"})
	if f == nil {
		return c
	}
	var actions []string
	for _, a := range []string{"set", "advance", "resume", "reset"} {
		if f.has(a) {
			actions = append(actions, a)
		}
	}
	if x, ok := f["freeze"]; ok {
		c.Freeze = p.boolean(x, what+".freeze")
		if !c.Freeze {
			p.errf(x.val, "%s.freeze: write \"resume: true\" to let the clock run again", what)
		}
		if len(actions) > 0 && actions[0] != "set" {
			p.errf(x.key, "%s: \"freeze\" goes alone or with \"set\"", what)
		}
	}
	switch {
	case len(actions) == 0 && !f.has("freeze"):
		p.errf(n, "%s: want one of freeze, set (a time), advance (a duration), resume or reset", what)
	case len(actions) > 1:
		p.errf(f[actions[1]].key, "%s: one clock action per step; it has both %q and %q", what, actions[0], actions[1])
	}
	if x, ok := f["set"]; ok {
		c.Set = p.str(x, what+".set")
		t, err := time.Parse(time.RFC3339Nano, c.Set)
		if err != nil && c.Set != "" {
			p.errf(x.val, "%s.set: %q is not an RFC 3339 time (want \"2024-03-01T09:00:00Z\")", what, c.Set)
		}
		c.at = t
	}
	if x, ok := f["advance"]; ok {
		c.Advance = p.duration(x, what+".advance")
	}
	for name, dst := range map[string]*bool{"resume": &c.Resume, "reset": &c.Reset} {
		if x, ok := f[name]; ok {
			if *dst = p.boolean(x, what+"."+name); !*dst {
				p.errf(x.val, "%s.%s: want true (or leave it out)", what, name)
			}
		}
	}
	return c
}

func (p *parser) keyRef(n *yaml.Node, what string) *KeyRef {
	k := &KeyRef{destLine: n.Line}
	f := p.mapping(n, what, []string{"destination", "account", "key"})
	p.require(n, f, what, "destination", "key")
	if x, ok := f["destination"]; ok {
		k.Destination = p.name(x, what+".destination")
		k.destLine = x.val.Line
	}
	if x, ok := f["account"]; ok {
		k.Account = p.name(x, what+".account")
		k.account = k.Account
	}
	if x, ok := f["key"]; ok {
		k.Key = p.nonEmpty(x, what+".key")
	}
	if k.Account == "" && k.Key != "" && k.Destination != "" && f != nil {
		if acct, ok := p.keys[k.Destination][k.Key]; ok {
			k.account = acct
		} else {
			p.errf(n, "%s: key %q is not a key of a %s account in setup.accounts; name its account with \"account\"", what, k.Key, k.Destination)
		}
	}
	return k
}

func (p *parser) fault(n *yaml.Node, what string) *Fault {
	ft := &Fault{}
	f := p.mapping(n, what, []string{"add", "clear"})
	if f == nil {
		return ft
	}
	switch {
	case f.has("add") && f.has("clear"):
		p.errf(f["clear"].key, "%s: \"add\" a rule or \"clear\" them, not both", what)
	case f.has("add"):
		ft.Add = p.value(f["add"], what+".add", true)
	case f.has("clear"):
		if ft.Clear = p.boolean(f["clear"], what+".clear"); !ft.Clear {
			p.errf(f["clear"].val, "%s.clear: want true", what)
		}
	default:
		p.errf(n, "%s: want \"add\" (a fault rule) or \"clear: true\"", what)
	}
	return ft
}

func (p *parser) expect(n *yaml.Node, what string, send *Send) *Expect {
	e := &Expect{}
	f := p.mapping(n, what, []string{"status", "statuses", "message", "body", "headers"})
	if x, ok := f["status"]; ok {
		e.Status = p.integer(x, what+".status", 100, 599)
	}
	if x, ok := f["statuses"]; ok {
		if f.has("status") {
			p.errf(x.key, "%s: give \"status\" (every answer) or \"statuses\" (counts by status), not both", what)
		}
		if send == nil || send.Repeat < 2 {
			p.errf(x.key, "%s: \"statuses\" counts the answers of a send with \"repeat\" of 2 or more", what)
		}
		e.Statuses = p.statuses(x, what+".statuses")
		for _, other := range []string{"message", "body", "headers"} {
			if f.has(other) {
				p.errf(f[other].key, "%s: \"statuses\" only counts answers; %q would have to hold for answers of different statuses", what, other)
			}
		}
	}
	if x, ok := f["message"]; ok {
		e.Message = p.nonEmpty(x, what+".message")
	}
	if x, ok := f["body"]; ok {
		e.Body = p.pattern(x, what+".body")
	}
	if x, ok := f["headers"]; ok {
		if deref(x.val).Kind != yaml.MappingNode {
			p.errf(x.val, "%s.headers: want a mapping of header names to patterns, got %s", what, describe(x.val))
		} else {
			e.Headers = p.pattern(x, what+".headers")
		}
	}
	return e
}

func (p *parser) statuses(f field, what string) map[int]int {
	n := deref(f.val)
	if n.Kind != yaml.MappingNode {
		p.errf(n, "%s: want a mapping of statuses to counts ({200: 3, 429: 1}), got %s", what, describe(n))
		return nil
	}
	out := map[int]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		st := p.integer(field{val: n.Content[i]}, what+" status", 100, 599)
		out[st] = p.integer(field{val: n.Content[i+1]}, fmt.Sprintf("%s.%d", what, st), 0, 1_000_000)
	}
	return out
}

// pattern reads a match pattern and checks its operators.
func (p *parser) pattern(f field, what string) Value {
	v := p.value(f, what, false)
	if v.node != nil {
		p.checkPattern(deref(f.val), what)
	}
	return v
}

func (p *parser) checkPattern(n *yaml.Node, what string) {
	n = deref(n)
	switch n.Kind {
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p.checkPattern(c, fmt.Sprintf("%s[%d]", what, i))
		}
	case yaml.MappingNode:
		ops, plain := 0, 0
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if !strings.HasPrefix(k.Value, "$") {
				plain++
				p.checkPattern(v, what+"."+k.Value)
				continue
			}
			ops++
			p.checkOperator(k, v, what)
		}
		if ops > 0 && plain > 0 {
			p.errf(n, "%s: a mapping holds operators ($len, $contains, ...) or fields, not both", what)
		}
	}
}

func (p *parser) checkOperator(k, v *yaml.Node, what string) {
	op := k.Value
	vw := what + "." + op
	v = deref(v)
	switch op {
	case "$len":
		p.integer(field{k, v}, vw, 0, 1<<30)
	case "$gt", "$gte", "$lt", "$lte":
		if t := v.ShortTag(); v.Kind != yaml.ScalarNode || (t != "!!int" && t != "!!float") {
			p.errf(v, "%s: want a number, got %s", vw, describe(v))
		}
	case "$exists":
		p.boolean(field{k, v}, vw)
	case "$regex":
		if s := p.str(field{k, v}, vw); s != "" {
			if _, err := regexp.Compile(s); err != nil {
				p.errf(v, "%s: %s", vw, err)
			}
		}
	case "$contains", "$not":
		p.checkPattern(v, vw)
	default:
		p.errf(k, "%s: unknown operator %q (want %s%s)", what, op, oneOf(operators), hint(op, operators))
	}
}

// operators are the match operators (see Match).
var operators = []string{"$len", "$contains", "$regex", "$gt", "$gte", "$lt", "$lte", "$exists", "$not"}
