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
	Items []destinationViews `json:"items"`
}

type destinationViews struct {
	Destination string     `json:"destination"`
	Views       []viewInfo `json:"views"`
}

type viewInfo struct {
	Path      string `json:"path"`
	TimeRange bool   `json:"timeRange"`
	Filters   []struct {
		Name string   `json:"name"`
		Enum []string `json:"enum"`
	} `json:"filters"`
}

// platformLists are the lists of the platform itself, which page and
// filter as the destinations' views do; the request log keeps its own
// messages for a bad limit or offset.
var platformLists = []string{
	"/_emulator/namespaces", "/_emulator/faults", "/_emulator/sources", "/_emulator/requests",
	"/_emulator/promoter/accounts", "/_emulator/promoter/accounts/acme/keys",
}

// TestEveryListPagesAndFiltersAlike runs one table of checks over every
// read view every destination declares (read from /_emulator/views, so a
// new view is covered without touching this test) and over the platform's
// lists: limit and offset page, a bad limit and an unknown filter are the
// same 400 everywhere, and a time range is from-inclusive, to-exclusive.
func TestEveryListPagesAndFiltersAlike(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	var views viewList
	if err := srv.Client().Do(ctx, "GET", "/_emulator/views", nil, nil, &views); err != nil {
		t.Fatal(err)
	}
	for _, p := range platformLists {
		// a platform list: its path stands for the destination
		views.Items = append(views.Items, destinationViews{Destination: p, Views: []viewInfo{{}}})
	}
	seen := 0
	for _, d := range views.Items {
		platform := strings.HasPrefix(d.Destination, "/")
		if !platform {
			seedAccount(t, srv, d.Destination)
		}
		for _, v := range d.Views {
			seen++
			path := "/_emulator/" + d.Destination + "/accounts/acme/" + v.Path
			if platform {
				path = d.Destination
			}
			type check struct {
				query  url.Values
				status int
				msg    string
			}
			limitMsg, offsetMsg := `query parameter "limit": "x" is not a whole number ≥ 0`, `query parameter "offset": "-1" is not a whole number ≥ 0`
			if path == "/_emulator/requests" {
				limitMsg, offsetMsg = `query "limit" must be a whole number`, `query "offset" must be a whole number`
			}
			checks := []check{
				{url.Values{"limit": {"1"}}, 200, ""},
				{url.Values{"limit": {"1"}, "offset": {"1"}}, 200, ""},
				{url.Values{"limit": {"x"}}, 400, limitMsg},
				{url.Values{"offset": {"-1"}}, 400, offsetMsg},
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
	if seen < 20+len(platformLists) {
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
	// The platform's routes, checked through their own answers: each call
	// also leaves something for the lists to show.
	for _, call := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/_emulator/namespaces", map[string]any{"name": "other"}},
		{"POST", "/_emulator/faults", map[string]any{"match": map[string]any{"destination": "promoter"}, "action": map[string]any{"kind": "latency", "latency": "1ms"}}},
		{"POST", "/_emulator/sources", map[string]any{"writeKey": "wk-1", "connections": []any{map[string]any{"destination": "promoter", "apiKey": "key-promoter"}}}},
		{"PUT", "/_emulator/sources/{writeKey}", map[string]any{"name": "web", "connections": []any{}}},
		{"POST", "/_emulator/clock/freeze", nil},
		{"POST", "/_emulator/clock/set", map[string]any{"time": "2025-01-01T00:00:00Z"}},
		{"POST", "/_emulator/clock/advance", map[string]any{"duration": "1h"}},
		{"POST", "/_emulator/clock/resume", nil},
		{"POST", "/_emulator/promoter/accounts/{account}/keys", map[string]any{"value": "key-2"}},
		{"POST", "/_emulator/promoter/accounts/{account}/campaigns", map[string]any{"name": "NPS", "triggerEvent": "Signed Up"}},
		{"PUT", "/_emulator/promoter/accounts/{account}/daily-limit", map[string]any{"limit": 10}},
		{"POST", "/_emulator/usercom/accounts/{account}/attributes", map[string]any{"content_type": "user", "name": "plan_name", "type": "string"}},
		{"POST", "/_emulator/startdeliver/accounts/{account}/users", map[string]any{"name": "Ann"}},
	} {
		validateAnswer(t, srv, doc, call.method, call.path, call.body)
	}
	checked := 0
	for path, item := range doc["paths"].(map[string]any) {
		if _, ok := item.(map[string]any)["get"]; !ok || strings.HasSuffix(path, "/stream") || strings.Count(path, "{") > 1 {
			continue
		}
		validateAnswer(t, srv, doc, "GET", path, nil)
		checked++
	}
	if checked < 35 {
		t.Fatalf("only %d routes checked", checked)
	}
}

// validateAnswer calls a route, on account acme and source wk-1, and
// checks that its answer validates against the schema the OpenAPI document
// gives its success.
func validateAnswer(t *testing.T, srv *testkit.Server, doc map[string]any, method, path string, in any) {
	t.Helper()
	op := doc["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
	schema := op["responses"].(map[string]any)["2XX"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
	real := strings.NewReplacer("{account}", "acme", "{writeKey}", "wk-1").Replace(path)
	var out json.RawMessage
	if err := srv.Client().Do(ctx, method, real, nil, in, &out); err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return
	}
	body, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	root := map[string]any{"components": doc["components"], "allOf": []any{schema}}
	if err := c.AddResource("op.json", roundTrip(t, root)); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("op.json")
	if err != nil {
		t.Fatalf("%s: schema does not compile: %v", path, err)
	}
	if err := sch.Validate(body); err != nil {
		t.Errorf("%s %s: the answer does not match the OpenAPI schema: %v", method, path, err)
	}
}

// TestEveryOperationHasItsSchemas: no operation of the OpenAPI document
// answers or takes a bare {"type":"object"}: each success is reflected
// from a Go type (or documented as no content), and so is each body.
func TestEveryOperationHasItsSchemas(t *testing.T) {
	t.Parallel()
	doc := testkit.Start(t).Server().OpenAPI()
	bare, _ := json.Marshal(map[string]any{"type": "object"})
	for path, item := range doc["paths"].(map[string]any) {
		for method, o := range item.(map[string]any) {
			op := o.(map[string]any)
			responses := op["responses"].(map[string]any)
			schemas := []any{}
			if ok, _ := responses["2XX"].(map[string]any); ok != nil {
				for _, media := range ok["content"].(map[string]any) {
					schemas = append(schemas, media.(map[string]any)["schema"])
				}
			} else if responses["204"] == nil {
				t.Errorf("%s %s: no success documented", method, path)
			}
			if body, _ := op["requestBody"].(map[string]any); body != nil {
				for _, media := range body["content"].(map[string]any) {
					schemas = append(schemas, media.(map[string]any)["schema"])
				}
			}
			for _, s := range schemas {
				if b, _ := json.Marshal(s); string(b) == string(bare) {
					t.Errorf("%s %s: a bare object schema", method, path)
				}
			}
		}
	}
}

// roundTrip is v as a JSON Schema validator reads it, through its JSON.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	return testkit.Must(jsonschema.UnmarshalJSON(bytes.NewReader(testkit.Must(json.Marshal(v))(t))))(t)
}
