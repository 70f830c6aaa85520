package emulators

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/segment"
)

// nop is the smallest destination: it accepts track and keeps nothing.
type nop struct{}

func (nop) Info() Info {
	return Info{Slug: "nop", Name: "Nop", Accepts: []segment.Type{segment.Track}}
}
func (nop) NewState(json.RawMessage) (*struct{}, error) { return &struct{}{}, nil }
func (nop) Provision(Settings) *struct{}                { return &struct{}{} }
func (nop) Reindex(*struct{}) error                     { return nil }
func (nop) Handle(*Request, *struct{}) error            { return nil }
func (nop) Resources() []Resource[*struct{}]            { return nil }

// TestCreateInDeletedNamespace: a create that holds a namespace deleted in
// the meantime fails, and claims no key in the live index.
func TestCreateInDeletedNamespace(t *testing.T) {
	t.Parallel()
	w, err := NewWorld(Config{Emulators: []Emulator{Register(nop{})}})
	if err != nil {
		t.Fatal(err)
	}
	ns, _ := w.Namespace("doomed", true)
	if err := w.DeleteNamespace("doomed"); err != nil {
		t.Fatal(err)
	}
	_, err = w.CreateAccount(ns, "nop", AccountSpec{ID: "a", Keys: []KeySpec{{Value: "k"}}})
	var e *Error
	if !errors.As(err, &e) || e.Status != 404 {
		t.Fatalf("create in a deleted namespace: %v", err)
	}
	if k := w.lookupKey("nop", "k"); k != nil {
		t.Fatal("the key was claimed in the live index")
	}
	if key, _ := w.provision(ns, Register(nop{}), "nop", "k2", Settings{}); key != nil {
		t.Fatal("provisioned into a deleted namespace")
	}
	// The name can be used again: a fresh namespace.
	fresh, _ := w.Namespace("doomed", true)
	if _, err := w.CreateAccount(fresh, "nop", AccountSpec{ID: "a", Keys: []KeySpec{{Value: "k"}}}); err != nil {
		t.Fatal(err)
	}
}

// TestDedupeSweepIsAmortised: under steady traffic, where about one id
// expires per new message, the set is swept at doublings, not on every
// message, and stays bounded by what 24 hours hold.
func TestDedupeSweepIsAmortised(t *testing.T) {
	t.Parallel()
	a := &Account{}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	step := dedupeWindow / 2047
	sweeps := 0
	for i := 0; i < 20000; i++ {
		before := a.seen.sweepAt
		a.seen.add(strconv.Itoa(i), now)
		if a.seen.sweepAt != before {
			sweeps++
		}
		now = now.Add(step)
	}
	if sweeps > 20 {
		t.Fatalf("%d sweeps for 20,000 messages: the sweep is not amortised", sweeps)
	}
	if a.seen.len() > 4*2048 {
		t.Fatalf("%d ids kept; a 24-hour window holds about 2048", a.seen.len())
	}
}

// panicky is a destination whose Reindex panics on any state.
type panicky struct{ nop }

func (panicky) Reindex(*struct{}) error { panic("broken state") }

// TestRestoreContainsLoadStatePanics: a destination that panics on a bad
// state makes Restore fail with an error, not crash the process.
func TestRestoreContainsLoadStatePanics(t *testing.T) {
	t.Parallel()
	w, err := NewWorld(Config{Emulators: []Emulator{Register(panicky{})}})
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"version":1,"namespaces":[{"name":"default","clock":{"frozen":false,"offset":"0s"},
		"accounts":[{"destination":"nop","id":"a","state":{"x":1}}]}]}`)
	snap, err := ParseSnapshot(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Restore(snap); err == nil || !strings.Contains(err.Error(), "could not read") {
		t.Fatalf("Restore: %v", err)
	}
}
