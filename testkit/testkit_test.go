package testkit_test

import (
	"context"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// TestIsolatedNamespacesAreRemoved runs on the server the package's tests
// share, as Isolated is meant to be used.
func TestIsolatedNamespacesAreRemoved(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("inner", func(t *testing.T) {
		ns := testkit.Isolated(t, inProcess)
		name = ns.Name
		testkit.Must(ns.Client().FreezeClock(context.Background()))(t)
	})
	list, err := inProcess.Client().Namespaces(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range list {
		if n.Name == name {
			t.Fatalf("namespace %s outlived its test", name)
		}
	}
}

func TestFrozenClockOption(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := testkit.Start(t, testkit.WithFrozenClock(at))
	st, err := srv.Client().Clock(context.Background())
	if err != nil || !st.Now.Equal(at) || !st.Frozen {
		t.Fatalf("clock %+v, %v", st, err)
	}
}

func TestExpectRequests(t *testing.T) {
	t.Parallel()
	ns := testkit.Isolated(t, inProcess)
	go func() {
		_, _ = ns.Client().Send(context.Background(), "promoter", ns.Name+"-key", nil, client.Track("u", "E", nil))
	}()
	got := testkit.ExpectRequests(t, ns, client.RequestFilter{Destination: "promoter"}, 1, 10*time.Second)
	if len(got) != 1 || got[0].Event != "E" {
		t.Fatalf("got %+v", got)
	}
}

// TestWithSeed starts a server whose default namespace holds the accounts
// of a seed scenario, with their keys as written.
func TestWithSeed(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t, testkit.WithSeed("../scenarios/testdata/format/seed-only.yaml"))
	res, err := srv.Client().Send(context.Background(), "promoter", "pk_sandbox", nil,
		client.Identify("ted", map[string]any{"email": "ted@example.com"}))
	if err != nil || res.Account != "sandbox" {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := testkit.New(testkit.WithSeed("no-such-file.yaml")); err == nil {
		t.Fatal("a missing seed file started a server")
	}
}
