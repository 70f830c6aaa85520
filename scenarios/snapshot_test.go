package scenarios_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/scenarios"
	"github.com/destemu/destemu/segment"
	"github.com/destemu/destemu/testkit"
)

// libraryMessages is every message a library scenario sends, as JSON, with
// the settings header its step sends along.
func libraryMessages(t *testing.T) (msgs []json.RawMessage, settings []string) {
	t.Helper()
	for _, f := range libraryFiles(t) {
		s, err := scenarios.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range s.Steps {
			if st.Send == nil || st.Send.Message.IsZero() {
				continue
			}
			m, err := st.Send.Message.Interface()
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			body, err := json.Marshal(m)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			var header string
			if v, err := st.Send.Settings.Interface(); err == nil && v != nil {
				s, _ := json.Marshal(v)
				header = base64.StdEncoding.EncodeToString(s)
			}
			msgs, settings = append(msgs, body), append(settings, header)
		}
	}
	return msgs, settings
}

// hostileMessages are the kinds of message the tests send and the ones a
// client can craft to break what the server keeps: nesting at the limit
// and far beyond it, numbers a float64 cannot hold, text that JSON escapes,
// keys that look like paths.
func hostileMessages() []string {
	deep := func(open, close string, levels int) string {
		return strings.Repeat(open, levels) + "1" + strings.Repeat(close, levels)
	}
	atLimit := segment.MaxDepth - 1 // the message object is the first level
	return []string{
		`{"type":"track","userId":"deep","event":"Deep","properties":` + deep(`{"a":`, `}`, atLimit) + `}`,
		`{"type":"identify","userId":"deep","traits":{"x":` + deep(`[`, `]`, atLimit-1) + `}}`,
		`{"type":"identify","userId":"deep2","traits":` + deep(`{"address":`, `}`, atLimit) + `,"context":` + deep(`{"c":`, `}`, atLimit) + `}`,
		`{"type":"group","userId":"deep","groupId":"g","traits":` + deep(`{"g":`, `}`, atLimit) + `}`,
		`{"type":"page","userId":"deep","name":"P","properties":{"l":` + deep(`[`, `]`, atLimit-1) + `}}`,
		// Once accepted, this one made the state file unloadable.
		`{"type":"track","userId":"bricks","event":"Deep","properties":{"p":` + deep(`[`, `]`, 9990) + `}}`,
		`{"type":"identify","userId":"num","traits":{"big":12345678901234567890,"huge":1e400,"tiny":1e-400,"neg":-0,"f":0.1,"email":"n@example.com","age":1e308}}`,
		`{"type":"track","userId":"num","event":"Num","properties":{"revenue":1e400,"value":-1e400,"count":99999999999999999999999}}`,
		`{"type":"identify","userId":"<&>\u2028","traits":{"":"empty key","a.b":"dot","properties['x']":"path","name":"\u0000\ud800\"\\/","email":"x@example.com","company":{"name":"<b>&</b>"}}}`,
		`{"type":"track","anonymousId":"anon","event":"\u00e9v\u00e9nement \ud83d\ude00","properties":{"mixed":[1,"a",null,true,{"k":[]},[]],"nil":null,"obj":{}}}`,
		`{"type":"screen","userId":"s","name":"S","properties":{"name":"S"},"context":{"traits":{"email":"s@example.com","address":{"city":"Kraków"}}},"integrations":{"All":false,"Promoter":true}}`,
		`{"type":"alias","userId":"new","previousId":"num"}`,
	}
}

// sameState fails unless two snapshot documents hold the same JSON values.
// Key order may differ: Startdeliver writes custom field values in the
// order they were set and reads them back sorted.
func sameState(t *testing.T, want, got []byte) {
	t.Helper()
	decode := func(doc []byte) any {
		dec := json.NewDecoder(bytes.NewReader(doc))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if !reflect.DeepEqual(decode(want), decode(got)) {
		t.Fatalf("the state came back different:\n%s\n%s", want, got)
	}
}

// TestAcceptedMessagesSurviveSnapshotAndRestart (issue 13, item 2): every
// message a webhook accepts must come back from GET /_emulator/snapshot,
// PUT into another server and a restart with the state file. The state
// comes from the whole scenario library (namespaces kept) and from every
// library and hostile message sent to every destination; a message may be
// refused, but what is accepted must not break the document.
func TestAcceptedMessagesSurviveSnapshotAndRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.json")
	srv := testkit.Start(t)
	sf, err := srv.Server().OpenStateFile(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	for _, f := range libraryFiles(t) {
		s, err := scenarios.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if rep, err := scenarios.RunWith(ctx, c, s, scenarios.Options{KeepNamespace: true}); err != nil || !rep.Passed() {
			t.Fatalf("%s: %v\n%s", f, err, failed(rep))
		}
	}

	msgs, settings := libraryMessages(t)
	for _, h := range hostileMessages() {
		msgs, settings = append(msgs, json.RawMessage(h)), append(settings, "")
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	accepted := map[string]int{}
	ns := c.Namespace("messages")
	for _, d := range info.Destinations {
		for i, body := range msgs {
			key := fmt.Sprintf("%s-%d", d.Slug, i%7) // a few accounts per destination
			err := ns.SendRaw(ctx, d.Slug, client.RawRequest{Authorization: client.BasicAuth(key), Settings: settings[i], Body: body}, nil)
			if err == nil {
				accepted[d.Slug]++
			} else if st := client.StatusOf(err); st == http.StatusInternalServerError || st == 0 {
				t.Fatalf("%s message %d: %v", d.Slug, i, err)
			}
		}
		if accepted[d.Slug] == 0 {
			t.Errorf("%s accepted none of %d messages", d.Slug, len(msgs))
		}
	}
	t.Logf("accepted %v of %d messages each", accepted, len(msgs))

	doc, err := c.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("PUT into another server", func(t *testing.T) {
		other := testkit.Start(t).Client()
		if err := other.RestoreSnapshot(ctx, doc); err != nil {
			t.Fatalf("the server's own export of %d bytes: %v", len(doc), err)
		}
		again, err := other.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameState(t, doc, again)
	})
	t.Run("restart with the state file", func(t *testing.T) {
		if err := sf.Close(); err != nil {
			t.Fatal(err)
		}
		next := testkit.Start(t)
		if _, err := next.Server().OpenStateFile(path, 0); err != nil {
			t.Fatalf("restart: %v", err)
		}
		again, err := next.Client().Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameState(t, doc, again)
	})
	if st := client.StatusOf(ns.SendRaw(ctx, "promoter", client.RawRequest{Authorization: client.BasicAuth("promoter-0"),
		Body: []byte(hostileMessages()[5])}, nil)); st != http.StatusBadRequest {
		t.Errorf("a message nested 9,990 levels: %d, want 400 naming the limit", st)
	}
}
