package scenarios_test

import (
	"context"
	"fmt"

	"github.com/destemu/destemu/scenarios"
	"github.com/destemu/destemu/testkit"
)

// A scenario runs through the typed client against any destemu, here one
// in-process, in a namespace of its own.
func ExampleRun() {
	srv, err := testkit.New()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	s, err := scenarios.Parse("example.yaml", []byte(`
name: a revoked key is 403
setup:
  accounts:
    - {destination: usercom, id: acme, keys: [uc_acme]}
steps:
  - revoke: {destination: usercom, key: uc_acme}
  - send:
      destination: usercom
      key: uc_acme
      message: {type: identify, userId: ada, traits: {email: ada@example.com}}
    expect: {status: 403, message: revoked}
`))
	if err != nil {
		panic(err)
	}
	rep, err := scenarios.Run(context.Background(), srv.Client(), s)
	if err != nil {
		panic(err)
	}
	for _, st := range rep.Steps {
		fmt.Println(st.Result, st.Kind, st.Name)
	}
	fmt.Println(rep.Result)
	// Output:
	// pass setup account usercom/acme
	// pass revoke revoke key uc_acme of usercom/acme
	// pass send send identify for ada to usercom
	// pass
}

// Parse reports every problem of a file with its line and what was
// expected there.
func ExampleParse() {
	_, err := scenarios.Parse("broken.yaml", []byte(`
name: broken
steps:
  - sned: {destination: promoter}
  - clock: {advance: a week}
`))
	fmt.Println(err)
	// Output:
	// broken.yaml:4:5: steps[1]: unknown step kind "sned" (want one of send, call, assert, wait, clock, revoke, activate, deactivate, fault or source; did you mean "send"?)
	// broken.yaml:5:22: steps[2].clock.advance: "a week" is not a positive duration (want Go duration text with optional days: "90s", "10m", "24h", "7d", "1d12h")
}
