package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/server"
	"github.com/destemu/destemu/testkit"
)

// The perf method's traffic, in-process: testdata/loadgen-pairs.json holds
// the two full Segment messages each user sends per destination, as
// ../shared/perf/loadgen sends them (placeholders @U@ user, @M@ messageId,
// @N@ pair number, @S@ pair number mod 1000, @T@ timestamp), and perfAccounts
// the account each destination's traffic goes to, as ../shared/perf/run
// creates it. BenchmarkPerf runs each against the bare Gin handler and
// against destemu, so that their ratio (and a CPU profile of either) can be
// had without sockets: go test -bench Perf -cpu 1 ./server.

var perfAccounts = map[string]string{
	"startdeliver": `{"id":"perf","settings":{"startdeliverUserCustomFieldToMatchOn":"externalId"},"keys":[{"value":"perf-key"}],"config":{"customFields":[{"alias":"externalId","type":"text","entity":"user"}]}}`,
	"startdeliver-v2": `{"id":"perf","settings":{"startdeliverUserCustomFieldToMatchOn":"externalId"},"keys":[{"value":"perf-key"}],"config":{"customFields":[{"alias":"externalId","type":"text","entity":"user"},{"alias":"plan","type":"text","entity":"user"},{"alias":"logins","type":"number","entity":"user"},{"alias":"companyId","type":"number","entity":"customer"}],` +
		`"segmentApp":{"identifyEnabled":true,"groupEnabled":true,"startdeliverMatchingField":{"field":"externalId","type":"text"},"externalMatchingField":{"field":"userId"},"startdeliverCustomerField":{"field":"companyId","type":"number"},"externalCustomerField":{"field":"traits.companyId"},` +
		`"userMapping":[{"field":"name","externalField":"traits.name","type":"text"},{"field":"email","externalField":"traits.email","type":"text"},{"field":"plan","externalField":"traits.plan","type":"text"},{"field":"logins","externalField":"traits.logins","type":"number"}],"customerMapping":[{"field":"name","externalField":"traits.company.name","type":"text"}]}}}`,
	"connect":  `{"id":"perf","keys":[{"value":"perf-key"}],"config":{"environment":"production"}}`,
	"promoter": `{"id":"perf","keys":[{"value":"perf-key"}],"config":{"dailyLimit":100000000,"contactLists":[{"id":"buyers","name":"Buyers"}],"campaigns":[{"id":"post-purchase","name":"Post purchase","triggerEvent":"Order Completed","contactList":"buyers","deliveryDelayDays":7,"throttleDays":30,"reminderDays":3,"activate":true}]}}`,
	"usercom":  `{"id":"perf","keys":[{"value":"perf-key"}],"config":{"attributes":[{"content_type":"user","name":"logins","type":"number"},{"content_type":"user","name":"newsletter","type":"boolean"},{"content_type":"event","name":"total","type":"number"}]}}`,
}

// perfSettings is the X-Segment-Settings each destination's traffic carries.
var perfSettings = map[string]map[string]any{
	"startdeliver":    {"startdeliverUserCustomFieldToMatchOn": "externalId"},
	"startdeliver-v2": {"startdeliverUserCustomFieldToMatchOn": "externalId"},
}

// perfPairs reads the message templates.
func perfPairs(tb testing.TB) map[string][2]string {
	tb.Helper()
	data, err := os.ReadFile("testdata/loadgen-pairs.json")
	if err != nil {
		tb.Fatal(err)
	}
	var pairs map[string][2]string
	if err := json.Unmarshal(data, &pairs); err != nil {
		tb.Fatal(err)
	}
	return pairs
}

// perfBodies returns a body function: iteration i is message i%2 of pair
// i/2, every message with its own messageId, as loadgen numbers them. The
// bodies are built in one buffer, so that the figures are the server's.
func perfBodies(pair [2]string) func(int) []byte {
	var buf []byte
	return func(i int) []byte {
		buf = buf[:0]
		n := i / 2
		for rest := pair[i%2]; ; {
			at := strings.IndexByte(rest, '@')
			if at < 0 {
				return append(buf, rest...)
			}
			buf = append(buf, rest[:at]...)
			if at+2 >= len(rest) || rest[at+2] != '@' { // an '@' of the text
				buf, rest = append(buf, '@'), rest[at+1:]
				continue
			}
			switch rest[at+1] {
			case 'U':
				buf = strconv.AppendInt(append(buf, "run-u"...), int64(n), 10)
			case 'M':
				buf = strconv.AppendInt(append(buf, "run-m"...), int64(i), 10)
			case 'N':
				buf = strconv.AppendInt(buf, int64(n), 10)
			case 'S':
				buf = strconv.AppendInt(buf, int64(n%1000), 10)
			case 'T':
				buf = append(buf, "2026-03-02T10:00:00Z"...)
			default:
				buf = append(buf, rest[at:at+3]...)
			}
			rest = rest[at+3:]
		}
	}
}

