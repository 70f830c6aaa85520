package segment

import (
	"encoding/json"
	"fmt"
)

// MaxDepth is how deeply a message may nest objects and arrays, the message
// object itself being the first level. Segment documents no such limit, and
// real messages nest a handful of levels (context.traits.address.city is
// four), so 64 refuses nothing a source sends. It exists because everything
// a webhook accepts is kept and written again, embedded ever deeper: in the
// request log, and in a snapshot and the state file, where a destination's
// state wraps the message's properties in about a dozen more levels.
// encoding/json refuses input nested over 10,000 levels, so without this
// bound one accepted message could make the state file unloadable.
const MaxDepth = 64

// checkDepth refuses a body that nests objects or arrays deeper than
// MaxDepth, naming the top-level field that does. It scans the bytes once,
// before anything is decoded, so a hostile body costs no allocation; a body
// that is not JSON at all is left for the decoder to describe.
func checkDepth(body []byte) error {
	depth, inString, start := 0, false, 0
	var key []byte // the last string at the top level: the key of what opens next
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
				if depth == 1 {
					key = body[start : i+1]
				}
			}
			continue
		}
		switch c {
		case '"':
			inString, start = true, i
		case '{', '[':
			if depth++; depth > MaxDepth {
				var field string
				_ = json.Unmarshal(key, &field)
				return &Error{Field: field, Reason: fmt.Sprintf("nests objects and arrays deeper than %d levels, the limit for a message (segment.MaxDepth)", MaxDepth)}
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}
