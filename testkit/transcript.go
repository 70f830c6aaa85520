package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
)

// Transcript writes down what a server answers, byte for byte, so that a
// test can freeze a wire format in a golden file (Check): a change to how
// a destination keeps its state must then answer the same bytes. Each
// recorded request adds "== METHOD path status", then the body and a
// newline.
type Transcript struct {
	t   testing.TB
	url string
	out bytes.Buffer
}

// NewTranscript records requests to the server at url.
func NewTranscript(t testing.TB, url string) *Transcript {
	return &Transcript{t: t, url: url}
}

// Get records the answer to GET path and returns its body.
func (tr *Transcript) Get(path string) []byte {
	tr.t.Helper()
	_, body := tr.Record(http.MethodGet, path, nil)
	return body
}

// Record sends a request with a JSON body (nil for none), records its
// answer and returns it. An answer of 500 or more fails the test: a
// transcript freezes what the server answers, never what breaks it.
func (tr *Transcript) Record(method, path string, body []byte) (int, []byte) {
	tr.t.Helper()
	return tr.record(method, path, nil, body)
}

// Send delivers a message to a destination's webhook as Segment does
// (Basic auth with the key, no settings; see client.Client.Send), records
// the answer and returns its body. The message needs its own messageId
// (Message.WithID): a generated one would differ at every run.
func (tr *Transcript) Send(dest, apiKey string, m client.Message) []byte {
	tr.t.Helper()
	if m.MessageID == "" {
		tr.t.Fatal("Transcript.Send: the message has no messageId")
	}
	body, err := json.Marshal(m)
	if err != nil {
		tr.t.Fatal(err)
	}
	_, answer := tr.record(http.MethodPost, "/"+dest, http.Header{"Authorization": {client.BasicAuth(apiKey)}}, body)
	return answer
}

// Sender returns a send(apiKey, m) for a golden test's messages to dest:
// the n-th message sent (from 0) gets the messageId "m-<n>", is recorded
// by Send, and then moves c's clock on by step+n nanoseconds, so that
// every message has a time of its own.
func (tr *Transcript) Sender(c *client.Client, dest string, step time.Duration) func(apiKey string, m client.Message) {
	n := 0
	return func(apiKey string, m client.Message) {
		tr.t.Helper()
		tr.Send(dest, apiKey, m.WithID(fmt.Sprintf("m-%d", n)))
		Must(c.AdvanceClock(tr.t.Context(), step+time.Duration(n)))(tr.t)
		n++
	}
}

func (tr *Transcript) record(method, path string, header http.Header, body []byte) (int, []byte) {
	tr.t.Helper()
	status, answer := tr.do(method, path, header, body)
	fmt.Fprintf(&tr.out, "== %s %s %d\n%s\n", method, path, status, answer)
	return status, answer
}

// Put sends a PUT that must answer 204 No Content, without recording it.
func (tr *Transcript) Put(path string, body []byte) {
	tr.t.Helper()
	if status, answer := tr.do(http.MethodPut, path, nil, body); status != http.StatusNoContent {
		tr.t.Fatalf("PUT %s: %d %s", path, status, answer)
	}
}

func (tr *Transcript) do(method, path string, header http.Header, body []byte) (int, []byte) {
	tr.t.Helper()
	req, err := http.NewRequest(method, tr.url+path, bytes.NewReader(body))
	if err != nil {
		tr.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tr.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		tr.t.Fatal(err)
	}
	if res.StatusCode >= 500 {
		tr.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, data)
	}
	return res.StatusCode, data
}

// Check compares what was recorded with the golden file, failing at the
// first line that differs; with update, it rewrites the file first (a
// package's tests pass their -update flag).
func (tr *Transcript) Check(golden string, update bool) {
	tr.t.Helper()
	if update {
		if err := os.WriteFile(golden, tr.out.Bytes(), 0o644); err != nil {
			tr.t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		tr.t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got := tr.out.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				tr.t.Fatalf("line %d differs from %s:\n%s\nwant\n%s", i+1, golden, gl[i], wl[i])
			}
		}
		tr.t.Fatalf("%d lines, want %d", len(gl), len(wl))
	}
}

// WireProperties are the properties a golden wire test sends with its
// events, each a case a stored form must give back as it came: none;
// plain values; HTML characters, a line separator and a number beyond
// float64 in a nested object; an empty object and an empty array.
func WireProperties() []map[string]any {
	return []map[string]any{
		nil,
		{"plan": "pro", "seats": 3},
		{"html": "<b>Tom & Jerry</b>", "unicode": "café \u2028 ☕", "big": json.Number("12345678901234567890"), "nested": map[string]any{"z": []any{1.5, nil, true}, "a": "x"}},
		{"empty": map[string]any{}, "list": []any{}},
	}
}
