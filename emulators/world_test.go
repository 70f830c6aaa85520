package emulators

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/destemu/destemu/segment"
)

// nop is the smallest destination: it accepts track and keeps nothing.
type nop struct{}

func (nop) Info() Info {
	return Info{Slug: "nop", Name: "Nop", Accepts: []segment.Type{segment.Track}}
}
func (nop) NewState(json.RawMessage) (State, error)  { return struct{}{}, nil }
func (nop) Provision(Settings) State                 { return struct{}{} }
func (nop) LoadState(json.RawMessage) (State, error) { return struct{}{}, nil }
func (nop) Handle(*Request, State) error             { return nil }
func (nop) Resources() []Resource                    { return nil }

// TestCreateInDeletedNamespace: a create that holds a namespace deleted in
// the meantime fails, and claims no key in the live index.
func TestCreateInDeletedNamespace(t *testing.T) {
	t.Parallel()
	w, err := NewWorld(Config{Emulators: []Emulator{nop{}}})
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
	if key, _ := w.provision(ns, nop{}, "nop", "k2", Settings{}); key != nil {
		t.Fatal("provisioned into a deleted namespace")
	}
	// The name can be used again: a fresh namespace.
	fresh, _ := w.Namespace("doomed", true)
	if _, err := w.CreateAccount(fresh, "nop", AccountSpec{ID: "a", Keys: []KeySpec{{Value: "k"}}}); err != nil {
		t.Fatal(err)
	}
}
