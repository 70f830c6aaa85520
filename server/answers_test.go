package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// TestAnswersANewcomerCanActOn: a Segment batch envelope posted to a
// webhook is answered with what it is and where it goes (/v1/batch), and
// error messages are written plainly, not HTML-escaped (G-4).
func TestAnswersANewcomerCanActOn(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t)
	send := func(body string, auth bool) (int, string) {
		t.Helper()
		if auth {
			return post(t, srv.URL()+"/usercom", body, "Authorization", client.BasicAuth("batch-key"))
		}
		return post(t, srv.URL()+"/usercom", body)
	}

	status, body := send(`{"batch": [{"type": "track", "userId": "u1", "event": "Signed Up"}], "writeKey": "wk"}`, true)
	var answer struct{ Message string }
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`type: is required: this body is a Segment batch envelope ({"batch": [...]})`, "POST /v1/batch", "one message per request"} {
		if status != http.StatusBadRequest || !strings.Contains(answer.Message, want) {
			t.Errorf("batch envelope: %d %s; want 400 with %q", status, body, want)
		}
	}
	if status, body := send(`{"userId": "u1"}`, true); status != http.StatusBadRequest || body != `{"message":"type: is required"}` {
		t.Errorf("no type, no batch: %d %s", status, body)
	}

	status, body = send(`{"type": "track", "userId": "u1", "event": "E"}`, false)
	if status != http.StatusUnauthorized || !strings.Contains(body, `base64(\"<apiKey>:\")`) || strings.Contains(body, `\u003c`) {
		t.Errorf("no Authorization: %d %s; want <apiKey> written plainly", status, body)
	}
}
