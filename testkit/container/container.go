// Package container starts destemu's image for a Go test with
// testcontainers-go, as a testcontainers module does: Run(ctx, image,
// opts...) returns a *Container that is both a testcontainers.Container
// and a testkit.Emulator, so a test body written for testkit.Start runs
// against the image unchanged. It is a package of its own so that a test
// which only starts destemu in-process (testkit.Start) does not compile,
// or list in its go.mod, Docker's and testcontainers' modules.
package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// DefaultImage is the image .ci/image and BuildImage build from a checkout.
// Its first path element has a dot, so Docker reads it as a registry host:
// testcontainers' Docker Hub prefix substitution
// (TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX, hub.image.name.prefix) leaves it
// alone, and no one mistakes it for an image on Docker Hub.
const DefaultImage = "destemu.local/destemu:dev"

// PublishedImage is the repository releases are published to; a user who
// does not build from a checkout runs PublishedImage + ":" + a version,
// e.g. "ghcr.io/destemu/destemu:v0.1.0".
const PublishedImage = "ghcr.io/destemu/destemu"

// EnvImage names the environment variable that turns container-mode tests
// on and names the image they run (see ImageFromEnv).
const EnvImage = "DESTEMU_IMAGE"

// port is the port destemu listens on inside the image (DESTEMU_ADDR=:8080
// in the Dockerfile).
const port = "8080/tcp"

// seedDir is where WithSeed copies seed files inside the container.
const seedDir = "/seed/"

// Container is destemu running in a container started by Run. It is a
// testcontainers.Container (Terminate, Logs, Stop, Inspect ...) and a
// testkit.Emulator, so the test bodies written for testkit.Start run
// against it unchanged.
type Container struct {
	testcontainers.Container
	url    string
	client *client.Client
}

// URL returns the base URL of destemu as mapped on the Docker host
// (http://127.0.0.1:32768).
func (c *Container) URL() string { return c.url }

// Client returns a client for the container's default namespace; it sends
// the admin token when WithAdminToken was given.
func (c *Container) Client() *client.Client { return c.client }

// Options carries testkit's options (testkit.WithStrict, WithAdminToken,
// WithLogLevel, WithSeed, WithFrozenClock) to Run; made by With. Its
// Customize does nothing, because Run reads the options itself and turns
// them into flags and files (the testcontainers-go module contract).
type Options []testkit.Option

// With hands testkit's options to Run, beside testcontainers' own:
//
//	container.Run(ctx, image, container.With(testkit.WithStrict()), testcontainers.WithEnv(env))
//
// The same options start testkit.Start's in-process server, so one list
// serves both modes.
func With(opts ...testkit.Option) Options { return Options(opts) }

// Customize is a no-op; Run applies the options (see Options).
func (Options) Customize(*testcontainers.GenericContainerRequest) error { return nil }

// Run starts destemu from image (DefaultImage after .ci/image or
// BuildImage; PublishedImage:<version> otherwise) and waits until /readyz
// answers 200. opts are testkit's options wrapped by With and any
// testcontainers.ContainerCustomizer, e.g. testcontainers.WithCmdArgs
// ("--body-limit", "64KiB") or testcontainers.WithEnv. Like every
// testcontainers module, Run returns the container even with an error, so
// the caller can terminate it (testcontainers.CleanupContainer(t, c) before
// checking err).
func Run(ctx context.Context, image string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	var given []testkit.Option
	for _, opt := range opts {
		if w, ok := opt.(Options); ok {
			given = append(given, w...)
		}
	}
	o, err := testkit.Resolve(given...)
	if err != nil {
		return nil, fmt.Errorf("run destemu: %w", err)
	}
	if o.InProcessOnly != "" {
		return nil, fmt.Errorf("run destemu: %s works in-process only", o.InProcessOnly)
	}
	if err := checkSeeds(o.Seeds); err != nil {
		return nil, fmt.Errorf("run destemu: %w", err)
	}

	all := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(port),
		// A short poll interval: destemu is ready within milliseconds of
		// starting, and the default 100ms would be most of Run's time.
		testcontainers.WithWaitStrategy(wait.ForHTTP("/readyz").WithPort(port).
			WithPollInterval(10 * time.Millisecond).WithStartupTimeout(30 * time.Second)),
	}
	all = append(all, opts...)
	// The options' flags come after the caller's customizers, so a
	// testcontainers.WithCmd given to Run cannot silently drop them.
	all = append(all, containerArgs(o)...)

	ctr, err := testcontainers.Run(ctx, image, all...)
	var c *Container
	if ctr != nil {
		c = &Container{Container: ctr}
	}
	if err != nil {
		return c, fmt.Errorf("run destemu: %w", explainReaper(err, testcontainers.ReadConfig().RyukDisabled))
	}
	endpoint, err := ctr.PortEndpoint(ctx, port, "http")
	if err != nil {
		return c, fmt.Errorf("run destemu: %w", err)
	}
	var copts []client.Option
	if o.AdminToken != "" {
		copts = append(copts, client.WithAdminToken(o.AdminToken))
	}
	c.url, c.client = endpoint, client.New(endpoint, copts...)
	if o.FrozenAt != nil {
		if _, err := c.client.FreezeClockAt(ctx, *o.FrozenAt); err != nil {
			return c, fmt.Errorf("run destemu: freeze the clock: %w", err)
		}
	}
	return c, nil
}

