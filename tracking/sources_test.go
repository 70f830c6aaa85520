package tracking_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// TestSourcesControlPlane: sources are created, read, replaced and deleted
// per namespace; bad input is a 400 naming the field and changes nothing.
func TestSourcesControlPlane(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	ctx := context.Background()
	c := srv.Client().Namespace("team-a")
	src := client.Source{WriteKey: "wk_a", Name: "web", Connections: []client.Connection{
		{Destination: "usercom", APIKey: "uc_a", Settings: map[string]any{}},
		{Destination: "startdeliver", APIKey: "sd_a", Settings: map[string]any{"startdeliverUserCustomFieldToMatchOn": "segmentId"}},
	}}
	created, err := c.CreateSource(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if created.Created.IsZero() || len(created.Connections) != 2 || created.Connections[0].Enabled == nil || !*created.Connections[0].Enabled {
		t.Errorf("created = %+v", created)
	}
	for name, tc := range map[string]struct {
		spec   client.Source
		status int
		want   string
	}{
		"again":               {src, http.StatusConflict, "already exists"},
		"no write key":        {client.Source{}, 400, "\"writeKey\" is required"},
		"slash":               {client.Source{WriteKey: "a/b"}, 400, "\"writeKey\""},
		"unknown destination": {client.Source{WriteKey: "x", Connections: []client.Connection{{Destination: "nope", APIKey: "k"}}}, 400, "connections[0].destination"},
		"no api key":          {client.Source{WriteKey: "x", Connections: []client.Connection{{Destination: "promoter"}}}, 400, "connections[0].apiKey"},
		"bad setting":         {client.Source{WriteKey: "x", Connections: []client.Connection{{Destination: "promoter", APIKey: "k", Settings: map[string]any{"colour": "red"}}}}, 400, "connections[0].settings"},
		"other namespace":     {src, http.StatusConflict, "another namespace"},
	} {
		cc := c
		if name == "other namespace" {
			cc = srv.Client().Namespace("team-b")
		}
		_, err := cc.CreateSource(ctx, tc.spec)
		var e *client.Error
		if !errorAs(err, &e) || e.Status != tc.status || !strings.Contains(e.Message, tc.want) {
			t.Errorf("%s: %v, want %d naming %s", name, err, tc.status, tc.want)
		}
	}
	if got, _ := c.Sources(ctx); len(got) != 1 || got[0].WriteKey != "wk_a" {
		t.Errorf("sources = %+v", got)
	}
	if got, _ := srv.Client().Namespace("team-b").Sources(ctx); len(got) != 0 {
		t.Errorf("team-b sees %+v", got)
	}
	if _, err := srv.Client().Namespace("team-b").Source(ctx, "wk_a"); client.StatusOf(err) != 404 {
		t.Errorf("team-b reads team-a's source: %v", err)
	}
	up, err := c.UpdateSource(ctx, client.Source{WriteKey: "wk_a", Name: "web v2", Connections: src.Connections[:1]})
	if err != nil || up.Name != "web v2" || len(up.Connections) != 1 || !up.Created.Equal(created.Created) {
		t.Errorf("update = %+v, %v", up, err)
	}
	if err := c.Do(ctx, "PUT", "/_emulator/sources/wk_a", nil, map[string]any{"writeKey": "wk_b"}, nil); client.StatusOf(err) != 400 {
		t.Errorf("changing the write key by PUT: %v", err)
	}
	if _, err := c.UpdateSource(ctx, client.Source{WriteKey: "wk_none"}); client.StatusOf(err) != 404 {
		t.Errorf("update of an unknown source: %v", err)
	}
	if err := c.DeleteSource(ctx, "wk_a"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSource(ctx, "wk_a"); client.StatusOf(err) != 404 {
		t.Errorf("second delete: %v", err)
	}
	// A deleted source frees its write key for every namespace.
	if _, err := srv.Client().Namespace("team-b").CreateSource(ctx, src); err != nil {
		t.Errorf("reusing a freed write key: %v", err)
	}
}

// TestSourcesResetAndSnapshot: a reset or a namespace delete removes the
// namespace's sources; a snapshot keeps them, and they deliver after an
// import.
func TestSourcesResetAndSnapshot(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	ctx := context.Background()
	a, b := srv.Client().Namespace("a"), srv.Client().Namespace("b")
	for _, tc := range []struct {
		c  *client.Client
		wk string
	}{{a, "wk_1"}, {b, "wk_2"}} {
		if _, err := tc.c.CreateSource(ctx, client.Source{WriteKey: tc.wk, Connections: []client.Connection{
			{Destination: "connect", APIKey: "cn_" + tc.wk, Enabled: client.Disabled()}, {Destination: "usercom", APIKey: "uc_" + tc.wk}}}); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := srv.Client().Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), `"sources"`) {
		t.Fatalf("snapshot has no sources: %s", doc)
	}
	if err := a.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Client().DeleteNamespace(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Sources(ctx); len(got) != 0 {
		t.Fatalf("after a reset: %+v", got)
	}
	if _, err := a.CreateSource(ctx, client.Source{WriteKey: "wk_2"}); err != nil {
		t.Errorf("the deleted namespace still holds wk_2: %v", err)
	}
	if err := srv.Client().RestoreSnapshot(ctx, doc); err != nil {
		t.Fatal(err)
	}
	got, err := b.Source(ctx, "wk_2")
	if err != nil || len(got.Connections) != 2 || *got.Connections[0].Enabled || !*got.Connections[1].Enabled {
		t.Fatalf("restored source = %+v, %v", got, err)
	}
	if _, err := a.Source(ctx, "wk_2"); client.StatusOf(err) != 404 {
		t.Errorf("the import kept a source the snapshot does not hold: %v", err)
	}
	if err := b.Batch(ctx, "wk_2", client.Identify("u", map[string]any{"email": "u@example.com"})); err != nil {
		t.Fatal(err)
	}
	if u, err := b.Usercom("uc_wk_2").User(ctx, "u"); err != nil || u.Email != "u@example.com" {
		t.Errorf("User.com user after the import = %+v, %v", u, err)
	}
	// A document whose write key is in two namespaces is refused whole.
	bad := strings.Replace(string(doc), `"wk_1"`, `"wk_2"`, 1)
	if err := srv.Client().RestoreSnapshot(ctx, []byte(bad)); client.StatusOf(err) != 400 || !strings.Contains(err.Error(), "write key") {
		t.Errorf("duplicate write key import: %v", err)
	}
}
