package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// getJSON answers a control-plane GET as its status and decoded body.
func getJSON(t *testing.T, base, path string, q url.Values) (int, any) {
	t.Helper()
	status, b := get(t, http.DefaultClient, base+path+"?"+q.Encode())
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(b))
	if err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, b)
	}
	return status, v
}

type viewList struct {
	Items []struct {
		Destination string `json:"destination"`
		Views       []struct {
			Path      string `json:"path"`
			TimeRange bool   `json:"timeRange"`
			Filters   []struct {
				Name string   `json:"name"`
				Enum []string `json:"enum"`
			} `json:"filters"`
		} `json:"views"`
	} `json:"items"`
}

// TestEveryListPagesAndFiltersAlike runs one table of checks over every
// read view every destination declares (read from /_emulator/views, so a
// new view is covered without touching this test): limit and offset page,
// a bad limit and an unknown filter are the same 400 everywhere, and a time
// range is from-inclusive, to-exclusive.
func TestEveryListPagesAndFiltersAlike(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	var views viewList
	if err := srv.Client().Do(ctx, "GET", "/_emulator/views", nil, nil, &views); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, d := range views.Items {
		seedAccount(t, srv, d.Destination)
		for _, v := range d.Views {
			seen++
			path := "/_emulator/" + d.Destination + "/accounts/acme/" + v.Path
			type check struct {
				query  url.Values
				status int
				msg    string
			}
			checks := []check{
				{url.Values{"limit": {"1"}}, 200, ""},
				{url.Values{"limit": {"1"}, "offset": {"1"}}, 200, ""},
				{url.Values{"limit": {"x"}}, 400, `query parameter "limit": "x" is not a whole number ≥ 0`},
				{url.Values{"offset": {"-1"}}, 400, `query parameter "offset": "-1" is not a whole number ≥ 0`},
				{url.Values{"no_such_filter": {"1"}}, 400, `unknown query parameter "no_such_filter": this list takes `},
			}
			if v.TimeRange {
				checks = append(checks,
					check{url.Values{"from": {"2025-01-01T00:00:00Z"}, "to": {"2025-01-01T00:00:00Z"}}, 200, ""},
					check{url.Values{"from": {"yesterday"}}, 400, `query parameter "from": "yesterday" is not an RFC 3339 time`},
				)
			}
			for _, f := range v.Filters {
				if len(f.Enum) > 0 {
					checks = append(checks, check{url.Values{f.Name: {"not-a-value"}}, 400, `query parameter "` + f.Name + `": "not-a-value" is not one of `})
				}
			}
			for _, c := range checks {
				status, body := getJSON(t, srv.URL(), path, c.query)
				if status != c.status {
					t.Errorf("GET %s?%s = %d, want %d: %v", path, c.query.Encode(), status, c.status, body)
					continue
				}
				if c.msg != "" {
					if m, _ := body.(map[string]any)["message"].(string); !strings.HasPrefix(m, c.msg) {
						t.Errorf("GET %s?%s: message %q, want it to start %q", path, c.query.Encode(), m, c.msg)
					}
					continue
				}
				items, _ := body.(map[string]any)["items"].([]any)
				if _, ok := body.(map[string]any)["total"]; !ok || len(items) > 1 {
					t.Errorf("GET %s?%s: want an envelope of at most one item, got %v", path, c.query.Encode(), body)
				}
			}
		}
	}
	if seen < 20 {
		t.Fatalf("only %d views declared", seen)
	}
}

// seedAccount creates account "acme" of a destination and sends it a few
// messages, so lists have something to page through.
func seedAccount(t *testing.T, srv *testkit.Server, dest string) {
	t.Helper()
	spec := map[string]any{"id": "acme", "keys": []any{map[string]any{"value": "key-" + dest}}}
	if strings.HasPrefix(dest, "startdeliver") {
		spec["settings"] = map[string]any{"startdeliverUserCustomFieldToMatchOn": "externalId"}
		spec["config"] = map[string]any{"customFields": []any{map[string]any{"alias": "externalId", "type": "text", "entity": "user"}}}
	}
	if err := srv.Client().Do(ctx, "POST", "/_emulator/"+dest+"/accounts", nil, spec, nil); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{
		`{"type":"identify","userId":"u1","traits":{"email":"a@example.com","plan":"pro"}}`,
		`{"type":"track","userId":"u1","event":"Signed Up","properties":{"n":1}}`,
		`{"type":"page","userId":"u1","name":"Home","properties":{"url":"https://example.com/"}}`,
		`{"type":"group","userId":"u1","groupId":"g1","traits":{"name":"Acme"}}`,
		`{"type":"track","userId":"u2","event":"Signed Up"}`,
	} {
		post(t, srv.URL()+"/"+dest, body, "Authorization", client.BasicAuth("key-"+dest))
	}
}

// TestOpenAPIValidatesRealAnswers: every destination GET route's answer,
// on an account with data, validates against the schema the OpenAPI
// document reflects from its Go type.
func TestOpenAPIValidatesRealAnswers(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	var doc map[string]any
	if err := srv.Client().Do(ctx, "GET", "/_emulator/openapi.json", nil, nil, &doc); err != nil {
		t.Fatal(err)
	}
	var views viewList
	if err := srv.Client().Do(ctx, "GET", "/_emulator/views", nil, nil, &views); err != nil {
		t.Fatal(err)
	}
	for _, d := range views.Items {
		seedAccount(t, srv, d.Destination)
	}
	components := doc["components"]
	checked := 0
	for path, item := range doc["paths"].(map[string]any) {
		op, ok := item.(map[string]any)["get"].(map[string]any)
		if !ok || !strings.Contains(path, "/accounts/{account}") || strings.Count(path, "{") > 1 {
			continue
		}
		schema := op["responses"].(map[string]any)["2XX"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
		status, body := getJSON(t, srv.URL(), strings.Replace(path, "{account}", "acme", 1), nil)
		if status != 200 {
			t.Errorf("GET %s = %d: %v", path, status, body)
			continue
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		root := map[string]any{"components": components, "allOf": []any{schema}}
		if err := c.AddResource("op.json", roundTrip(t, root)); err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile("op.json")
		if err != nil {
			t.Fatalf("%s: schema does not compile: %v", path, err)
		}
		if err := sch.Validate(body); err != nil {
			t.Errorf("GET %s: the answer does not match the OpenAPI schema: %v", path, err)
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d routes checked", checked)
	}
}

// roundTrip is v as a JSON Schema validator reads it, through its JSON.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	return testkit.Must(jsonschema.UnmarshalJSON(bytes.NewReader(testkit.Must(json.Marshal(v))(t))))(t)
}
