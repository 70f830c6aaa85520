package emulators

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/destemu/destemu/segment"
)

// Every webhook answers with a Result or an ErrorBody; writing them by hand
// rather than through encoding/json's reflection is a measurable share of
// a webhook's cost. The output is byte for byte what json.Marshal writes
// (TestAnswerJSON), except that a refusal's message is not HTML-escaped.

// AppendJSON appends the result's JSON encoding.
func (r *Result) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"status":`...)
	b = segment.AppendString(b, r.Status)
	b = append(b, `,"destination":`...)
	b = segment.AppendString(b, r.Destination)
	b = append(b, `,"namespace":`...)
	b = segment.AppendString(b, r.Namespace)
	b = append(b, `,"account":`...)
	b = segment.AppendString(b, r.Account)
	b = append(b, `,"type":`...)
	b = segment.AppendString(b, r.Type)
	if r.Reason != "" {
		b = append(b, `,"reason":`...)
		b = segment.AppendString(b, r.Reason)
	}
	b = append(b, `,"actions":`...)
	b = segment.AppendStrings(b, r.Actions)
	if len(r.Warnings) > 0 {
		b = append(b, `,"warnings":`...)
		b = segment.AppendStrings(b, r.Warnings)
	}
	if len(r.Data) > 0 {
		b = append(b, `,"data":`...)
		var err error
		if b, err = segment.AppendJSON(b, r.Data); err != nil {
			return b, err
		}
	}
	b = append(b, `,"requestId":`...)
	b = strconv.AppendUint(b, r.RequestID, 10)
	return append(b, '}'), nil
}

// AppendJSON appends the refusal's JSON encoding. The message is written
// plainly, without encoding/json's HTML escaping: a reader of
// base64("<apiKey>:") should not have to decode \u003capiKey\u003e.
func (e *ErrorBody) AppendJSON(b []byte) ([]byte, error) {
	var msg bytes.Buffer
	enc := json.NewEncoder(&msg)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e.Message); err != nil {
		return b, err
	}
	b = append(b, `{"message":`...)
	b = append(b, bytes.TrimSuffix(msg.Bytes(), []byte("\n"))...)
	return append(b, '}'), nil
}