// errReaper is what Run adds to testcontainers' error when its reaper
// cannot start: the usual cause is a machine that cannot pull the reaper's
// image from Docker Hub, where the error itself only names a registry.
var errReaper = errors.New("testcontainers could not start its reaper (Ryuk, the container " +
	"that removes what a test run leaves behind; its image testcontainers/ryuk is pulled from Docker Hub). " +
	"Where that image cannot be pulled, set TESTCONTAINERS_RYUK_DISABLED=true (or ryuk.disabled=true in " +
	"~/.testcontainers.properties): Run's containers are then removed only by Terminate, which " +
	"testcontainers.CleanupContainer(t, c) calls when the test ends")

// explainReaper puts errReaper in front of err when err came from starting
// the reaper, so the caller reads what to set and why before the registry
// error underneath.
func explainReaper(err error, ryukDisabled bool) error {
	if ryukDisabled || !strings.Contains(err.Error(), "reaper") {
		return err
	}
	return fmt.Errorf("%w: %w", errReaper, err)
}

// checkSeeds reports a seed file that is missing, or that would land on
// another one in the container's /seed, before any container is made.
func checkSeeds(seeds []string) error {
	names := make(map[string]string, len(seeds))
	for _, s := range seeds {
		if _, err := os.Stat(s); err != nil {
			return fmt.Errorf("seed file: %w", err)
		}
		if other, ok := names[filepath.Base(s)]; ok {
			return fmt.Errorf("seed files %s and %s have the same name inside the container", other, s)
		}
		names[filepath.Base(s)] = s
	}
	return nil
}

// containerArgs turns the options into the container's flags and files.
func containerArgs(o testkit.Settings) []testcontainers.ContainerCustomizer {
	var args []string
	if o.Strict {
		args = append(args, "--strict")
	}
	if o.AdminToken != "" {
		args = append(args, "--admin-token", o.AdminToken)
	}
	if o.LogLevel != nil {
		args = append(args, "--log-level", o.LogLevel.String())
	}
	var files []testcontainers.ContainerFile
	for _, s := range o.Seeds {
		in := seedDir + filepath.Base(s)
		// 0o644: the image runs as an unprivileged user (65532).
		files = append(files, testcontainers.ContainerFile{HostFilePath: s, ContainerFilePath: in, FileMode: 0o644})
		args = append(args, "--seed", in)
	}
	var out []testcontainers.ContainerCustomizer
	if len(args) > 0 {
		out = append(out, testcontainers.WithCmdArgs(args...))
	}
	if len(files) > 0 {
		out = append(out, testcontainers.WithFiles(files...))
	}
	return out
}

// ImageFromEnv returns the image named by DESTEMU_IMAGE, or an error that
// says why container-mode tests cannot run here: the variable is unset, no
// Docker daemon answers, or the image is not present locally (nothing is
// pulled: build it with .ci/image or BuildImage, or docker pull it first).
// Tests skip with the error's message, so `go test ./...` passes on a
// machine without Docker:
//
//	image, err := container.ImageFromEnv(ctx)
//	if err != nil {
//		t.Skip(err)
//	}
func ImageFromEnv(ctx context.Context) (string, error) {
	image := os.Getenv(EnvImage)
	if image == "" {
		return "", fmt.Errorf("container mode is off: set %s=%s after building the image with .ci/image", EnvImage, DefaultImage)
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return "", fmt.Errorf("container mode: no Docker daemon answers: %w", err)
	}
	defer cli.Close()
	if _, err := cli.ImageInspect(ctx, image); err != nil {
		if errdefs.IsNotFound(err) {
			return "", fmt.Errorf("container mode: image %s is not present locally: build it with .ci/image, or docker pull it", image)
		}
		return "", fmt.Errorf("container mode: inspect image %s: %w", image, err)
	}
	return image, nil
}
