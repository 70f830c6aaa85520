package testkit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/server"
)

// The webhook benchmarks (server, emulators/...) share this harness so that
// their figures compare with one another and with BenchmarkBareGin, the
// floor: every one drives its handler in-process, with no socket, through
// the same request, recorder and loop. A socket would add the kernel's and
// net/http's cost, which is the same for every destination and hides what
// differs.

// BenchServer returns a destemu server for a benchmark, in-process with no
// socket, configured by opts as New is (a frozen clock included). Gin is put
// in release mode whatever GIN_MODE says, so that every run measures what
// production runs.
func BenchServer(tb testing.TB, opts ...Option) *server.Server {
	tb.Helper()
	gin.SetMode(gin.ReleaseMode)
	srv, _, err := newServer(opts)
	if err != nil {
		tb.Fatalf("testkit: new destemu: %v", err)
	}
	return srv
}

// HandlerClient returns a client that calls h in-process, with no socket:
// the real client for a benchmark's set-up, or for a test that has a
// handler and no listener. It speaks to the default namespace.
func HandlerClient(h http.Handler) *client.Client {
	return client.New("http://destemu.in-process", client.WithHTTPClient(&http.Client{Transport: handlerTransport{h}}))
}

// handlerTransport serves a client's requests with a handler, as a server
// would after reading them from a socket.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context()) // a RoundTripper must not change req
	in.RequestURI = req.URL.RequestURI()
	in.Host = req.URL.Host
	in.RemoteAddr = "192.0.2.1:1234" // as httptest.NewRequest
	if in.Body == nil {
		in.Body = http.NoBody
	}
	w := httptest.NewRecorder()
	t.h.ServeHTTP(w, in)
	res := w.Result()
	res.Request = req
	return res, nil
}

// BenchAccount creates an account of dest through h's control plane, in
// the default namespace, and fails tb when it cannot: a benchmark's
// set-up, before its clock starts.
func BenchAccount(tb testing.TB, h http.Handler, dest string, spec client.AccountSpec) {
	tb.Helper()
	if _, err := HandlerClient(h).CreateAccount(context.Background(), dest, spec); err != nil {
		tb.Fatalf("testkit: create %s account %q: %v", dest, spec.ID, err)
	}
}

// SegmentHeader returns the headers Segment sends with every webhook for
// key: a JSON Content-Type, User-Agent Segment.io/1.0, Basic auth with the
// key as user name, and the settings in X-Segment-Settings as base64 of
// their JSON ("e30=", an empty object, when there are none: Segment always
// sends the header). It panics on settings that do not encode as JSON.
func SegmentHeader(key string, settings map[string]any) http.Header {
	if settings == nil {
		settings = map[string]any{}
	}
	s, err := json.Marshal(settings)
	if err != nil {
		panic(fmt.Sprintf("testkit: settings for X-Segment-Settings: %v", err))
	}
	return http.Header{
		"Content-Type":       {"application/json"},
		"User-Agent":         {"Segment.io/1.0"},
		"Authorization":      {client.BasicAuth(key)},
		"X-Segment-Settings": {base64.StdEncoding.EncodeToString(s)},
	}
}

// ServeBenchmark measures h answering POST path with header, in-process,
// once per iteration of b.Loop; body(i) is iteration i's body and may reuse
// one buffer. One request is built before the clock starts and reused with
// each new body, and a fresh recorder takes each answer, so that what is
// measured is the handler (BenchmarkBareGin is measured the same way, which
// makes the ratios to it meaningful). An answer other than 200 fails the
// benchmark. It reports allocations, and bytes per iteration from the
// first body (bodies that number their messages differ by a digit or two).
func ServeBenchmark(b *testing.B, h http.Handler, path string, header http.Header, body func(i int) []byte) {
	b.Helper()
	rd := bytes.NewReader(nil)
	req := httptest.NewRequest(http.MethodPost, path, rd)
	req.Header = header.Clone() // the handler may write to it
	b.ReportAllocs()
	b.SetBytes(int64(len(body(0))))
	for i := 0; b.Loop(); i++ {
		data := body(i)
		rd.Reset(data)
		req.Body = io.NopCloser(rd)
		req.ContentLength = int64(len(data))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%s: status %d: %s", path, w.Code, w.Body)
		}
	}
}

// SameBody is a body function for ServeBenchmark that sends data every
// time: with no messageId in it every request is applied, none answered as
// a duplicate.
func SameBody(data []byte) func(int) []byte {
	return func(int) []byte { return data }
}

// NumberedBodies is a body function for ServeBenchmark whose iteration i
// sends head + i + mid + user(i) + tail: head ends inside the messageId, so
// every message has its own (G-10) and none is answered as a duplicate, and
// mid inside the user id, so that user(i) picks one of a set of users. The
// bodies are built in one buffer, with no allocation once it has grown, so
// that the figures are the server's alone.
func NumberedBodies(head, mid, tail string, user func(i int) int) func(int) []byte {
	buf := make([]byte, 0, len(head)+len(mid)+len(tail)+40)
	return func(i int) []byte {
		buf = append(buf[:0], head...)
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, mid...)
		buf = strconv.AppendInt(buf, int64(user(i)), 10)
		buf = append(buf, tail...)
		return buf
	}
}

