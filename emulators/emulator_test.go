package emulators

import (
	"encoding/json"
	"testing"
)

// bag keeps whatever numbers it is given, as a destination's free-form
// traits do.
type bag struct {
	Values map[string]any `json:"values"`
}

type bagDest struct{ nop }

func (bagDest) NewState(json.RawMessage) (*bag, error) { return &bag{Values: map[string]any{}}, nil }
func (bagDest) Reindex(*bag) error                     { return nil }
func (bagDest) Handle(*Request, *bag) error            { return nil }
func (bagDest) Provision(Settings) *bag                { return &bag{} }
func (bagDest) Resources() []Resource[*bag]            { return nil }

// TestLoadStateKeepsNumbersExact: the platform decodes every destination's
// snapshot state with UseNumber, so a number past float64's precision comes
// back as it was written.
func TestLoadStateKeepsNumbersExact(t *testing.T) {
	t.Parallel()
	e := Register(bagDest{})
	doc := `{"values":{"big":12345678901234567890,"price":0.1}}`
	st, err := e.LoadState(json.RawMessage(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(st); string(got) != doc {
		t.Fatalf("round trip: %s, want %s", got, doc)
	}
	for _, bad := range []string{`[]`, `{"values":1}`, `{} {}`} {
		if _, err := e.LoadState(json.RawMessage(bad)); err == nil {
			t.Errorf("LoadState(%s) accepted", bad)
		}
	}
}

// TestStateOfAnotherType: an account state of the wrong type is a 500 from
// the one assertion in the adapter, never a panic.
func TestStateOfAnotherType(t *testing.T) {
	t.Parallel()
	e := Register(bagDest{})
	err := e.Handle(&Request{}, &struct{}{})
	if e, ok := err.(*Error); !ok || e.Status != 500 {
		t.Fatalf("Handle with a foreign state: %v", err)
	}
}
