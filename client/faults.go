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

// FaultRule makes matching webhook requests of a namespace misbehave: for
// the next Times matching requests (all when zero), each with Probability
// (always when zero) drawn from the server's seeded random source.
type FaultRule struct {
	ID          string      `json:"id,omitempty"`
	Match       FaultMatch  `json:"match"`
	Action      FaultAction `json:"action"`
	Times       int         `json:"times,omitempty"`
	Probability float64     `json:"probability,omitempty"`
	Remaining   int         `json:"remaining,omitempty"`
	Applied     int         `json:"applied,omitempty"`
}

// FaultMatch selects requests; empty fields match all.
type FaultMatch struct {
	Destination string `json:"destination,omitempty"`
	Account     string `json:"account,omitempty"`
	Key         string `json:"key,omitempty"`
	Type        string `json:"type,omitempty"`
	Event       string `json:"event,omitempty"`
	UserID      string `json:"userId,omitempty"`
}

// FaultAction is what a rule does. Durations are text: "250ms", "2s".
type FaultAction struct {
	Kind       string `json:"kind"`
	Status     int    `json:"status,omitempty"`
	Message    string `json:"message,omitempty"`
	RetryAfter string `json:"retryAfter,omitempty"`
	Latency    string `json:"latency,omitempty"`
	Jitter     string `json:"jitter,omitempty"`
	After      string `json:"after,omitempty"`
}

// AddFault adds a fault rule to the namespace and returns it with its id.
func (c *Client) AddFault(ctx context.Context, r FaultRule) (*FaultRule, error) {
	var out FaultRule
	return &out, c.Do(ctx, http.MethodPost, "/_emulator/faults", nil, r, &out)
}

// Faults lists the namespace's fault rules, with how often each applied.
func (c *Client) Faults(ctx context.Context) ([]FaultRule, error) {
	var l List[FaultRule]
	err := c.Do(ctx, http.MethodGet, "/_emulator/faults", nil, nil, &l)
	return l.Items, err
}

// DeleteFault removes one rule.
func (c *Client) DeleteFault(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/_emulator/faults/"+url.PathEscape(id), nil, nil, nil)
}

// ClearFaults removes every rule of the namespace.
func (c *Client) ClearFaults(ctx context.Context) error {
	return c.Do(ctx, http.MethodDelete, "/_emulator/faults", nil, nil, nil)
}
