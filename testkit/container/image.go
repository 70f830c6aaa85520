package container

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	mobyclient "github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// BuildImage builds the destemu image from the checkout at repoDir and tags
// it (DefaultImage, say), for tests that should run against the code they
// test rather than a release. It compiles cmd/destemu on this host as
// .ci/image does (static, GOOS=linux, -trimpath, -tags nomsgpack, -ldflags
// "-s -w") into repoDir/dist/destemu, then builds the Dockerfile's
// "prebuilt" target, a scratch image that only copies that binary in:
// nothing is pulled, so it works without a registry. (A plain
// `docker build .` compiles inside golang:1.26 instead, which has to be
// pulled.) It needs the go command and a Docker daemon, and talks to the
// daemon through testcontainers' Docker client, not the docker CLI.
func BuildImage(ctx context.Context, repoDir, tag string) error {
	repo, version, ok := splitTag(tag)
	if !ok {
		return fmt.Errorf("build image: tag %q: want repository:tag, e.g. %s", tag, DefaultImage)
	}
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags", "nomsgpack",
		"-ldflags", "-s -w -X main.version="+describe(ctx, repoDir),
		"-o", filepath.Join("dist", "destemu"), "./cmd/destemu")
	build.Dir = repoDir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build image: go build: %w\n%s", err, out)
	}
	// The image's /data, owned by destemu's user, for a state file.
	if err := os.MkdirAll(filepath.Join(repoDir, "dist", "data"), 0o755); err != nil {
		return fmt.Errorf("build image: %w", err)
	}

	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return fmt.Errorf("build image: %w", err)
	}
	defer p.Close()
	var log bytes.Buffer
	_, err = p.BuildImage(ctx, &testcontainers.ContainerRequest{FromDockerfile: testcontainers.FromDockerfile{
		Context: repoDir, Repo: repo, Tag: version, BuildLogWriter: &log,
		// Keep the image: without this testcontainers labels it as its
		// session's, and its reaper would delete it after the tests.
		KeepImage:            true,
		BuildOptionsModifier: func(o *mobyclient.ImageBuildOptions) { o.Target = "prebuilt" },
	}})
	if err != nil {
		return fmt.Errorf("build image: docker build --target prebuilt: %w\n%s", err, log.String())
	}
	return nil
}

// splitTag splits "host/name:tag" into "host/name" and "tag".
func splitTag(tag string) (repo, version string, ok bool) {
	i := strings.LastIndex(tag, ":")
	if i <= 0 || i == len(tag)-1 || strings.Contains(tag[i:], "/") {
		return "", "", false
	}
	return tag[:i], tag[i+1:], true
}

// describe is the version stamped into the binary: git describe, as
// .ci/image does, or "dev" outside a git checkout.
func describe(ctx context.Context, repoDir string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", repoDir, "describe", "--tags", "--always", "--dirty").Output()
	if v := strings.TrimSpace(string(out)); err == nil && v != "" {
		return v
	}
	return "dev"
}
