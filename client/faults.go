package client

import (
	"context"
	"net/http"
	"net/url"
)

// Fault kinds.
const (
	FaultStatus  = "status"  // answer a status; nothing is applied
	FaultLatency = "latency" // apply as usual, answer after a delay
	FaultDrop    = "drop"    // close the connection without an answer
	FaultTimeout = "timeout" // hold the request, then answer 504
)

// AddFault adds a fault rule to the namespace and returns it with its id.
func (c *Client) AddFault(ctx context.Context, r FaultRule) (*FaultRule, error) {
	return call[FaultRule](ctx, c, http.MethodPost, "/_emulator/faults", r)
}

// Faults lists the namespace's fault rules, with how often each applied.
func (c *Client) Faults(ctx context.Context) ([]FaultRule, error) {
	return list[FaultRule](ctx, c, "/_emulator/faults", nil)
}

// DeleteFault removes one rule.
func (c *Client) DeleteFault(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/_emulator/faults/"+url.PathEscape(id), nil, nil, nil)
}

// ClearFaults removes every rule of the namespace.
func (c *Client) ClearFaults(ctx context.Context) error {
	return c.Do(ctx, http.MethodDelete, "/_emulator/faults", nil, nil, nil)
}
