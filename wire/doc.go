// Package wire holds the JSON types of destemu's control plane that the
// server answers and the typed client decodes: one declaration of each, so
// the two cannot drift apart. It imports the standard library only, so the
// client stays free of the server's dependencies (gin, validator); the
// client re-exports every type under its own name (client.Entry is
// wire.Entry).
//
// A type lives here when the server can answer it as it is. A stored type
// that keeps its data compact (raw JSON attributes, short slices for custom
// fields) stays in its destination's package, and server/drift_test.go
// checks the client's copy of it against the server's OpenAPI schema.
package wire

// List is the envelope of every control-plane list: the items of the page
// asked for and how many items match in all (limit and offset page it).
type List[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

// Object is how the client holds a free-form JSON object (traits,
// properties, custom fields). A type whose name ends in Of takes the
// holder of its free-form objects as a parameter: the client reads them
// as an Object (UsercomOccurrence is UsercomOccurrenceOf[Object]), the
// server stores the same declaration with a compact holder that writes
// the same JSON (segment.Object).
type Object = map[string]any
