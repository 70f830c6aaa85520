// Package client is a typed Go client for destemu: it sends Segment messages
// to the emulated destinations exactly as Segment does (Basic auth,
// X-Segment-Settings, User-Agent Segment.io/1.0), and has a method for every
// control-plane route. It uses the standard library only and never imports
// the server, so it is kept honest by tests that drive the real server.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// NamespaceHeader selects the namespace of a call.
const NamespaceHeader = "X-Destemu-Namespace"

// Client talks to one destemu server, in one namespace.
type Client struct {
	base       string
	http       *http.Client
	namespace  string
	adminToken string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (http.DefaultClient otherwise).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithAdminToken sends the control plane's admin token.
func WithAdminToken(token string) Option { return func(c *Client) { c.adminToken = token } }

// New returns a client for the server at baseURL ("http://127.0.0.1:8080").
func New(baseURL string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), http: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL returns the server's address.
func (c *Client) BaseURL() string { return c.base }

// Namespace returns a view of the client scoped to a namespace: its
// control-plane calls and the accounts its webhook sends may provision live
// there. The namespace is created on first use.
func (c *Client) Namespace(name string) *Client {
	cp := *c
	cp.namespace = name
	return &cp
}

// NamespaceName returns the namespace the client is scoped to ("" for the
// default namespace).
func (c *Client) NamespaceName() string { return c.namespace }

// Error is an answer that was not a success: its status and the server's
// {"message": ...}.
type Error struct {
	Status  int
	Message string
	// RetryAfter holds the Retry-After header, when there was one.
	RetryAfter string
}

func (e *Error) Error() string {
	return fmt.Sprintf("destemu: %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// StatusOf returns the HTTP status of an *Error in err's chain, 0 otherwise.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// Do calls a control-plane route: method, path (from AccountPath or a
// literal "/_emulator/..."), optional query, a JSON body in (nil for none)
// and a value out to decode the answer into (nil to discard it).
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("destemu: encoding the request: %w", err)
		}
	}
	req, err := c.controlRequest(ctx, method, path, query, body)
	if err != nil {
		return err
	}
	return c.roundTrip(req, out)
}

// controlRequest builds a control-plane request with a JSON body (nil for
// none).
func (c *Client) controlRequest(ctx context.Context, method, path string, query url.Values, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.setControlHeaders(req)
	return req, nil
}

// setControlHeaders adds what every control-plane call carries: the admin
// token and the namespace.
func (c *Client) setControlHeaders(req *http.Request) {
	if c.adminToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.adminToken)
	}
	c.setNamespace(req)
}

func (c *Client) setNamespace(req *http.Request) {
	if c.namespace != "" {
		req.Header.Set(NamespaceHeader, c.namespace)
	}
}

func (c *Client) roundTrip(req *http.Request, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("destemu: reading the answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		return errorOf(resp, data)
	}
	if out == nil {
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		// A success with nothing in it is not an empty list: a caller
		// waiting for requests must never pass on nothing.
		return fmt.Errorf("destemu: the answer of %s %s is %d with an empty body", req.Method, req.URL.Path, resp.StatusCode)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("destemu: decoding the answer of %s %s: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// errorOf reads a failed answer into an *Error.
func errorOf(resp *http.Response, data []byte) *Error {
	e := &Error{Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
	var env struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &env) == nil && env.Message != "" {
		e.Message = env.Message
	} else {
		e.Message = strings.TrimSpace(string(data))
	}
	return e
}

// AccountPath builds the control-plane path of an account of a destination,
// with more path segments after it, each escaped:
// AccountPath("usercom", "acme", "users", "u 1") is
// "/_emulator/usercom/accounts/acme/users/u%201".
func AccountPath(dest, account string, parts ...string) string {
	var b strings.Builder
	b.WriteString("/_emulator/")
	b.WriteString(url.PathEscape(dest))
	b.WriteString("/accounts/")
	b.WriteString(url.PathEscape(account))
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// Query is a convenience for filters: Query{"email": "a@b.c"}.
type Query map[string]string

// Values converts the query to url.Values.
func (q Query) Values() url.Values {
	v := make(url.Values, len(q))
	for k, s := range q {
		v.Set(k, s)
	}
	return v
}

// ListPage reads one page of any control-plane list at path, with the
// total that match: q holds the list's filters and its limit and offset
// (every list takes both). The typed list methods answer the items alone.
//
//	page, err := client.ListPage[client.Account](ctx, c, "/_emulator/promoter/accounts", client.Query{"limit": "10"})
func ListPage[T any](ctx context.Context, c *Client, path string, q Query) (*List[T], error) {
	var l List[T]
	if err := c.Do(ctx, http.MethodGet, path, q.Values(), nil, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// list reads the items of a control-plane list. (The error is taken before
// the items are read: Go leaves the order of a variable read and a call in
// one return statement unspecified.)
func list[T any](ctx context.Context, c *Client, path string, q url.Values) ([]T, error) {
	var l List[T]
	if err := c.Do(ctx, http.MethodGet, path, q, nil, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// call calls a control-plane route with a JSON body in (nil for none) and
// decodes its answer into a new T.
func call[T any](ctx context.Context, c *Client, method, path string, in any) (*T, error) {
	var out T
	return &out, c.Do(ctx, method, path, nil, in, &out)
}
