package emulators

import (
	"bytes"
	"encoding/json"
)

// JSONWriter writes a JSON document piece by piece into a buffer, each
// value as encoding/json's Encoder writes it with SetEscapeHTML(false),
// without its newline: how a JSONAppender writes its state a field, or a
// user, at a time (#18). It keeps the first error.
type JSONWriter struct {
	buf *bytes.Buffer
	enc *json.Encoder
	err error
}

// NewJSONWriter returns a writer that appends to b.
func NewJSONWriter(b []byte) *JSONWriter {
	w := &JSONWriter{buf: bytes.NewBuffer(b)}
	w.enc = json.NewEncoder(w.buf)
	w.enc.SetEscapeHTML(false)
	return w
}

// Raw writes s as it is.
func (w *JSONWriter) Raw(s string) { w.buf.WriteString(s) }

// Value writes v as the encoder writes it.
func (w *JSONWriter) Value(v any) {
	if w.err == nil {
		if w.err = w.enc.Encode(v); w.err == nil {
			w.buf.Truncate(w.buf.Len() - 1) // the newline Encode adds
		}
	}
}

// Append writes what appendJSON appends (an AppendJSON method's).
func (w *JSONWriter) Append(appendJSON func([]byte) ([]byte, error)) {
	if w.err == nil {
		var b []byte
		b, w.err = appendJSON(w.buf.AvailableBuffer())
		w.buf.Write(b)
	}
}

// Bytes returns the document written, and the first error.
func (w *JSONWriter) Bytes() ([]byte, error) { return w.buf.Bytes(), w.err }
