package startdeliver_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// srv is the server the package's tests share; each test takes a
// namespace of its own on it.
var srv *testkit.Server

func TestMain(m *testing.M) { os.Exit(testkit.Main(m, &srv)) }

var ctx = context.Background()

const (
	classic = "startdeliver"
	v2      = "startdeliver-v2"
)

// fixture is one Startdeliver account in a namespace of its own: the
// testkit fixture, with the settings a test changes as it goes and the
// account's client.
type fixture struct {
	*testkit.Fixture
	settings map[string]any
	sd       *client.StartdeliverAccount
}

// newFixture creates account "acme" of dest with its config, in a fresh
// namespace; settings are sent in X-Segment-Settings with every message.
func newFixture(t *testing.T, dest string, cfg client.StartdeliverConfig, settings map[string]any) *fixture {
	t.Helper()
	tf := testkit.NewFixture(t, srv, dest, client.AccountSpec{ID: "acme", Config: cfg})
	tf.Settings = settings
	f := &fixture{Fixture: tf, settings: settings}
	if dest == v2 {
		f.sd = tf.Client.StartdeliverV2("acme")
	} else {
		f.sd = tf.Client.Startdeliver("acme")
	}
	return f
}

// externalID is the config of the seed's example: a user text field
// externalId to match on.
func externalID() client.StartdeliverConfig {
	return client.StartdeliverConfig{CustomFields: []client.StartdeliverCustomField{{Alias: "externalId", Type: "text", Entity: "user"}}}
}

func matchOn(alias string) map[string]any {
	return map[string]any{"startdeliverUserCustomFieldToMatchOn": alias}
}

// sendErr sends with the settings as the test last set them (tests change
// f.settings; the sends of one test may run in parallel, so the fixture's
// own Settings are not written here).
func (f *fixture) sendErr(m client.Message) (*client.Result, error) {
	return f.Client.Send(ctx, f.Dest, f.Key, f.settings, m)
}

func (f *fixture) send(t *testing.T, m client.Message) *client.Result {
	t.Helper()
	res, err := f.sendErr(m)
	if err != nil {
		t.Fatalf("send %s: %v", m.Type, err)
	}
	return res
}

func (f *fixture) users(t *testing.T, q client.Query) []client.StartdeliverUser {
	t.Helper()
	return testkit.Must(f.sd.Users(ctx, q))(t)
}

func (f *fixture) user(t *testing.T, id int64) *client.StartdeliverUser {
	t.Helper()
	return testkit.Must(f.sd.User(ctx, id))(t)
}

func (f *fixture) customer(t *testing.T, id int64) *client.StartdeliverCustomer {
	t.Helper()
	return testkit.Must(f.sd.Customer(ctx, id))(t)
}

func (f *fixture) events(t *testing.T, q client.Query) []client.StartdeliverUsageEvent {
	t.Helper()
	return testkit.Must(f.sd.UsageEvents(ctx, q))(t)
}

// onlyUser asserts the account holds exactly one user and returns it.
func (f *fixture) onlyUser(t *testing.T) client.StartdeliverUser {
	t.Helper()
	us := f.users(t, nil)
	if len(us) != 1 {
		t.Fatalf("account holds %d users, want 1: %+v", len(us), us)
	}
	return us[0]
}

// wantIgnored asserts a 200 "ignored" answer whose reason holds contains,
// and that the request log says the same.
func (f *fixture) wantIgnored(t *testing.T, res *client.Result, contains string) {
	t.Helper()
	if res.Status != "ignored" || !strings.Contains(res.Reason, contains) {
		t.Fatalf("answer %s %q, want ignored with %q", res.Status, res.Reason, contains)
	}
	if e := f.LastEntry(); e.Status != 200 || e.Outcome != "ignored" || !strings.Contains(e.Message, contains) {
		t.Fatalf("request log %d %s %q, want 200 ignored with %q", e.Status, e.Outcome, e.Message, contains)
	}
}

func hasWarning(ws []string, contains string) bool {
	for _, w := range ws {
		if strings.Contains(w, contains) {
			return true
		}
	}
	return false
}
