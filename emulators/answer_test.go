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
		&ErrorBody{Message: "body is not a JSON object: invalid character '<' at byte 0"},
	} {
		want, _ := json.Marshal(v)
		got, err := v.AppendJSON(nil)
		if err != nil || string(got) != string(want) {
			t.Errorf("got  %s (%v)\nwant %s", got, err, want)
		}
	}
}
