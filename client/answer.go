package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Answer is an HTTP answer exactly as it came back, whatever its status:
// for tools that check the wire itself (the scenario runner checks a
// refusal's Content-Type and Retry-After, G-4 and PR-13).
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// SendAnswer posts a hand-made webhook request and returns the answer; a
// refusal is an Answer, not an error. Errors are transport failures.
func (c *Client) SendAnswer(ctx context.Context, dest string, r RawRequest) (*Answer, error) {
	req, err := c.webhookRequest(ctx, dest, r)
	if err != nil {
		return nil, err
	}
	return c.exchange(req)
}

// DoAnswer calls a control-plane route with a JSON body (nil for none) and
// returns the answer, whatever its status.
func (c *Client) DoAnswer(ctx context.Context, method, path string, query url.Values, body []byte) (*Answer, error) {
	req, err := c.controlRequest(ctx, method, path, query, body)
	if err != nil {
		return nil, err
	}
	return c.exchange(req)
}

func (c *Client) exchange(req *http.Request) (*Answer, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("destemu: reading the answer: %w", err)
	}
	return &Answer{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}
