package testkit_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/testcontainers/testcontainers-go"

	"github.com/destemu/destemu/testkit"
	"github.com/destemu/destemu/testkit/container"
)

// The two servers the end-to-end bodies share: an in-process one, started
// by TestMain, and a container, started by the first test that asks for it
// (when container mode is on, see container.ImageFromEnv). Every body gets a
// fresh namespace on them (testkit.Isolated), so the bodies run in parallel
// on one server without seeing each other, clocks included.
var (
	inProcess *testkit.Server
	box       containerMode
)

func TestMain(m *testing.M) {
	code := testkit.Main(m, &inProcess)
	if err := box.terminate(); err != nil {
		fmt.Fprintln(os.Stderr, "testkit: terminate the shared container:", err)
		code = 1
	}
	os.Exit(code)
}

// containerMode finds the image once and starts the shared container once.
type containerMode struct {
	probe sync.Once
	image string
	off   error // why container mode is off; the container tests skip

	start  sync.Once
	shared *container.Container
	err    error
}

// Image returns the image under test, or skips the test saying why there
// is none (DESTEMU_IMAGE unset, no Docker daemon, image not built).
func (m *containerMode) Image(t *testing.T) string {
	t.Helper()
	m.probe.Do(func() { m.image, m.off = container.ImageFromEnv(context.Background()) })
	if m.off != nil {
		t.Skip(m.off)
	}
	return m.image
}

// Shared returns the container the end-to-end bodies share.
func (m *containerMode) Shared(t *testing.T) *container.Container {
	t.Helper()
	image := m.Image(t)
	m.start.Do(func() { m.shared, m.err = container.Run(context.Background(), image) })
	if m.err != nil {
		t.Fatalf("start the shared container: %v", m.err)
	}
	return m.shared
}

func (m *containerMode) terminate() error {
	if m.shared == nil {
		return nil
	}
	return m.shared.Terminate(context.Background())
}

// run starts a container of its own for one test, with options the shared
// one does not have; it is terminated when the test ends.
func run(t *testing.T, opts ...testcontainers.ContainerCustomizer) *container.Container {
	t.Helper()
	c, err := container.Run(context.Background(), box.Image(t), opts...)
	testcontainers.CleanupContainer(t, c)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// eachMode runs one test body in every mode, in parallel: in-process and
// against the container, each time in a fresh namespace of the shared
// server.
func eachMode(t *testing.T, body func(t *testing.T, e testkit.Emulator)) {
	t.Helper()
	t.Run("in-process", func(t *testing.T) {
		t.Parallel()
		body(t, testkit.Isolated(t, inProcess))
	})
	t.Run("container", func(t *testing.T) {
		t.Parallel()
		body(t, testkit.Isolated(t, box.Shared(t)))
	})
}

// eachModeWith runs one test body in every mode on a server of its own,
// started with opts: the same options in both modes.
func eachModeWith(t *testing.T, opts []testkit.Option, body func(t *testing.T, e testkit.Emulator)) {
	t.Helper()
	t.Run("in-process", func(t *testing.T) {
		t.Parallel()
		body(t, testkit.Start(t, opts...))
	})
	t.Run("container", func(t *testing.T) {
		t.Parallel()
		body(t, run(t, container.With(opts...)))
	})
}
