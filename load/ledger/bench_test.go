package ledger

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake"
)

// benchEntities is the ledger size BenchmarkLedger measures
// (OKTALAKE_LEDGER_ENTITIES, default 1M: the memory target).
func benchEntities(b *testing.B) int {
	if v := os.Getenv("OKTALAKE_LEDGER_ENTITIES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("OKTALAKE_LEDGER_ENTITIES=%q: want a positive count", v)
		}
		return n
	}
	return 1_000_000
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkLedger builds a ledger of group memberships (the largest stream
// of a big org: one entity per record, keys and identifiers of Okta's
// length), saves it and reads it back. It reports the heap the loaded
// ledger holds per entity, the bucket bytes per entity, and the heap
// reading needs at most beyond the ledger itself.
func BenchmarkLedger(b *testing.B) {
	n := benchEntities(b)
	ctx := context.Background()
	store := newStore(b)
	src := New("group_members", DefaultShards)
	for i := range n {
		g, u := fmt.Sprintf("00g%017d", i%5000), fmt.Sprintf("00u%017d", i)
		src.Put(g+"/"+u, Entry{Sync: 7, Entities: []Entity{{Blueprint: "okta_group_membership", Identifier: g + "_" + u, Hash: uint64(i)*0x9e3779b97f4a7c15 | 1}}})
	}
	if err := src.Save(ctx, store, "data", "default"); err != nil {
		b.Fatal(err)
	}
	src = nil
	var disk int64
	if err := store.List(ctx, lake.LedgerPrefix("data", "default", "group_members"), "", func(o lake.ObjectInfo) error {
		disk += o.Size
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		before := heapInUse()
		peak := newPeakWatch()
		s, found, err := Load(ctx, store, "data", "default", "group_members")
		top := peak.stop()
		if err != nil || !found || s.Len() != n {
			b.Fatalf("Load: found %v, err %v, %d entries", found, err, s.Len())
		}
		held := heapInUse() - before
		b.ReportMetric(float64(held)/float64(n), "heap-B/entity")
		b.ReportMetric(float64(held)/float64(n)*1e6/(1<<20), "heap-MiB/1M-entities")
		b.ReportMetric(float64(top-before)/(1<<20), "peak-load-MiB")
		b.ReportMetric(float64(disk)/float64(n), "disk-B/entity")
		runtime.KeepAlive(s)
	}
}

// peakWatch samples the heap while a load runs.
type peakWatch struct {
	done chan struct{}
	max  chan uint64
}

func newPeakWatch() *peakWatch {
	p := &peakWatch{done: make(chan struct{}), max: make(chan uint64, 1)}
	go func() {
		var top uint64
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapAlloc)
			select {
			case <-p.done:
				p.max <- top
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return p
}

func (p *peakWatch) stop() uint64 {
	close(p.done)
	return <-p.max
}
