package scenarios

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Match checks a decoded JSON answer against a pattern and returns the
// first difference, naming where it is ("items[0].status: want ..."):
//
//   - a mapping matches an object that has at least its fields, each
//     matching (a subset match: other fields are not looked at);
//   - a list matches an array of the same length, element by element;
//   - a scalar matches an equal value; numbers compare as numbers, and two
//     RFC 3339 times compare as instants;
//   - a mapping of operators checks the value otherwise:
//     {$len: N} its length (array, string or object);
//     {$contains: X} a string holding X, or an array with an element
//     matching X;
//     {$regex: R} a string (or number) the regular expression matches;
//     {$gt|$gte|$lt|$lte: N} a number (or numeric string) compared with N;
//     {$exists: false} a field absent or null, {$exists: true} present;
//     {$not: P} a value that does not match P.
func Match(pattern, got any) error {
	return match("", pattern, got, true)
}

func at(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func mismatch(path, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if path == "" {
		return fmt.Errorf("%s", msg)
	}
	return fmt.Errorf("%s: %s", path, msg)
}

func match(path string, want, got any, present bool) error {
	switch w := want.(type) {
	case map[string]any:
		if isOperators(w) {
			return matchOperators(path, w, got, present)
		}
		if !present {
			return mismatch(path, "missing, want %s", show(want))
		}
		g, ok := got.(map[string]any)
		if !ok {
			return mismatch(path, "want an object, got %s", show(got))
		}
		for _, k := range sortedKeys(w) {
			v, ok := g[k]
			if err := match(at(path, k), w[k], v, ok); err != nil {
				return err
			}
		}
		return nil
	case []any:
		if !present {
			return mismatch(path, "missing, want %s", show(want))
		}
		g, ok := got.([]any)
		if !ok {
			return mismatch(path, "want an array, got %s", show(got))
		}
		if len(g) != len(w) {
			return mismatch(path, "want %d elements, got %d: %s", len(w), len(g), show(got))
		}
		for i := range w {
			if err := match(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], true); err != nil {
				return err
			}
		}
		return nil
	case nil:
		if got != nil {
			return mismatch(path, "want null, got %s", show(got))
		}
		return nil
	}
	if !present {
		return mismatch(path, "missing, want %s", show(want))
	}
	if !equalScalar(want, got) {
		return mismatch(path, "want %s, got %s", show(want), show(got))
	}
	return nil
}

func isOperators(m map[string]any) bool {
	for k := range m {
		if !strings.HasPrefix(k, "$") {
			return false
		}
	}
	return len(m) > 0
}

func matchOperators(path string, ops map[string]any, got any, present bool) error {
	for _, op := range sortedKeys(ops) {
		arg := ops[op]
		if op == "$exists" {
			if want := arg == true; want != (present && got != nil) {
				if want {
					return mismatch(path, "missing, want it present")
				}
				return mismatch(path, "want it absent, got %s", show(got))
			}
			continue
		}
		if !present {
			return mismatch(path, "missing, want {%s: %s}", op, show(arg))
		}
		if err := matchOperator(path, op, arg, got); err != nil {
			return err
		}
	}
	return nil
}

func matchOperator(path, op string, arg, got any) error {
	switch op {
	case "$len":
		n, ok := length(got)
		if !ok {
			return mismatch(path, "want something with a length, got %s", show(got))
		}
		if want, _ := number(arg); float64(n) != want {
			return mismatch(path, "want length %s, got %d: %s", show(arg), n, show(got))
		}
	case "$contains":
		switch g := got.(type) {
		case string:
			s, ok := arg.(string)
			if !ok || !strings.Contains(g, s) {
				return mismatch(path, "want a string containing %s, got %s", show(arg), show(got))
			}
		case []any:
			for _, e := range g {
				if match("", arg, e, true) == nil {
					return nil
				}
			}
			return mismatch(path, "no element matches %s: %s", show(arg), show(got))
		default:
			return mismatch(path, "want a string or an array containing %s, got %s", show(arg), show(got))
		}
	case "$regex":
		s, ok := got.(string)
		if !ok {
			if _, isNum := number(got); !isNum {
				return mismatch(path, "want a string matching /%s/, got %s", arg, show(got))
			}
			s = fmt.Sprint(got)
		}
		re, err := regexp.Compile(arg.(string))
		if err != nil || !re.MatchString(s) {
			return mismatch(path, "want a string matching /%s/, got %s", arg, show(got))
		}
	case "$gt", "$gte", "$lt", "$lte":
		g, ok := number(got)
		if !ok {
			return mismatch(path, "want a number %s %s, got %s", opSymbol[op], show(arg), show(got))
		}
		w, _ := number(arg)
		if !compare(op, g, w) {
			return mismatch(path, "want a number %s %s, got %s", opSymbol[op], show(arg), show(got))
		}
	case "$not":
		if match("", arg, got, true) == nil {
			return mismatch(path, "want anything but %s, got %s", show(arg), show(got))
		}
	default:
		return mismatch(path, "unknown operator %s", op)
	}
	return nil
}

var opSymbol = map[string]string{"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}

func compare(op string, g, w float64) bool {
	switch op {
	case "$gt":
		return g > w
	case "$gte":
		return g >= w
	case "$lt":
		return g < w
	}
	return g <= w
}

func length(v any) (int, bool) {
	switch x := v.(type) {
	case []any:
		return len(x), true
	case map[string]any:
		return len(x), true
	case string:
		return len([]rune(x)), true
	}
	return 0, false
}

// number reads a JSON or YAML number, or a string holding one (headers
// such as Retry-After are strings).
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

func equalScalar(want, got any) bool {
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		if !ok {
			return false
		}
		if w == g {
			return true
		}
		tw, err1 := time.Parse(time.RFC3339Nano, w)
		tg, err2 := time.Parse(time.RFC3339Nano, g)
		return err1 == nil && err2 == nil && tw.Equal(tg)
	case bool:
		return got == w
	}
	if _, isString := got.(string); isString {
		return false
	}
	w, ok1 := number(want)
	g, ok2 := number(got)
	return ok1 && ok2 && w == g
}

// show renders a value for a message, cut short when long.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	const max = 300
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
