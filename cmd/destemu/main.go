// Command destemu runs the destination emulator.
//
//	destemu [serve] [flags]                 run the server (see destemu -h)
//	destemu scenario run FILE... [flags]    run scenario files; exit 0 only if all pass
//	destemu scenario validate FILE...       check scenario files without running them
//	destemu tail [--url U] [filters]        follow a running server's request log
//	destemu version                         print the version
//	destemu healthcheck [--url U]           exit 0 when /readyz answers 200 (for Docker)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // the IANA database, so a scratch image checks timezones too (CN-6)

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/config"
	"github.com/destemu/destemu/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, getenv, stdout, stderr)
}

// runContext is run with a context whose end stops the server as a signal
// does, so tests can stop and restart it in-process.
func runContext(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "help":
		fmt.Fprint(stdout, usage)
		err = serve(ctx, []string{"-h"}, getenv, stdout)
	case "serve":
		if wantsHelp(args) {
			fmt.Fprint(stdout, usage)
			stderr = stdout // the flags, after the overview
		}
		err = serve(ctx, args, getenv, stderr)
	case "version":
		fmt.Fprintln(stdout, "destemu", version)
	case "healthcheck":
		err = healthcheck(args, getenv, stderr)
	case "scenario":
		err = scenario(ctx, args, getenv, stdout, stderr)
	case "tail":
		err = tail(ctx, args, getenv, stdout, stderr)
	default:
		err = fmt.Errorf("unknown command %q (want serve, scenario, tail, healthcheck, version or help; destemu --help says more)", cmd)
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "destemu:", err)
		return 1
	}
	return 0
}

// usage is what destemu --help prints before the server's flags: every
// sub-command, so a newcomer finds them without reading the source.
const usage = `destemu emulates Segment partner destinations in memory (Startdeliver,
Zendesk Connect, Promoter, User.com): webhooks, a control plane under
/_emulator, Segment's tracking API under /v1.

Commands:
  destemu [serve] [flags]                      run the server on --addr (default :8080)
  destemu scenario run FILE|FOLDER... [flags]  run scenario files; exit 0 only if all pass
  destemu scenario validate FILE|FOLDER...     check scenario files without running them
  destemu tail [--url U] [filters]             follow a running server's request log (--help: its flags)
  destemu healthcheck [--url U]                exit 0 when /readyz answers 200 (the image's HEALTHCHECK)
  destemu version                              print the version
  destemu help                                 this text

"destemu COMMAND --help" shows a command's own flags. Every server flag
has a DESTEMU_* environment variable (flag > environment > default).

`

// wantsHelp reports whether args ask for help (-h, -help or --help before
// a "--").
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := config.Load("destemu", args, getenv, stderr)
	if err != nil {
		return err
	}
	gin.SetMode(gin.ReleaseMode)
	gcCtx, stopGC := context.WithCancel(ctx)
	defer stopGC()
	server.PaceGC(gcCtx, getenv)
	logs := newLogBuffer(stderr)
	defer logs.Close()
	log := cfg.Logger(logs)
	scfg := cfg.Server()
	scfg.Logger, scfg.Version = log, version
	srv, err := server.New(scfg)
	if err != nil {
		return err
	}
	var state *server.StateFile
	seeds := cfg.Seeds
	if cfg.StateFile != "" {
		if _, statErr := os.Stat(cfg.StateFile); statErr == nil && len(seeds) > 0 {
			// The state file holds what the seeds made on the first start,
			// and all that happened since.
			log.Info("state file exists; seeds are not applied again", "stateFile", cfg.StateFile, "seeds", seeds)
			seeds = nil
		}
		if state, err = srv.OpenStateFile(cfg.StateFile, cfg.StateInterval); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return errors.Join(err, closeState(state))
	}
	hs := srv.HTTPServer()

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	srv.SetReady(len(seeds) == 0) // /livez answers while seeding; /readyz waits for it
	go func() { errc <- hs.Serve(ln) }()
	log.Info("destemu listening", "addr", ln.Addr().String(), "version", version, "strict", cfg.Strict, "stateFile", cfg.StateFile)
	if len(seeds) > 0 {
		if err := srv.Seed(ctx, seeds...); err != nil {
			_ = hs.Close()
			return errors.Join(err, closeState(state))
		}
		srv.SetReady(true)
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("shutting down; letting in-flight requests finish", "grace", cfg.ShutdownGrace)
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
		defer cancel()
		if err = hs.Shutdown(sctx); err != nil {
			err = fmt.Errorf("shutdown: %w", err)
		}
	}
	// Saved after the HTTP server stopped, so the last requests are in it.
	return errors.Join(err, closeState(state))
}

func closeState(state *server.StateFile) error {
	if state == nil {
		return nil
	}
	return state.Close()
}

func healthcheck(args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := "http://127.0.0.1:8080/readyz"
	if addr := getenv(config.EnvPrefix + "ADDR"); addr != "" && addr[0] == ':' {
		def = "http://127.0.0.1" + addr + "/readyz"
	}
	url := fs.String("url", def, "the readiness URL to check")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(*url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", *url, resp.Status)
	}
	return nil
}
