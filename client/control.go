package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Inactive returns a pointer to false, for KeySpec.Active.
func Inactive() *bool { f := false; return &f }

// CreateAccount creates an account of a destination.
func (c *Client) CreateAccount(ctx context.Context, dest string, spec AccountSpec) (*Account, error) {
	return call[Account](ctx, c, http.MethodPost, "/_emulator/"+url.PathEscape(dest)+"/accounts", spec)
}

// Account reads an account.
func (c *Client) Account(ctx context.Context, dest, id string) (*Account, error) {
	return call[Account](ctx, c, http.MethodGet, AccountPath(dest, id), nil)
}

// Accounts lists a destination's accounts.
func (c *Client) Accounts(ctx context.Context, dest string) ([]Account, error) {
	return list[Account](ctx, c, "/_emulator/"+url.PathEscape(dest)+"/accounts", nil)
}

// DeleteAccount deletes an account and its keys.
func (c *Client) DeleteAccount(ctx context.Context, dest, id string) error {
	return c.Do(ctx, http.MethodDelete, AccountPath(dest, id), nil, nil, nil)
}

// ResetAccount clears an account's data, keeping its keys and settings.
func (c *Client) ResetAccount(ctx context.Context, dest, id string) error {
	return c.Do(ctx, http.MethodPost, AccountPath(dest, id, "reset"), nil, nil, nil)
}

// AddKey adds an API key to an account.
func (c *Client) AddKey(ctx context.Context, dest, account string, spec KeySpec) (*Key, error) {
	return call[Key](ctx, c, http.MethodPost, AccountPath(dest, account, "keys"), spec)
}

// Keys lists an account's API keys.
func (c *Client) Keys(ctx context.Context, dest, account string) ([]Key, error) {
	return list[Key](ctx, c, AccountPath(dest, account, "keys"), nil)
}

func (c *Client) keyStatus(ctx context.Context, dest, account, key, verb string) (*Key, error) {
	return call[Key](ctx, c, http.MethodPost, AccountPath(dest, account, "keys", key, verb), nil)
}

// RevokeKey revokes a key: requests with it answer 403 (G-12).
func (c *Client) RevokeKey(ctx context.Context, dest, account, key string) (*Key, error) {
	return c.keyStatus(ctx, dest, account, key, "revoke")
}

// ActivateKey makes a key active again.
func (c *Client) ActivateKey(ctx context.Context, dest, account, key string) (*Key, error) {
	return c.keyStatus(ctx, dest, account, key, "activate")
}

// DeactivateKey makes a key inactive: requests with it answer 401.
func (c *Client) DeactivateKey(ctx context.Context, dest, account, key string) (*Key, error) {
	return c.keyStatus(ctx, dest, account, key, "deactivate")
}

// RequestFilter selects request-log entries; zero fields match all.
type RequestFilter struct {
	Destination string
	Account     string
	Status      int
	Outcome     string
	Type        string
	UserID      string // userId or anonymousId
	Event       string
	AfterID     uint64
	Limit       int // list only: at most this many (server default 100)
	Offset      int // list only: skip this many of the newest matches
}

func (f RequestFilter) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"destination": f.Destination, "account": f.Account, "outcome": f.Outcome,
		"type": f.Type, "userId": f.UserID, "event": f.Event} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Status != 0 {
		v.Set("status", strconv.Itoa(f.Status))
	}
	if f.AfterID != 0 {
		v.Set("after", strconv.FormatUint(f.AfterID, 10))
	}
	if f.Limit != 0 {
		v.Set("limit", strconv.Itoa(f.Limit))
	}
	if f.Offset != 0 {
		v.Set("offset", strconv.Itoa(f.Offset))
	}
	return v
}

// Requests lists request-log entries, newest first.
func (c *Client) Requests(ctx context.Context, f RequestFilter) ([]Entry, error) {
	return list[Entry](ctx, c, "/_emulator/requests", f.values())
}

// WaitRequests blocks (a long poll, no sleeping) until n entries match or
// timeout passes, and returns the matching entries, newest first. On timeout
// it returns an *Error with status 408.
func (c *Client) WaitRequests(ctx context.Context, f RequestFilter, n int, timeout time.Duration) ([]Entry, error) {
	v := f.values()
	v.Set("count", strconv.Itoa(n))
	v.Set("timeout", timeout.String())
	return list[Entry](ctx, c, "/_emulator/requests/wait", v)
}

// ClearRequests empties the namespace's request log.
func (c *Client) ClearRequests(ctx context.Context) error {
	return c.Do(ctx, http.MethodDelete, "/_emulator/requests", nil, nil, nil)
}

