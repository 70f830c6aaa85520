package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// RequestCounts counts the logged requests that match f, grouped by the
// given fields (destination, account, status, outcome, type, event, userId;
// destination and status when none are given).
func (c *Client) RequestCounts(ctx context.Context, f RequestFilter, by ...string) (*Counts, error) {
	v := f.values()
	if len(by) > 0 {
		v.Set("by", strings.Join(by, ","))
	}
	var out Counts
	return &out, c.Do(ctx, http.MethodGet, "/_emulator/requests/counts", v, nil, &out)
}

// WaitFor waits, without sleeping, until n requests match f, for as long as
// ctx allows (10 seconds when ctx has no deadline), and returns them newest
// first. When they do not come it returns an *ExpectationError that shows
// what did arrive.
func (c *Client) WaitFor(ctx context.Context, f RequestFilter, n int) ([]Entry, error) {
	timeout := 10 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	got, err := c.WaitRequests(ctx, f, n, timeout)
	if err == nil {
		return got, nil
	}
	if StatusOf(err) != http.StatusRequestTimeout && !errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	// Read what is there with a fresh context: ctx may be spent.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	matching, _ := c.Requests(rctx, RequestFilter{Destination: f.Destination, Account: f.Account, Status: f.Status,
		Outcome: f.Outcome, Type: f.Type, UserID: f.UserID, Event: f.Event, AfterID: f.AfterID, Limit: 1000})
	recent, _ := c.Requests(rctx, RequestFilter{Limit: 10})
	return matching, &ExpectationError{Filter: f, Want: n, Matching: matching, Recent: recent}
}

// ExpectationError says that fewer requests than expected arrived, and
// shows those that matched and the newest ones of the namespace, so a
// failing test says what happened instead.
type ExpectationError struct {
	Filter   RequestFilter
	Want     int
	Matching []Entry
	Recent   []Entry
}

func (e *ExpectationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "want %d request(s) matching %s, got %d", e.Want, e.Filter, len(e.Matching))
	if len(e.Matching) > 0 {
		b.WriteString("\nmatching:")
		for _, en := range e.Matching {
			b.WriteString("\n  " + en.String())
		}
	}
	b.WriteString("\nnewest requests in the namespace:")
	if len(e.Recent) == 0 {
		b.WriteString(" none")
	}
	for _, en := range e.Recent {
		b.WriteString("\n  " + en.String())
	}
	return b.String()
}

// String writes the filter's set fields: {destination=usercom type=track}.
func (f RequestFilter) String() string {
	var parts []string
	for k, v := range f.values() {
		if k != "limit" && k != "offset" {
			parts = append(parts, k+"="+v[0])
		}
	}
	if len(parts) == 0 {
		return "{any}"
	}
	sortStrings(parts)
	return "{" + strings.Join(parts, " ") + "}"
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
