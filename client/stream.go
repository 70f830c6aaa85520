package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Stream follows the request log live: it calls fn with each new entry
// matching f, oldest first, until ctx ends (it then returns ctx's error), fn
// returns an error (returned as is) or the server goes away. With
// f.AfterID set it first replays the logged entries after that ID. A
// reader too slow for the server is dropped by it (the server never waits
// for a viewer); Stream then reconnects and catches up from the log by ID,
// so fn sees each entry once as long as the log still holds it.
func (c *Client) Stream(ctx context.Context, f RequestFilter, fn func(Entry) error) error {
	replay := f.AfterID != 0
	for {
		dropped, last, err := c.streamOnce(ctx, f, replay, fn)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if !dropped {
			return errors.New("destemu: the server ended the stream")
		}
		f.AfterID = max(f.AfterID, last)
		replay = true
	}
}

// streamOnce reads one stream (replaying the log after f.AfterID first
// when replay is set); it reports whether the server dropped it and
// the last entry ID seen.
func (c *Client) streamOnce(ctx context.Context, f RequestFilter, replay bool, fn func(Entry) error) (dropped bool, last uint64, err error) {
	q := f.values()
	q.Del("limit")
	q.Del("offset")
	if replay {
		q.Set("after", strconv.FormatUint(f.AfterID, 10))
	}
	req, err := c.controlRequest(ctx, http.MethodGet, "/_emulator/requests/stream", q, nil)
	if err != nil {
		return false, 0, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.http.Do(req)
	if err != nil {
		return false, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return false, 0, errorOf(resp, data)
	}
	last = f.AfterID
	rd := bufio.NewReader(resp.Body)
	var event, data strings.Builder
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				return false, last, nil
			}
			return false, last, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "": // end of one event
			switch event.String() {
			case "":
				if data.Len() == 0 {
					break
				}
				var e Entry
				if err := json.Unmarshal([]byte(data.String()), &e); err != nil {
					return false, last, fmt.Errorf("destemu: decoding a streamed entry: %w", err)
				}
				last = e.ID
				if err := fn(e); err != nil {
					return false, last, err
				}
			case "dropped": // its data: the newest ID the server had passed
				if id, err := strconv.ParseUint(data.String(), 10, 64); err == nil {
					last = max(last, id)
				}
				return true, last, nil
			}
			event.Reset()
			data.Reset()
		case strings.HasPrefix(line, "event:"):
			event.WriteString(strings.TrimSpace(line[len("event:"):]))
		case strings.HasPrefix(line, "data:"):
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(strings.TrimPrefix(line[len("data:"):], " "))
		}
	}
}