// ClockState is a namespace clock.
type ClockState struct {
	Now    time.Time `json:"now"`
	Frozen bool      `json:"frozen"`
	Offset string    `json:"offset"`
}

// Clock reads the namespace clock.
func (c *Client) Clock(ctx context.Context) (*ClockState, error) {
	return c.clock(ctx, http.MethodGet, "", nil)
}

func (c *Client) clock(ctx context.Context, method, verb string, in any) (*ClockState, error) {
	p := "/_emulator/clock"
	if verb != "" {
		p += "/" + verb
	}
	return call[ClockState](ctx, c, method, p, in)
}

// FreezeClock stops the namespace clock.
func (c *Client) FreezeClock(ctx context.Context) (*ClockState, error) {
	return c.clock(ctx, http.MethodPost, "freeze", nil)
}

// SetClock moves the namespace clock to t (a frozen clock stays frozen).
func (c *Client) SetClock(ctx context.Context, t time.Time) (*ClockState, error) {
	return c.clock(ctx, http.MethodPost, "set", map[string]any{"time": t})
}

// FreezeClockAt freezes the namespace clock at t.
func (c *Client) FreezeClockAt(ctx context.Context, t time.Time) (*ClockState, error) {
	return c.clock(ctx, http.MethodPost, "set", map[string]any{"time": t, "freeze": true})
}

// AdvanceClock moves the namespace clock forward by d.
func (c *Client) AdvanceClock(ctx context.Context, d time.Duration) (*ClockState, error) {
	return c.clock(ctx, http.MethodPost, "advance", map[string]any{"duration": d.String()})
}

// ResumeClock lets a frozen clock run again from where it stands.
func (c *Client) ResumeClock(ctx context.Context) (*ClockState, error) {
	return c.clock(ctx, http.MethodPost, "resume", nil)
}

// ResetClock returns the namespace clock to real time.
func (c *Client) ResetClock(ctx context.Context) (*ClockState, error) {
	return c.clock(ctx, http.MethodPost, "reset", nil)
}

// CreateNamespace creates a namespace (it is also created on first use).
func (c *Client) CreateNamespace(ctx context.Context, name string) (*NamespaceInfo, error) {
	return call[NamespaceInfo](ctx, c, http.MethodPost, "/_emulator/namespaces", map[string]string{"name": name})
}

// Namespaces lists the server's namespaces.
func (c *Client) Namespaces(ctx context.Context) ([]NamespaceInfo, error) {
	return list[NamespaceInfo](ctx, c, "/_emulator/namespaces", nil)
}

// DeleteNamespace removes a namespace and everything in it.
func (c *Client) DeleteNamespace(ctx context.Context, name string) error {
	return c.Do(ctx, http.MethodDelete, "/_emulator/namespaces/"+url.PathEscape(name), nil, nil, nil)
}

// Reset empties the client's namespace: accounts, request log, clock.
func (c *Client) Reset(ctx context.Context) error {
	return c.Do(ctx, http.MethodPost, "/_emulator/reset", nil, nil, nil)
}

// ResetAll empties the whole server, every namespace.
func (c *Client) ResetAll(ctx context.Context) error {
	return c.Do(ctx, http.MethodPost, "/_emulator/reset", url.Values{"scope": {"all"}}, nil, nil)
}

// Info reads the server's version, mode and destinations.
func (c *Client) Info(ctx context.Context) (*ServerInfo, error) {
	return call[ServerInfo](ctx, c, http.MethodGet, "/_emulator/info", nil)
}

// Ready reports whether /readyz answers 200.
func (c *Client) Ready(ctx context.Context) error {
	return c.Do(ctx, http.MethodGet, "/readyz", nil, nil, nil)
}

// Snapshot exports all state of every namespace (accounts, keys, settings,
// vendor-side state, recent messageIds, clocks) as one versioned JSON
// document, whatever namespace the client is scoped to. Keep it as a file
// and give it to RestoreSnapshot, here or on another server.
func (c *Client) Snapshot(ctx context.Context) (json.RawMessage, error) {
	var doc json.RawMessage
	return doc, c.Do(ctx, http.MethodGet, "/_emulator/snapshot", nil, nil, &doc)
}

// RestoreSnapshot replaces all state of the server, every namespace, with a
// document from Snapshot, at once; request logs are cleared. An invalid
// document is answered 400 and changes nothing. It replaces the namespaces
// of other tests too: use it on a server of your own.
func (c *Client) RestoreSnapshot(ctx context.Context, doc json.RawMessage) error {
	return c.Do(ctx, http.MethodPut, "/_emulator/snapshot", nil, doc, nil)
}
