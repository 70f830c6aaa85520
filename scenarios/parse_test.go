package scenarios_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/destemu/destemu/scenarios"
	"github.com/destemu/destemu/testkit"
)

const acme = `setup:
  accounts:
    - destination: promoter
      id: acme
      keys: [pk_acme]
`

// TestParseErrors feeds broken scenarios to Parse and checks that each
// problem is reported with the file, the line and what was expected.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		yaml string
		line int
		want []string // parts of the message
	}{
		{"wrong step kind", "name: x\nsteps:\n  - sned: {destination: promoter}\n", 3,
			[]string{`steps[1]: unknown step kind "sned"`, "want one of send, call", `did you mean "send"?`}},
		{"missing key", "name: x\nsteps:\n  - send:\n      destination: promoter\n      message: {type: track}\n", 4,
			[]string{`steps[1].send: missing field "key"`, "Basic-auth user name"}},
		{"bad duration", "name: x\nsteps:\n  - clock: {set: \"2024-01-01T00:00:00Z\"}\n  - clock:\n      advance: 7 days\n", 5,
			[]string{`steps[2].clock.advance: "7 days" is not a positive duration`, `"7d"`}},
		{"negative duration", "name: x\nsteps:\n  - wait: {timeout: -5s}\n", 3,
			[]string{`steps[1].wait.timeout: "-5s" is not a positive duration`}},
		{"missing name", "steps:\n  - clock: {freeze: true}\n", 1,
			[]string{`scenario: missing field "name"`}},
		{"unknown top-level field", "name: x\nstep:\n  - clock: {freeze: true}\n", 2,
			[]string{`scenario: unknown field "step"`, `did you mean "steps"?`}},
		{"misspelt send field", "name: x\nsteps:\n  - send:\n      destination: promoter\n      key: k\n      mesage: {type: track}\n", 6,
			[]string{`steps[1].send: unknown field "mesage"`, `did you mean "message"?`}},
		{"two kinds in one step", "name: x\nsteps:\n  - clock: {freeze: true}\n    wait: {count: 1}\n", 4,
			[]string{`a step does one thing`, `"wait"`}},
		{"no kind", "name: x\nsteps:\n  - name: nothing\n", 3,
			[]string{"missing the step kind"}},
		{"expect on a clock step", "name: x\nsteps:\n  - clock: {freeze: true}\n    expect: {status: 200}\n", 4,
			[]string{`"expect" checks the answer of a send or a call, not of a clock step`}},
		{"bad time", "name: x\nsteps:\n  - clock:\n      set: tomorrow\n", 4,
			[]string{`steps[1].clock.set: "tomorrow" is not an RFC 3339 time`}},
		{"two clock actions", "name: x\nsteps:\n  - clock: {advance: 1h, resume: true}\n", 3,
			[]string{"one clock action per step"}},
		{"status out of range", "name: x\nsteps:\n  - call: {method: GET, path: info}\n    expect: {status: 700}\n", 4,
			[]string{`steps[1].expect.status: want a number from 100 to 599, got 700`}},
		{"wrong type", "name: x\nsteps:\n  - send: {destination: promoter, key: k, message: {type: track}, repeat: three}\n", 3,
			[]string{`steps[1].send.repeat: want a whole number, got "three"`}},
		{"message not a mapping", "name: x\nsteps:\n  - send: {destination: promoter, key: k, message: [1]}\n", 3,
			[]string{`steps[1].send.message: want a mapping, got a list`}},
		{"unknown operator", "name: x\nsteps:\n  - assert:\n      path: info\n      match: {version: {$eq: dev}}\n", 5,
			[]string{`unknown operator "$eq"`}},
		{"operators mixed with fields", "name: x\nsteps:\n  - assert:\n      path: info\n      match: {version: {$len: 3, x: 1}}\n", 5,
			[]string{"operators ($len, $contains, ...) or fields, not both"}},
		{"bad regex", "name: x\nsteps:\n  - assert:\n      path: info\n      match: {version: {$regex: \"(\"}}\n", 5,
			[]string{"missing closing )"}},
		{"statuses without repeat", "name: x\nsteps:\n  - send: {destination: promoter, key: k, message: {type: track}}\n    expect: {statuses: {200: 1}}\n", 4,
			[]string{`"statuses" counts the answers of a send with "repeat" of 2 or more`}},
		{"revoke a key no account declares", acme + "name: x\nsteps:\n  - revoke: {destination: promoter, key: pk_other}\n", 8,
			[]string{`key "pk_other" is not a key of a promoter account in setup.accounts`}},
		{"account twice", "name: x\nsetup:\n  accounts:\n    - {destination: promoter, id: a}\n    - {destination: promoter, id: a}\n", 5,
			[]string{`promoter account "a" is set up twice`}},
		{"key of two accounts", "name: x\nsetup:\n  accounts:\n    - {destination: promoter, id: a, keys: [k]}\n    - {destination: promoter, id: b, keys: [k]}\n", 5,
			[]string{`key "k" is already a key of promoter account "a"`}},
		{"bad account id", "name: x\nsetup:\n  accounts:\n    - {destination: promoter, id: \"a b\"}\n", 4,
			[]string{`setup.accounts[1].id: "a b" is not a valid name`}},
		{"path off the control plane", "name: x\nsteps:\n  - call: {method: GET, path: /promoter}\n", 3,
			[]string{`is not on the control plane`}},
		{"query in the path", "name: x\nsteps:\n  - assert: {path: \"requests?status=200\", count: 1}\n", 3,
			[]string{`put query parameters in "query"`}},
		{"bad method", "name: x\nsteps:\n  - call: {method: FETCH, path: info}\n", 3,
			[]string{`"FETCH" is not a method`}},
		{"key with a colon", "name: x\nsteps:\n  - send: {destination: promoter, key: \"a:b\", message: {type: track}}\n", 3,
			[]string{`a key cannot hold ':'`}},
		{"YAML syntax", "name: x\nsteps:\n  - send: {destination: promoter\n", 3,
			[]string{"not valid YAML"}},
		{"unknown anchor", "name: x\nsteps:\n  - send: {destination: promoter, key: k, message: *nope}\n", 3,
			[]string{"alias *nope names no anchor &nope"}},
		{"bad merge", "name: x\nsteps:\n  - send: {<<: 3, destination: promoter}\n", 3,
			[]string{`a merge key "<<" takes a mapping or a list of mappings, not a number (3)`}},
		{"two documents", "name: x\nsteps: []\n---\nname: y\n", 3,
			[]string{"a file holds one scenario"}},
		{"not a mapping", "- just\n- a list\n", 1,
			[]string{"want a scenario: a mapping"}},
		{"empty", "", 1, []string{"the file is empty"}},
		{"nothing to do", "name: x\n", 1, []string{`missing field "steps"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := scenarios.Parse("broken.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("parsed without error")
			}
			var errs scenarios.Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("got %T %v, want Errors", err, err)
			}
			first := errs[0]
			msg := first.Error()
			if first.File != "broken.yaml" || first.Line != tc.line || !strings.HasPrefix(msg, fmt.Sprintf("broken.yaml:%d:", tc.line)) {
				t.Errorf("got %q, want it at broken.yaml line %d", msg, tc.line)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("got %q, want it to say %q", msg, w)
				}
			}
		})
	}
}

// TestParseReportsEveryError checks that one pass reports every problem
// of a file, in the order of its lines.
func TestParseReportsEveryError(t *testing.T) {
	t.Parallel()
	_, err := scenarios.Parse("many.yaml", []byte(`name: many
steps:
  - sned: {}
  - clock: {advance: soon}
  - send: {destination: promoter, message: {type: track}}
`))
	var errs scenarios.Errors
	if !errors.As(err, &errs) || len(errs) != 3 {
		t.Fatalf("got %v, want 3 errors", err)
	}
	for i, line := range []int{3, 4, 5} {
		if errs[i].Line != line {
			t.Errorf("error %d at line %d, want %d: %v", i, errs[i].Line, line, errs[i])
		}
	}
}

// TestBrokenFiles parses the files of testdata/broken, whose first line
// says what the error must be ("# want: LINE: text"), and checks that
// errors name the file.
func TestBrokenFiles(t *testing.T) {
	t.Parallel()
	for _, f := range files(t, "testdata/broken/*.yaml") {
		data := testkit.Must(os.ReadFile(f))(t)
		head, _, _ := strings.Cut(string(data), "\n")
		var line int
		var want string
		if _, err := fmt.Sscanf(head, "# want: %d:", &line); err != nil {
			t.Fatalf("%s: first line %q is not \"# want: LINE: text\"", f, head)
		}
		_, want, _ = strings.Cut(strings.TrimPrefix(head, "# want: "), ": ")
		s, err := scenarios.ParseFile(f)
		if err == nil {
			// Some problems need the server's destinations to be seen.
			err = s.Check([]string{"promoter", "usercom"})
		}
		prefix := fmt.Sprintf("%s:%d:", f, line)
		if err == nil || !strings.Contains(err.Error(), prefix) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q and %q", f, err, prefix, want)
		}
	}
}
