package testkit

import (
	"fmt"
	"os"
	"testing"
)

// Main runs a package's tests on one in-process server that they share:
// it starts the server with opts, sets *srv to it, runs m and stops the
// server, and returns m's exit code (1 when the server does not start).
// Tests that each take a namespace of their own (Isolated, NewFixture)
// need no server of their own:
//
//	var srv *testkit.Server
//
//	func TestMain(m *testing.M) { os.Exit(testkit.Main(m, &srv)) }
func Main(m *testing.M, srv **Server, opts ...Option) int {
	s, err := New(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testkit: start destemu:", err)
		return 1
	}
	defer s.Close()
	*srv = s
	return m.Run()
}
