package emulators

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/segment"
)

// gated is a destination whose state's JSON cannot be written until the
// test opens its gate.
type gated struct {
	entered, release chan struct{}
}

type gatedState struct {
	Items map[string][]int `json:"items"`
	g     *gated
}

func (g *gated) Info() Info {
	return Info{Slug: "gated", Name: "Gated", Accepts: []segment.Type{segment.Track}}
}
func (g *gated) NewState(json.RawMessage) (*gatedState, error) {
	return &gatedState{Items: map[string][]int{"a": {1}}, g: g}, nil
}
func (g *gated) Provision(Settings) *gatedState     { s, _ := g.NewState(nil); return s }
func (g *gated) Reindex(*gatedState) error          { return nil }
func (g *gated) Handle(*Request, *gatedState) error { return nil }
func (g *gated) Resources() []Resource[*gatedState] { return nil }

func (s gatedState) MarshalJSON() ([]byte, error) {
	s.g.entered <- struct{}{}
	<-s.g.release
	type plain gatedState
	return json.Marshal(plain(s))
}

// TestSnapshotMarshalsOutsideTheAccountLock (#13 item 8): while an
// account's state is being written as JSON, its lock is free, so webhooks
// to it go on; what is written is the state as it was when it was copied.
func TestSnapshotMarshalsOutsideTheAccountLock(t *testing.T) {
	t.Parallel()
	g := &gated{entered: make(chan struct{}), release: make(chan struct{})}
	w, err := NewWorld(Config{Emulators: []Emulator{Register[*gatedState](g)}})
	if err != nil {
		t.Fatal(err)
	}
	ns, _ := w.Namespace(DefaultNamespace, true)
	if _, err := w.CreateAccount(ns, "gated", AccountSpec{ID: "a", Keys: []KeySpec{{Value: "k"}}}); err != nil {
		t.Fatal(err)
	}
	a, _ := ns.Account("gated", "a")
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- w.WriteSnapshot(&out, nil) }()
	<-g.entered // the export is marshalling the state now

	changed := make(chan struct{})
	go func() {
		_, _ = a.WithState(func(st State) (any, error) {
			s := st.(*gatedState)
			s.Items["a"][0] = 2
			s.Items["b"] = []int{3}
			return nil, nil
		})
		close(changed)
	}()
	select {
	case <-changed:
	case <-time.After(10 * time.Second): // a deadlock detector, not a measurement
		t.Fatal("the account's lock is held while its state is marshalled")
	}
	close(g.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte(`"state":{"items":{"a":[1]}}`)) {
		t.Fatalf("the document holds a state other than the one copied: %s", out.Bytes())
	}
}

// selfJSON is a destination whose state writes and reads its own JSON
// (JSONAppender, JSONLoader), or fails to.
type selfJSON struct{}

type selfJSONState struct {
	fail   bool
	loaded string
}

func (selfJSON) Info() Info {
	return Info{Slug: "self", Name: "Self", Accepts: []segment.Type{segment.Track}}
}
func (selfJSON) NewState(config json.RawMessage) (*selfJSONState, error) {
	return &selfJSONState{fail: string(config) == `"fail"`}, nil
}
func (selfJSON) Provision(Settings) *selfJSONState       { return &selfJSONState{} }
func (selfJSON) Reindex(*selfJSONState) error            { return nil }
func (selfJSON) Handle(*Request, *selfJSONState) error   { return nil }
func (selfJSON) Resources() []Resource[*selfJSONState]   { return nil }
func (s *selfJSONState) MarshalJSON() ([]byte, error)    { return []byte(`{"by":"MarshalJSON"}`), nil }
func (s *selfJSONState) UnmarshalJSON(data []byte) error { return errors.New("UnmarshalJSON") }
func (s *selfJSONState) AppendJSON(b []byte) ([]byte, error) {
	if s.fail {
		return append(b, `{"by":`...), errors.New("cannot")
	}
	return append(b, `{"by":"AppendJSON","<":"&"}`...), nil
}
func (s *selfJSONState) LoadJSON(data []byte) error {
	if string(data) == `"bad"` {
		return errors.New("cannot")
	}
	s.loaded = string(data)
	return nil
}

