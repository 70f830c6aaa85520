package server

import (
	"context"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"time"
)

// The garbage collector's pace. Every webhook request allocates its
// decoded message, and most of that is garbage once it is answered: with
// Go's default (GOGC=100, collect when the heap has doubled) a server
// whose live state is small collects very often, and marking took a
// quarter of the CPU under load. destemu lets the heap grow further
// between collections while the state is small, and as it grows, lets it
// grow by what the collector must trace, not by all it keeps:
//
//	heap peak <= live + max(min(gcHeadroom, 4×live), scannable)
//
// A collection costs in proportion to the scannable heap (the memory that
// may hold pointers, which marking reads); the bytes stored events are
// kept in (properties, records, ids) hold none, and marking only flags
// them. Spare memory as large as the scannable heap keeps the collector's
// share of the CPU where Go's default keeps it for a heap made only of
// pointers, while a state of a million events, mostly bytes, is not
// doubled in memory. (GOGC 400 up to a 64 MiB live heap; beyond, down to
// the scannable heap's share.) Setting GOGC or GOMEMLIMIT in the
// environment leaves the collector to them.
const (
	gcHeadroom   = 256 << 20
	gcMaxPercent = 400
	gcRetune     = time.Second
)

// gcPercent is the GOGC for a live heap of which scan bytes are scannable.
func gcPercent(live, scan uint64) int {
	if live == 0 {
		return gcMaxPercent
	}
	spare := max(min(gcHeadroom, 4*live), scan)
	return max(int(min(spare*100/live, gcMaxPercent)), 1)
}

// PaceGC keeps the collector's pace at gcPercent of the live heap until
// ctx ends, as the destemu binary does (benchmarks of the binary's memory
// use it too). It does nothing when the environment (getenv) sets GOGC or
// GOMEMLIMIT.
func PaceGC(ctx context.Context, getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/heap:bytes"}}
	read := func(i int) uint64 {
		if sample[i].Value.Kind() == rtmetrics.KindUint64 {
			return sample[i].Value.Uint64()
		}
		return 0
	}
	set := func() int {
		rtmetrics.Read(sample)
		return debug.SetGCPercent(gcPercent(read(0), read(1)))
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
