package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/config"
)

// tail follows a running server's request log: the newest entries first,
// then each new one as it arrives, one line each, in the form the Go client
// prints (client.Entry.String). It ends on Ctrl-C.
func tail(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: destemu tail [--url URL] [-n N] [filters]\n\nPrints the request log of a running server, then each new request as it arrives.\n\nflags:")
		fs.PrintDefaults()
	}
	url := fs.String("url", defaultURL(getenv), "the server's base URL (DESTEMU_URL)")
	token := fs.String("admin-token", getenv(config.EnvPrefix+"ADMIN_TOKEN"), "the server's admin token, when it has one (DESTEMU_ADMIN_TOKEN)")
	ns := fs.String("namespace", "", "the namespace to follow (default: default)")
	n := fs.Int("n", 10, "how many logged requests to print first")
	var f client.RequestFilter
	fs.StringVar(&f.Destination, "destination", "", "only this destination (its slug: usercom, promoter, ...)")
	fs.StringVar(&f.Account, "account", "", "only this account")
	fs.StringVar(&f.Outcome, "outcome", "", "only this outcome: ok, ignored, duplicate, refused or faulted")
	fs.StringVar(&f.Type, "type", "", "only this message type: identify, track, ...")
	fs.StringVar(&f.UserID, "user", "", "only this userId or anonymousId")
	fs.StringVar(&f.Event, "event", "", "only this event name")
	status := fs.String("status", "", "only this HTTP status")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("tail: unexpected argument %q (filters are flags: --destination usercom)", fs.Arg(0))
	}
	if *status != "" {
		var err error
		if f.Status, err = strconv.Atoi(*status); err != nil {
			return fmt.Errorf("tail: --status %q: want an HTTP status number", *status)
		}
	}
	if *n < 0 {
		return errors.New("tail: -n must not be negative")
	}
	c := client.New(*url, client.WithAdminToken(*token))
	if *ns != "" {
		c = c.Namespace(*ns)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return follow(ctx, c, f, *n, stdout)
}

// follow prints the newest n matching entries, oldest first, then streams
// the rest from the one after them, so nothing between the two is lost.
func follow(ctx context.Context, c *client.Client, f client.RequestFilter, n int, out io.Writer) error {
	print := func(e client.Entry) error {
		_, err := fmt.Fprintln(out, e.String())
		return err
	}
	// The newest ID of the log, whatever the filter: streaming starts there.
	newest, err := c.Requests(ctx, client.RequestFilter{Limit: 1})
	if err != nil {
		return err
	}
	if len(newest) > 0 {
		f.AfterID = newest[0].ID
	}
	if n > 0 && f.AfterID > 0 {
		lf := f
		lf.AfterID, lf.Limit = 0, n
		recent, err := c.Requests(ctx, lf)
		if err != nil {
			return err
		}
		for i := len(recent) - 1; i >= 0; i-- {
			if recent[i].ID <= f.AfterID {
				if err := print(recent[i]); err != nil {
					return err
				}
			}
		}
	}
	err = c.Stream(ctx, f, print)
	if errors.Is(err, context.Canceled) {
		return nil // Ctrl-C: the usual end
	}
	return err
}

// defaultURL is the server on this machine at DESTEMU_ADDR's port, or
// DESTEMU_URL when set.
func defaultURL(getenv func(string) string) string {
	if u := getenv(config.EnvPrefix + "URL"); u != "" {
		return u
	}
	if addr := getenv(config.EnvPrefix + "ADDR"); addr != "" && addr[0] == ':' {
		return "http://127.0.0.1" + addr
	}
	return "http://127.0.0.1:8080"
}
