package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The garbage collector's pace. Every webhook request allocates its
// decoded message, and most of that is garbage once it is answered: with
// Go's default (GOGC=100, collect when the heap has doubled) a server
// whose live state is small collects very often, and marking took a
// quarter of the CPU under load. destemu lets the heap grow further
// between collections while the state is small, and comes back to Go's
// default as it grows, so the spare memory is bounded:
//
//	heap peak <= live + max(gcHeadroom, live)
//
// (GOGC 400 up to a 64 MiB live heap, 100 from 256 MiB.) Setting GOGC or
// GOMEMLIMIT in the environment leaves the collector to them.
const (
	gcHeadroom   = 256 << 20
	gcMaxPercent = 400
	gcMinPercent = 100
	gcRetune     = time.Second
)

// gcPercent is the GOGC for a live heap of this size.
func gcPercent(live uint64) int {
	if live == 0 {
		return gcMaxPercent
	}
	p := int(min(uint64(gcHeadroom)*100/live, gcMaxPercent))
	return max(p, gcMinPercent)
}

// tuneGC keeps the collector's pace at gcPercent of the live heap until
// ctx ends. It does nothing when the environment sets the pace.
func tuneGC(ctx context.Context, getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := func() int {
		metrics.Read(sample)
		var live uint64
		if sample[0].Value.Kind() == metrics.KindUint64 {
			live = sample[0].Value.Uint64()
		}
		return debug.SetGCPercent(gcPercent(live))
	}
	orig := set()
	go func() {
		t := time.NewTicker(gcRetune)
		defer t.Stop()
		defer debug.SetGCPercent(orig)
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				set()
			}
		}
	}()
}