// EnvBenchScale is the environment variable that makes the benchmarks at
// scale run their big sizes too (a million users, say): DESTEMU_BENCH_SCALE=1.
// Unset, they run only their small sizes, so that running every benchmark
// once (-benchtime 1x, as CI does) stays quick.
const EnvBenchScale = "DESTEMU_BENCH_SCALE"

// BenchSizes returns the sizes a benchmark at scale runs: small, and big
// when EnvBenchScale is set.
func BenchSizes(small, big int) []int {
	if on, _ := strconv.ParseBool(os.Getenv(EnvBenchScale)); on {
		return []int{small, big}
	}
	return []int{small}
}

// GetBenchmark measures control-plane reads: each iteration of b.Loop GETs
// target(i) (a path with its query) from h, in-process, and fails the
// benchmark on an answer other than 200.
func GetBenchmark(b *testing.B, h http.Handler, target func(i int) string) {
	b.Helper()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(http.MethodGet, target(i), nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s: status %d: %s", target(i), w.Code, w.Body)
		}
	}
}

// BenchSeed runs seed on the state of account id of dest, in srv's default
// namespace, under the account's lock, and collects its garbage: how a
// benchmark at scale fills a million users without a million requests.
func BenchSeed(tb testing.TB, srv *server.Server, dest, id string, seed func(emulators.State)) {
	tb.Helper()
	ns, err := srv.World().Namespace(emulators.DefaultNamespace, false)
	if err != nil {
		tb.Fatal(err)
	}
	acct, err := ns.Account(dest, id)
	if err != nil {
		tb.Fatal(err)
	}
	_, _ = acct.WithState(func(st emulators.State) (any, error) {
		seed(st)
		return nil, nil
	})
	runtime.GC()
}

// Lookup is one control-plane read of a lookup benchmark: Target is a path
// below the account's routes, with %d where the item's number goes.
type Lookup struct{ Name, Target string }

// LookupBenchmark measures lookups at scale: for 10,000 items, and
// 1,000,000 with EnvBenchScale set, it creates account "big" of dest,
// fills it with seed (item i numbered i) and runs GetBenchmark for each
// lookup, on items spread over the whole account. Sub-benchmarks are named
// items=N/lookup.
func LookupBenchmark(b *testing.B, dest, items string, seed func(st emulators.State, n int), lookups ...Lookup) {
	b.Helper()
	for _, n := range BenchSizes(10_000, 1_000_000) {
		srv := BenchServer(b)
		BenchAccount(b, srv.Handler(), dest, client.AccountSpec{ID: "big", Keys: []client.KeySpec{{Value: "big-key-" + dest}}})
		BenchSeed(b, srv, dest, "big", func(st emulators.State) { seed(st, n) })
		for _, l := range lookups {
			b.Run(fmt.Sprintf("%s=%d/%s", items, n, l.Name), func(b *testing.B) {
				GetBenchmark(b, srv.Handler(), func(i int) string {
					return "/_emulator/" + dest + "/accounts/big/" + fmt.Sprintf(l.Target, i*7919%n)
				})
			})
		}
	}
}

// ScaleBenchmark measures the track path to existing users of a big
// account: for 10,000 items, and 1,000,000 with EnvBenchScale set, it
// creates account "big" of dest (key "big-key-<dest>") on a server
// configured by opts, fills it with seed (item i has the userId "u-<i>")
// and sends tracks, each with its own messageId, to 1024 of them spread
// over the whole account. An index finds the user, so the sizes should
// cost alike. Sub-benchmarks are named items=N.
func ScaleBenchmark(b *testing.B, dest, items string, seed func(st emulators.State, n int), opts ...Option) {
	b.Helper()
	for _, n := range BenchSizes(10_000, 1_000_000) {
		b.Run(fmt.Sprintf("%s=%d", items, n), func(b *testing.B) {
			srv := BenchServer(b, opts...)
			BenchAccount(b, srv.Handler(), dest, client.AccountSpec{ID: "big", Keys: []client.KeySpec{{Value: "big-key-" + dest}}})
			BenchSeed(b, srv, dest, "big", func(st emulators.State) { seed(st, n) })
			body := NumberedBodies(`{"type":"track","messageId":"bench-`, `","userId":"u-`,
				`","event":"Order Completed","properties":{"orderId":"o-1","total":30,"currency":"USD"},"timestamp":"2025-03-14T09:26:53Z"}`,
				func(i int) int { return (i % 1024) * max(n/1024, 1) })
			ServeBenchmark(b, srv.Handler(), "/"+dest, SegmentHeader("big-key-"+dest, nil), body)
		})
	}
}
