package scenarios_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/destemu/destemu/scenarios"
)

// TestMatch is a table of patterns against one decoded JSON answer.
func TestMatch(t *testing.T) {
	t.Parallel()
	var got any
	if err := json.Unmarshal([]byte(`{
		"status": "ok", "count": 3, "ratio": 0.5, "flag": true, "none": null,
		"when": "2024-03-01T09:00:00Z", "retry": "3600",
		"items": [{"id": "a", "tags": ["x", "y"]}, {"id": "b", "tags": []}],
		"actions": ["created contact ted (ted@example.com)"]
	}`), &got); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pattern string // JSON
		err     string // "" when it matches; else part of the message
	}{
		{`{"status": "ok"}`, ""},
		{`{"status": "fail"}`, `status: want "fail", got "ok"`},
		{`{"count": 3, "ratio": 0.5, "flag": true}`, ""},
		{`{"count": "3"}`, `count: want "3", got 3`},
		{`{"none": null}`, ""},
		{`{"missing": null}`, ""},
		{`{"missing": 1}`, "missing: missing, want 1"},
		{`{"when": "2024-03-01T10:00:00+01:00"}`, ""},
		{`{"items": [{"id": "a"}, {"id": "b"}]}`, ""},
		{`{"items": [{"id": "a"}]}`, "items: want 1 elements, got 2"},
		{`{"items": [{"id": "a"}, {"id": "c"}]}`, `items[1].id: want "c", got "b"`},
		{`{"items": {"$len": 2}}`, ""},
		{`{"items": {"$len": 3}}`, "items: want length 3, got 2"},
		{`{"items": {"$contains": {"id": "b"}}}`, ""},
		{`{"items": {"$contains": {"id": "z"}}}`, `items: no element matches {"id":"z"}`},
		{`{"actions": {"$contains": {"$contains": "created contact"}}}`, ""},
		{`{"status": {"$contains": "k"}}`, ""},
		{`{"status": {"$regex": "^o.$"}}`, ""},
		{`{"count": {"$regex": "^3$"}}`, ""},
		{`{"count": {"$gt": 2, "$lte": 3}}`, ""},
		{`{"count": {"$lt": 3}}`, "count: want a number < 3, got 3"},
		{`{"retry": {"$gte": 3600}}`, ""},
		{`{"missing": {"$exists": false}, "none": {"$exists": false}, "status": {"$exists": true}}`, ""},
		{`{"status": {"$exists": false}}`, `status: want it absent, got "ok"`},
		{`{"missing": {"$exists": true}}`, "missing: missing, want it present"},
		{`{"status": {"$not": "fail"}}`, ""},
		{`{"status": {"$not": "ok"}}`, `status: want anything but "ok"`},
		{`{"items": [{"tags": {"$len": 2}}, {"tags": []}]}`, ""},
		{`{"status": {"id": 1}}`, `status: want an object, got "ok"`},
	} {
		var pattern any
		if err := json.Unmarshal([]byte(tc.pattern), &pattern); err != nil {
			t.Fatalf("%s: %v", tc.pattern, err)
		}
		err := scenarios.Match(pattern, got)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.pattern, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: got %v, want %q", tc.pattern, err, tc.err)
		}
	}
}
