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
	f := NewEmptyFixture(t, e, dest)
	f.CreateAccount(spec)
	return f
}

// NewEmptyFixture is a fixture in a fresh namespace of e that holds no
// account yet, so that a test can set the scene first (Freeze the clock
// that dates what CreateAccount makes), or have its first message make the
// account: Key, named after the namespace, is a key no account holds, and
// an unknown key provisions an account (G-11). Account stays empty until
// CreateAccount (the answer to the first message names the provisioned
// one); LastEntry then reads the destination's whole namespace.
func NewEmptyFixture(t testing.TB, e Emulator, dest string) *Fixture {
	t.Helper()
	ns := Isolated(t, e)
	return &Fixture{t: t, Client: ns.Client(), Dest: dest, Key: ns.Name + "-key"}
}

// CreateAccount creates the fixture's account from spec and points the
// fixture at it. An empty spec.ID is "acme"; without keys the account gets
// the fixture's Key.
func (f *Fixture) CreateAccount(spec client.AccountSpec) {
	f.t.Helper()
	if spec.ID == "" {
		spec.ID = "acme"
	}
	if len(spec.Keys) == 0 {
		spec.Keys = []client.KeySpec{{Value: f.Key}}
	}
	if _, err := f.Client.CreateAccount(context.Background(), f.Dest, spec); err != nil {
		f.t.Fatalf("create %s account %q: %v", f.Dest, spec.ID, err)
	}
	f.Account, f.Key = spec.ID, spec.Keys[0].Value
}

// WithKey returns a copy of the fixture that sends with key instead (the
// account's other key, or one no account holds); it reads the same account.
func (f *Fixture) WithKey(key string) *Fixture {
	g := *f
	g.Key = key
	return &g
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
	return ExpectError(f.t, err, status, contains)
}

// ExpectError fails t unless err is a refusal (a *client.Error) with status
// and a message containing contains, and returns it.
func ExpectError(t testing.TB, err error, status int, contains string) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a %d refusal", err, status)
	}
	if e.Status != status || !strings.Contains(e.Message, contains) {
		t.Fatalf("got %d %q, want %d containing %q", e.Status, e.Message, status, contains)
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

// Freeze stops the namespace clock at at; Advance then moves it.
func (f *Fixture) Freeze(at time.Time) {
	f.t.Helper()
	if _, err := f.Client.FreezeClockAt(context.Background(), at); err != nil {
		f.t.Fatalf("freeze the clock at %s: %v", at, err)
	}
}

// Advance moves the namespace clock forward by d.
func (f *Fixture) Advance(d time.Duration) {
	f.t.Helper()
	if _, err := f.Client.AdvanceClock(context.Background(), d); err != nil {
		f.t.Fatalf("advance the clock by %s: %v", d, err)
	}
}

// Must returns v, or fails the test it is given with err: a control-plane
// read in one line, testkit.Must(f.Client.Account(ctx, dest, id))(t).
func Must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// RestoreWhile exports c's snapshot and imports it into other, again and
// again, until done yields, then once more, calling check after each
// import: a -race test of snapshots taken while a writer (a goroutine
// that sends done its error) changes the state. The writer's error, or an
// export that does not import, fails the test.
func RestoreWhile(t testing.TB, c, other *client.Client, done <-chan error, check func()) {
	t.Helper()
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			running = false
		default:
		}
		doc := Must(c.Snapshot(t.Context()))(t)
		if err := other.RestoreSnapshot(t.Context(), doc); err != nil {
			t.Fatalf("an export does not import: %v", err)
		}
		check()
	}
}
