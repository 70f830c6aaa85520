package segment

import "fmt"

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

// depthError refuses a message that nests objects or arrays deeper than
// MaxDepth, naming the top-level field that does. The parser counts the
// depth as it reads, so a hostile body is refused as soon as it passes the
// limit, having cost no more than that.
func depthError(field string) *Error {
	return &Error{Field: field, Reason: fmt.Sprintf("nests objects and arrays deeper than %d levels, the limit for a message (segment.MaxDepth)", MaxDepth)}
}
