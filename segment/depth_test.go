package segment

import (
	"errors"
	"strings"
	"testing"
)

// nested is a track whose properties hold an object nested so that the
// whole message is depth levels deep.
func nested(depth int) string {
	inner := strings.Repeat(`{"a":`, depth-1) + `1` + strings.Repeat(`}`, depth-1)
	return `{"type":"track","userId":"u","event":"E","properties":` + inner + `}`
}

func TestDecodeNestingLimit(t *testing.T) {
	t.Parallel()
	if _, err := Decode([]byte(nested(MaxDepth)), now); err != nil {
		t.Fatalf("a message exactly %d levels deep: %v", MaxDepth, err)
	}
	for _, tc := range []struct{ name, body, field string }{
		{"one level too deep", nested(MaxDepth + 1), "properties"},
		{"far too deep (once accepted, it made the state file unloadable)", nested(9990), "properties"},
		{"arrays count too", `{"type":"identify","userId":"u","context":{"x":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}}`, "context"},
		{"the key is read with its escapes", `{"type":"identify","userId":"u","tr\"aits":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`, `tr"aits`},
		{"a body that is all brackets", strings.Repeat("[", MaxDepth+1), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.body), now)
			var se *Error
			if !errors.As(err, &se) || se.Field != tc.field || !strings.Contains(se.Reason, "64 levels") {
				t.Fatalf("Decode = %v, want an error naming field %q and the 64-level limit", err, tc.field)
			}
		})
	}
	// Brackets inside strings, escaped quotes among them, are not nesting.
	deepText := strings.Repeat(`[{\"`, 200)
	if _, err := Decode([]byte(`{"type":"track","userId":"u","event":"`+deepText+`","properties":{"p":"`+deepText+`"}}`), now); err != nil {
		t.Fatalf("brackets inside strings: %v", err)
	}
}
