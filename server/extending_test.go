package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/scenarios"
	"github.com/destemu/destemu/segment"
	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

// The tiny destination of docs/extending.md, whole: it accepts track and
// keeps each event; one read view lists them.

// Tiny is the destination.
type Tiny struct{}

// TinyState is one account's events.
type TinyState struct {
	Events []TinyEvent `json:"events"`
}

// TinyEvent is one stored track.
type TinyEvent struct {
	UserID string    `json:"userId"`
	Event  string    `json:"event"`
	At     time.Time `json:"at"`
}

func (Tiny) Info() emulators.Info {
	return emulators.Info{Slug: "tiny", Name: "Tiny", Integrations: []string{"Tiny"},
		Accepts: []segment.Type{segment.Track}}
}
func (Tiny) NewState(json.RawMessage) (*TinyState, error) { return &TinyState{}, nil }
func (Tiny) Provision(emulators.Settings) *TinyState      { return &TinyState{} }
func (Tiny) Reindex(*TinyState) error                     { return nil }

func (Tiny) Handle(r *emulators.Request, s *TinyState) error {
	if r.Message.Event == "" {
		return emulators.BadRequest("event is required")
	}
	s.Events = append(s.Events, TinyEvent{UserID: r.Message.UserKey(), Event: r.Message.Event, At: r.Message.Timestamp})
	r.Did("stored %q", r.Message.Event)
	return nil
}

func (Tiny) Resources() []emulators.Resource[*TinyState] {
	return []emulators.Resource[*TinyState]{
		emulators.View[*TinyState, TinyEvent]{
			Path: "events", Summary: "List stored events",
			Items:  func(_ *emulators.ResourceRequest, s *TinyState) ([]TinyEvent, error) { return s.Events, nil },
			Fields: map[string]func(TinyEvent) string{"event": func(e TinyEvent) string { return e.Event }},
			Time:   func(e TinyEvent) time.Time { return e.At },
		}.Resource(),
	}
}

const tinyScenario = `
name: tiny stores track events
setup:
  accounts:
    - destination: tiny
      id: acme
      keys: [tiny-key]
steps:
  - send:
      destination: tiny
      key: tiny-key
      message: {type: track, userId: u1, event: Signed Up}
  - send:
      destination: tiny
      key: tiny-key
      message: {type: identify, userId: u1}
    expect: {status: 501}
  - assert:
      path: tiny/accounts/acme/events
      query: {event: Signed Up}
      match: {total: 1, items: [{userId: u1, event: Signed Up}]}
`

// TestExtendingWithATinyDestination is docs/extending.md proven: the tiny
// destination, registered beside the built-in ones, gets its webhook and
// the contract in front of it, its control-plane routes, its OpenAPI
// operations, access through the typed client, and a passing scenario.
func TestExtendingWithATinyDestination(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t, testkit.WithEmulators(append(server.DefaultEmulators(), emulators.Register(Tiny{}))...))
	c := srv.Client()
	ctx := context.Background()

	// Webhook: accounts, keys and the contract (501 for identify) are the platform's.
	f := testkit.NewFixture(t, srv, "tiny", client.AccountSpec{})
	if res := f.Send(client.Track("u1", "Signed Up", nil)); res.Status != "ok" {
		t.Fatalf("answer %+v", res)
	}
	f.Expect(client.Identify("u1", nil), http.StatusNotImplemented, "Tiny does not accept identify")
	if e := f.LastEntry(); e.Status != http.StatusNotImplemented {
		t.Fatalf("last entry %+v", e)
	}

	// Routes and client access: the view pages and filters like every other.
	var events client.List[TinyEvent]
	if err := f.Client.Do(ctx, http.MethodGet, "/_emulator/tiny/accounts/acme/events", map[string][]string{"event": {"Signed Up"}, "limit": {"5"}}, nil, &events); err != nil {
		t.Fatal(err)
	}
	if events.Total != 1 || events.Items[0].UserID != "u1" {
		t.Fatalf("events %+v", events)
	}

	// OpenAPI: the view's operation with its parameters and item schema.
	doc := srv.Server().OpenAPI()
	op, ok := doc["paths"].(map[string]any)["/_emulator/tiny/accounts/{account}/events"].(map[string]any)["get"].(map[string]any)
	if !ok || len(op["parameters"].([]any)) < 7 {
		t.Fatalf("OpenAPI operation %v", op)
	}
	if _, ok := doc["components"].(map[string]any)["schemas"].(map[string]any)["server_test.TinyEvent"]; !ok {
		t.Fatal("no schema for TinyEvent")
	}

	// A scenario.
	s, err := scenarios.Parse("tiny.yaml", []byte(tinyScenario))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scenarios.Run(ctx, c, s)
	if err != nil || !rep.Passed() {
		var b strings.Builder
		_ = scenarios.WriteReports(&b, scenarios.FormatText, []scenarios.Report{rep})
		t.Fatalf("scenario: %v\n%s", err, b.String())
	}
}
