package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/emulators"
	"github.com/destemu/destemu/testkit"
	"github.com/destemu/destemu/wire"
)

// millionAccounts and millionEvents shape BenchmarkSnapshotMillion: 1,000
// Promoter accounts of 1,000 custom events each (and 100 contacts).
const millionAccounts, millionEvents = 1000, 1000

// millionSeed is one Promoter account filled through its webhook.
func millionSeed(b *testing.B) emulators.AccountSnapshot {
	srv := testkit.Start(b)
	c := srv.Client()
	if _, err := c.FreezeClockAt(ctx, snapT0); err != nil {
		b.Fatal(err)
	}
	if _, err := c.CreateAccount(ctx, "promoter", client.AccountSpec{ID: "seed", Keys: []client.KeySpec{{Value: "k-seed"}}}); err != nil {
		b.Fatal(err)
	}
	for i := range millionEvents {
		u := fmt.Sprintf("user-%d", i%100)
		m := client.Track(u, "Order Completed", map[string]any{"orderId": fmt.Sprintf("o-%d", i), "total": 99.5, "currency": "EUR"})
		if i < 100 {
			m = client.Identify(u, map[string]any{"email": u + "@example.com", "plan": "pro"})
		}
		if _, err := c.Send(ctx, "promoter", "k-seed", nil, m.WithID(fmt.Sprintf("m-%d", i))); err != nil {
			b.Fatal(err)
		}
	}
	doc, err := srv.Server().Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	snap, err := emulators.ParseSnapshot(doc)
	if err != nil {
		b.Fatal(err)
	}
	return snap.Namespaces[0].Accounts[0]
}

// streamMillion writes a document of millionAccounts copies of seed to w
// without ever holding it whole.
func streamMillion(w io.WriteCloser, seed emulators.AccountSnapshot) {
	defer w.Close()
	fmt.Fprintf(w, `{"version":1,"namespaces":[{"name":"default","clock":{"now":%q,"frozen":true,"offset":"0s"},"accounts":[`, snapT0.Format(time.RFC3339))
	for i := range millionAccounts {
		a := seed
		a.ID = fmt.Sprintf("acct-%d", i)
		a.Keys = []wire.Key{{Value: fmt.Sprintf("k-%d", i), Status: emulators.KeyActive, Permission: "admin"}}
		one, _ := json.Marshal(a)
		if i > 0 {
			_, _ = w.Write([]byte(","))
		}
		_, _ = w.Write(one)
	}
	_, _ = io.WriteString(w, `]}]}`)
}

// liveHeap is the heap that survives a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkSnapshotMillion (#18 item 4) takes a state of 1,000,000 stored
// events (1,000 Promoter accounts of 1,000 custom events) through every
// way a snapshot goes: a streamed import, an export, a save of the state
// file and a load of it at start. It reports each one's time, the size of
// the document, the state's live heap, and the most heap the export held
// beyond the state at any account boundary (a collection first): about one
// account's document, not the whole one. Run it once:
//
//	go test ./server -run '^$' -bench SnapshotMillion -benchtime 1x
func BenchmarkSnapshotMillion(b *testing.B) {
	seed := millionSeed(b)
	for b.Loop() {
		base := liveHeap()
		srv := testkit.Start(b)
		pr, pw := io.Pipe()
		go streamMillion(pw, seed)
		start := startPhase()
		if err := srv.Server().ReadSnapshot(pr); err != nil {
			b.Fatal(err)
		}
		start.report(b, "import")
		state := liveHeap()
		b.ReportMetric(float64(state-base)/(1<<20), "state-MiB")

		counted := &countWriter{}
		start = startPhase()
		if err := srv.Server().WriteSnapshot(counted); err != nil {
			b.Fatal(err)
		}
		start.report(b, "export")
		b.ReportMetric(float64(counted.n)/(1<<20), "doc-MiB")

		// Once more, untimed, to see what the export holds beyond the state.
		var extra uint64
		n := 0
		err := srv.Server().World().WriteSnapshot(io.Discard, func() {
			if n++; n%100 == 50 { // a collection is costly: sample every 100th account
				if h := liveHeap(); h > state {
					extra = max(extra, h-state)
				}
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(extra)/(1<<20), "export-extra-MiB")

		path := filepath.Join(b.TempDir(), "state.json")
		sf, err := srv.Server().OpenStateFile(path, 0)
		if err != nil {
			b.Fatal(err)
		}
		start = startPhase()
		if err := sf.Save(); err != nil {
			b.Fatal(err)
		}
		start.report(b, "save")
		fi, _ := os.Stat(path)
		b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
		srv.Close()

		next := testkit.Start(b)
		start = startPhase()
		if _, err := next.Server().OpenStateFile(path, 0); err != nil {
			b.Fatal(err)
		}
		start.report(b, "load")
		next.Close()
	}
}

// phase measures one step of the benchmark by the wall clock and by the
// CPU time the process spent (every thread, the collector's too), which a
// machine shared with other work does not inflate.
type phase struct {
	wall time.Time
	cpu  time.Duration
}

func startPhase() phase { return phase{time.Now(), cpuTime()} }

func (p phase) report(b *testing.B, name string) {
	b.ReportMetric(time.Since(p.wall).Seconds(), name+"-s")
	b.ReportMetric((cpuTime() - p.cpu).Seconds(), name+"-cpu-s")
}

// countWriter counts and discards what is written to it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