// TestSelfJSON: a state that writes its own JSON is written as it appends
// it, not as it marshals (one that fails stops the export naming the
// account), and one that reads its own is handed the document as it is.
func TestSelfJSON(t *testing.T) {
	t.Parallel()
	emu := Register[*selfJSONState](selfJSON{})
	w, err := NewWorld(Config{Emulators: []Emulator{emu}})
	if err != nil {
		t.Fatal(err)
	}
	ns, _ := w.Namespace(DefaultNamespace, true)
	if _, err := w.CreateAccount(ns, "self", AccountSpec{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := w.WriteSnapshot(&out, nil); err != nil || !bytes.Contains(out.Bytes(), []byte(`"state":{"by":"AppendJSON","<":"&"}}`)) {
		t.Fatalf("%v: %s", err, out.Bytes())
	}
	if _, err := w.CreateAccount(ns, "self", AccountSpec{ID: "b", Config: json.RawMessage(`"fail"`)}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSnapshot(io.Discard, nil); err == nil || !strings.Contains(err.Error(), `self account "b": writing the state: cannot`) {
		t.Fatalf("a failing state: %v", err)
	}
	st, err := emu.LoadState(json.RawMessage(` {"x": 1}`))
	if err != nil || st.(*selfJSONState).loaded != ` {"x": 1}` {
		t.Fatalf("loaded %+v, %v", st, err)
	}
	if _, err := emu.LoadState(json.RawMessage(`"bad"`)); err == nil || err.Error() != "self state: cannot" {
		t.Fatalf("a state that does not load: %v", err)
	}
}

// TestCopyForJSON: the copy writes the same JSON as the original, and
// changing the original afterwards does not change the copy.
func TestCopyForJSON(t *testing.T) {
	t.Parallel()
	type inner struct {
		N    json.Number
		Tags []string
		When time.Time
	}
	type state struct {
		Users  map[string]*inner
		List   []any
		Arr    [2]map[string]int
		Ptr    *inner
		hidden map[string]int
	}
	orig := &state{
		Users:  map[string]*inner{"u": {N: "12345678901234567890", Tags: []string{"a"}, When: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}},
		List:   []any{map[string]any{"k": []any{1.5, "x"}}, nil, true},
		Arr:    [2]map[string]int{{"x": 1}, nil},
		hidden: map[string]int{"h": 1},
	}
	want, _ := json.Marshal(orig)
	cp := copyForJSON(orig)
	orig.Users["u"].Tags[0] = "changed"
	orig.Users["v"] = &inner{}
	orig.List[0].(map[string]any)["k"].([]any)[0] = 9.0
	orig.Arr[0]["x"] = 2
	got, _ := json.Marshal(cp)
	if !bytes.Equal(got, want) {
		t.Fatalf("copy:\n%s\nwant:\n%s", got, want)
	}
	if !reflect.DeepEqual(cp.(*state).hidden, orig.hidden) || copyForJSON(nil) != nil {
		t.Fatal("unexported fields are kept as they are; nil stays nil")
	}
}

// TestReadSnapshotStreams: a document is read from a stream without being
// buffered whole, and a content fault in a document cut short is reported
// as the cut.
func TestReadSnapshotStreams(t *testing.T) {
	t.Parallel()
	w, err := NewWorld(Config{Emulators: []Emulator{Register(nop{})}})
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, `{"version":1,"namespaces":[{"accounts":[{"destination":"nop","id":"early","keys":[{"value":"k0"}]}],"name":"n","clock":{}}`)
		for i := range 200 {
			_, _ = io.WriteString(pw, `,{"name":"ns`+string(rune('a'+i%26))+string(rune('a'+i/26))+`","clock":{},"accounts":[{"destination":"nop","id":"a","keys":[]}]}`)
		}
		_, _ = io.WriteString(pw, `]}`)
		pw.Close()
	}()
	if err := w.ReadSnapshot(pr, nil); err != nil {
		t.Fatal(err)
	}
	if got := len(w.Namespaces()); got != 202 {
		t.Fatalf("%d namespaces, want 202 (with default)", got)
	}
	ns, _ := w.Namespace("n", false)
	if _, err := ns.Account("nop", "early"); err != nil {
		t.Fatalf("an account given before its namespace's name: %v", err)
	}
	cut := `{"version":1,"namespaces":[{"name":"x","clock":{},"accounts":[{"destination":"nope","id":"a"}]}`
	if err := w.ReadSnapshot(bytes.NewReader([]byte(cut)), nil); err == nil || !bytes.Contains([]byte(err.Error()), []byte("truncated")) {
		t.Fatalf("an unknown destination in a cut document: %v, want truncated", err)
	}
}