// bareGin is ../shared/perf/baregin's handler.
func bareGin() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/:destination", func(c *gin.Context) {
		var m map[string]any
		if err := c.ShouldBindJSON(&m); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"message": err.Error()})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ok", "destination": c.Param("destination")})
	})
	return r
}

// reportCPU runs f and reports the process's CPU time per iteration
// (cpu-ns/op), garbage collection included: on a shared machine the wall
// time per iteration measures the neighbours as much as the handler.
func reportCPU(b *testing.B, f func()) {
	before := cpuTime()
	f()
	b.ReportMetric(float64((cpuTime()-before).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// perfServer is a destemu handler with the destination's perf account,
// configured by opts.
func perfServer(tb testing.TB, dest string, opts ...testkit.Option) http.Handler {
	tb.Helper()
	h := testkit.BenchServer(tb, opts...).Handler()
	req := httptest.NewRequest(http.MethodPost, "/_emulator/"+dest+"/accounts", bytes.NewReader([]byte(perfAccounts[dest])))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusCreated && w.Code != http.StatusOK {
		tb.Fatalf("create %s account: %d %s", dest, w.Code, w.Body)
	}
	return h
}

// BenchmarkPerf is the perf method's traffic per destination, against the
// bare Gin handler (bare) and destemu (destemu): the ratio of their ns/op
// is the in-process counterpart of the method's throughput ratio.
func BenchmarkPerf(b *testing.B) {
	pairs := perfPairs(b)
	for _, dest := range []string{"startdeliver", "startdeliver-v2", "connect", "promoter", "usercom"} {
		header := testkit.SegmentHeader("perf-key", perfSettings[dest])
		b.Run(dest+"/bare", func(b *testing.B) {
			h := bareGin()
			reportCPU(b, func() { testkit.ServeBenchmark(b, h, "/"+dest, header, perfBodies(pairs[dest])) })
		})
		b.Run(dest+"/destemu", func(b *testing.B) {
			h := perfServer(b, dest)
			reportCPU(b, func() { testkit.ServeBenchmark(b, h, "/"+dest, header, perfBodies(pairs[dest])) })
		})
	}
}

// BenchmarkStoredEvents fills one account of each destination with the
// perf method's traffic (b.N messages: a user's two messages, each kept as
// a user and an event or two events) and reports what the state costs:
// heap-B/msg is the live heap after a collection, per message stored;
// scan-B/msg the part of it the collector scans (objects that hold
// pointers, runtime/metrics /gc/scan/heap:bytes), which its work on every
// cycle follows; rss-MB the process's resident memory at the end and
// peak-rss-MB the most it ever held (VmHWM). The collector is paced as the
// destemu binary paces it (server.PaceGC; GOGC or GOMEMLIMIT in the
// environment take over), so that the memory is what the binary would
// hold: run one destination per process for that. Retention is off, so
// that every message is kept. Run it with -benchtime 1000000x to see a
// million (about 3 minutes a destination on a 2-core machine).
func BenchmarkStoredEvents(b *testing.B) {
	pairs := perfPairs(b)
	for _, dest := range []string{"startdeliver", "startdeliver-v2", "connect", "promoter", "usercom"} {
		b.Run(dest, func(b *testing.B) {
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			server.PaceGC(ctx, os.Getenv)
			h := perfServer(b, dest, keepAll)
			header := testkit.SegmentHeader("perf-key", perfSettings[dest])
			before, scanBefore := liveHeap(), scanHeap()
			testkit.ServeBenchmark(b, h, "/"+dest, header, perfBodies(pairs[dest]))
			b.StopTimer()
			after, scanAfter := liveHeap(), scanHeap()
			b.ReportMetric(float64(after-before)/float64(b.N), "heap-B/msg")
			b.ReportMetric((float64(scanAfter)-float64(scanBefore))/float64(b.N), "scan-B/msg")
			b.ReportMetric(float64(rss())/(1<<20), "rss-MB")
			b.ReportMetric(float64(peakRSS())/(1<<20), "peak-rss-MB")
			runtime.KeepAlive(h)
		})
	}
}

// keepAll turns retention off: every stored event is kept.
var keepAll = testkit.WithConfig(func(c *server.Config) { c.Retention.Events = -1 })

// scanHeap is the scannable heap at the end of the last collection (call
// liveHeap first): the bytes of heap objects that hold pointers.
func scanHeap() uint64 {
	sample := []metrics.Sample{{Name: "/gc/scan/heap:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// rss is the process's resident set size in bytes (0 where /proc is not).
func rss() uint64 {
	return statm(1)
}

// peakRSS is the most resident memory the process has held (VmHWM; 0
// where /proc is not).
func peakRSS() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	_, rest, _ := strings.Cut(string(data), "VmHWM:")
	var kb uint64
	if _, err := fmt.Sscan(rest, &kb); err != nil {
		return 0
	}
	return kb << 10
}

// statm reads field i of /proc/self/statm, in bytes.
func statm(i int) uint64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var fields [2]uint64
	if _, err := fmt.Sscan(string(data), &fields[0], &fields[1]); err != nil {
		return 0
	}
	return fields[i] * uint64(os.Getpagesize())
}
