package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Disabled returns a pointer to false, for Connection.Enabled.
func Disabled() *bool { f := false; return &f }

func sourcePath(writeKey string) string { return "/_emulator/sources/" + url.PathEscape(writeKey) }

// CreateSource creates a source in the client's namespace.
func (c *Client) CreateSource(ctx context.Context, s Source) (*Source, error) {
	return call[Source](ctx, c, http.MethodPost, "/_emulator/sources", s)
}

// UpdateSource replaces a source's name and connections.
func (c *Client) UpdateSource(ctx context.Context, s Source) (*Source, error) {
	return call[Source](ctx, c, http.MethodPut, sourcePath(s.WriteKey), s)
}

// Source reads a source.
func (c *Client) Source(ctx context.Context, writeKey string) (*Source, error) {
	return call[Source](ctx, c, http.MethodGet, sourcePath(writeKey), nil)
}

// Sources lists the namespace's sources.
func (c *Client) Sources(ctx context.Context) ([]Source, error) {
	return list[Source](ctx, c, "/_emulator/sources", nil)
}

// DeleteSource deletes a source.
func (c *Client) DeleteSource(ctx context.Context, writeKey string) error {
	return c.Do(ctx, http.MethodDelete, sourcePath(writeKey), nil, nil, nil)
}

// Batch sends messages through the tracking API as Segment's server
// libraries do: POST /v1/batch, the write key as the Basic auth user
// name. It returns once destemu has delivered every message to the
// source's destinations. A refusal is an *Error.
func (c *Client) Batch(ctx context.Context, writeKey string, msgs ...Message) error {
	body, err := json.Marshal(map[string]any{"batch": msgs, "sentAt": time.Now().UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return fmt.Errorf("destemu: encoding the batch: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/batch", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", BasicAuth(writeKey))
	return c.roundTrip(req, nil)
}

// TrackingAnswer posts a hand-made request to the tracking API,
// /v1/{endpoint} ("batch", "track", "t", ...), and returns the answer; a
// refusal is an Answer, not an error. The body goes as written, with
// r.Authorization (the write key as Basic auth, or "" for a write key in
// the body) and r.Header (Content-Type: text/plain for the browser's).
func (c *Client) TrackingAnswer(ctx context.Context, endpoint string, r RawRequest) (*Answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/"+endpoint, bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range r.Header {
		req.Header.Del(k)
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if r.Authorization != "" {
		req.Header.Set("Authorization", r.Authorization)
	}
	return c.exchange(req)
}
