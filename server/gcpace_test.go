package server

import "testing"

func TestGCPercentBoundsTheSpareHeap(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, scan uint64
		want       int
	}{
		{0, 0, 400}, {10 * mib, 10 * mib, 400}, {64 * mib, 64 * mib, 400},
		{128 * mib, 128 * mib, 200}, {200 * mib, 200 * mib, 128},
		// A heap made of pointers: Go's default pace.
		{256 * mib, 256 * mib, 100}, {4096 * mib, 4096 * mib, 100},
		// Mostly bytes: the spare follows the scannable part, not below
		// the headroom.
		{1024 * mib, 300 * mib, 29}, {1024 * mib, 100 * mib, 25}, {512 * mib, 10 * mib, 50},
		{100 << 30, 1 << 30, 1},
	} {
		got := gcPercent(c.live, c.scan)
		if got != c.want {
			t.Errorf("gcPercent(%d MiB, %d MiB scannable) = %d, want %d", c.live/mib, c.scan/mib, got, c.want)
		}
		// The heap may grow by at most max(min(headroom, 4×live), scan) before a collection.
		if spare := c.live * uint64(got) / 100; c.live > 0 && spare > max(min(gcHeadroom, 4*c.live), c.scan) {
			t.Errorf("live %d MiB: %d MiB spare", c.live/mib, spare/mib)
		}
	}
}
