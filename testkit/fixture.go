package testkit

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
)

// Fixture is one account of one destination in a namespace of its own:
// what a destination's tests repeat otherwise. It sends messages with the
// account's key (and Settings in X-Segment-Settings), expects their
// status, reads the newest request-log entry and moves the namespace clock,
// failing the test on any error.
type Fixture struct {
	t testing.TB
	// Client is scoped to the fixture's namespace.
	Client *client.Client
	// Dest, Account and Key name the destination, the account and its key.
	Dest, Account, Key string
	// Settings are sent in X-Segment-Settings with every message.
	Settings map[string]any
}

// NewFixture creates an account of dest from spec in a fresh namespace of
// e. An empty spec.ID is "acme"; without keys the account gets one, named
// after the namespace.
func NewFixture(t testing.TB, e Emulator, dest string, spec client.AccountSpec) *Fixture {
	t.Helper()
	ns := Isolated(t, e)
	if spec.ID == "" {
		spec.ID = "acme"
	}
	if len(spec.Keys) == 0 {
		spec.Keys = []client.KeySpec{{Value: ns.Name + "-key"}}
	}
	if _, err := ns.Client().CreateAccount(context.Background(), dest, spec); err != nil {
		t.Fatalf("create %s account %q: %v", dest, spec.ID, err)
	}
	return &Fixture{t: t, Client: ns.Client(), Dest: dest, Account: spec.ID, Key: spec.Keys[0].Value}
}

// SendErr sends one message and returns the answer or the refusal.
func (f *Fixture) SendErr(m client.Message) (*client.Result, error) {
	return f.Client.Send(context.Background(), f.Dest, f.Key, f.Settings, m)
}

// Send sends one message and fails the test unless it is accepted.
func (f *Fixture) Send(m client.Message) *client.Result {
	f.t.Helper()
	res, err := f.SendErr(m)
	if err != nil {
		f.t.Fatalf("send %s to %s: %v", m.Type, f.Dest, err)
	}
	return res
}

// Expect sends one message and fails the test unless it is refused with
// status and a message containing contains.
func (f *Fixture) Expect(m client.Message, status int, contains string) *client.Error {
	f.t.Helper()
	_, err := f.SendErr(m)
	var e *client.Error
	if !errors.As(err, &e) {
		f.t.Fatalf("send %s to %s: got %v, want a %d refusal", m.Type, f.Dest, err, status)
	}
	if e.Status != status || !strings.Contains(e.Message, contains) {
		f.t.Fatalf("send %s to %s: got %d %q, want %d containing %q", m.Type, f.Dest, e.Status, e.Message, status, contains)
	}
	return e
}

// LastEntry returns the newest request-log entry of the account.
func (f *Fixture) LastEntry() client.Entry {
	f.t.Helper()
	es, err := f.Client.Requests(context.Background(), client.RequestFilter{Destination: f.Dest, Account: f.Account, Limit: 1})
	if err != nil || len(es) == 0 {
		f.t.Fatalf("request log of %s account %q: %v, %d entries", f.Dest, f.Account, err, len(es))
	}
	return es[0]
}

// Advance moves the namespace clock forward by d.
func (f *Fixture) Advance(d time.Duration) {
	f.t.Helper()
	if _, err := f.Client.AdvanceClock(context.Background(), d); err != nil {
		f.t.Fatalf("advance the clock by %s: %v", d, err)
	}
}
