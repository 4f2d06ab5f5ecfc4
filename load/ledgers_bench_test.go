package load

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/oktalake/oktalake/load/ledger"
)

var ledgersEntities = flag.Int("ledgers.entities", 250_000, "entities per stream ledger in BenchmarkLedgersHeld (4 streams)")

// BenchmarkLedgersHeld: four streams' ledgers of -ledgers.entities each in
// the bucket, one of them with a delete pending; a load pass reads them
// for its deletes. It reports the heap the pass peaks at beyond what it
// started with, as a multiple of the heap one of those ledgers holds when
// read alone (the baseline, measured in the same run): about 1 when the
// loader holds one stream's ledger at a time, about 4 when it holds all.
func BenchmarkLedgersHeld(b *testing.B) {
	n := *ledgersEntities
	ctx := context.Background()
	store := newStore(b)
	names := []string{"users", "groups", "group_members", "app_users"}
	for si, s := range names {
		lg := ledger.New(s, ledger.DefaultShards)
		for i := range n {
			k := fmt.Sprintf("00x%02d%015d", si, i)
			lg.Put(k, ledger.Entry{Sync: 1, Gone: s == "users" && i == 0,
				Entities: []ledger.Entity{{Blueprint: "okta_" + s, Identifier: k, Hash: uint64(i)*0x9e3779b97f4a7c15 | 1}}})
		}
		if err := lg.Save(ctx, store, "data", DefaultName); err != nil {
			b.Fatal(err)
		}
	}
	pe := newPort(b, portSetup{})
	for b.Loop() {
		before := heapNow()
		one, _, err := ledger.Load(ctx, store, "data", DefaultName, "group_members")
		if err != nil {
			b.Fatal(err)
		}
		alone := heapNow() - before
		runtime.KeepAlive(one)
		one = nil

		l := newLoader(b, store, pe, Config{NoDeletes: true})
		before = heapNow()
		top := watchHeap()
		if err := l.pass(ctx); err != nil {
			b.Fatal(err)
		}
		peak := top()
		b.ReportMetric(float64(alone)/(1<<20), "one-ledger-MiB")
		b.ReportMetric(float64(peak-before)/(1<<20), "pass-peak-MiB")
		b.ReportMetric(float64(peak-before)/float64(alone), "pass-peak/one-ledger")
		runtime.KeepAlive(l)
	}
}

func heapNow() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// watchHeap samples the heap until the returned func is called, which
// returns the greatest HeapAlloc seen.
func watchHeap() func() uint64 {
	done, out := make(chan struct{}), make(chan uint64, 1)
	go func() {
		var top uint64
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapAlloc)
			select {
			case <-done:
				out <- top
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); return <-out }
}
