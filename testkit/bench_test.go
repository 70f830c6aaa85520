package testkit_test

import (
	"context"
	"testing"

	"github.com/destemu/destemu/testkit"
)

// BenchmarkStart is what an in-process server costs a test: New (every
// destination, the gin engine, a listener on 127.0.0.1:0), one request to
// /readyz, Close. The target is under 5ms.
func BenchmarkStart(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		s, err := testkit.New()
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Client().Ready(ctx); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
