package emulators

import (
	"encoding/json"
	"testing"
)

// TestAnswerJSON: the hand-written answers are what json.Marshal writes.
func TestAnswerJSON(t *testing.T) {
	for _, v := range []interface {
		AppendJSON([]byte) ([]byte, error)
	}{
		&Result{Status: OutcomeOK, Destination: "promoter", Namespace: "default", Account: "a<1>", Type: "track",
			Actions: []string{"stored custom event evt_1 \"Order Completed\""}, RequestID: 7},
		&Result{Status: OutcomeIgnored, Reason: "no userId & no luck", Actions: []string{}, Warnings: []string{"w\u2028"},
			Data: map[string]any{"userId": int64(3), "createdUser": true, "contact": "u1", "n": 2, "id": uint64(9)}},
		&Result{},
		&ErrorBody{Message: "body is not a JSON object: invalid character 'x' at byte 0 \u2028"},
	} {
		want, _ := json.Marshal(v)
		got, err := v.AppendJSON(nil)
		if err != nil || string(got) != string(want) {
			t.Errorf("got  %s (%v)\nwant %s", got, err, want)
		}
	}
}

// TestErrorBodyPlain: a refusal's message keeps <, > and & as written
// (a newcomer reads base64("<apiKey>:"), not \u003capiKey\u003e), and is
// still JSON that decodes to the message.
func TestErrorBodyPlain(t *testing.T) {
	msg := `missing or malformed Authorization header: want Basic base64("<apiKey>:") & "quotes"`
	got, err := (&ErrorBody{Message: msg}).AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"message":"missing or malformed Authorization header: want Basic base64(\"<apiKey>:\") & \"quotes\""}`; string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var back ErrorBody
	if err := json.Unmarshal(got, &back); err != nil || back.Message != msg {
		t.Errorf("decodes to %q, %v", back.Message, err)
	}
}
