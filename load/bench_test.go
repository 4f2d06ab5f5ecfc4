package load

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/porttest"
)

// BenchmarkLoad loads 20,000 users (in four objects, with the default
// mapping) into a simulated Port answering every request after 30 ms, and
// reports throughput and requests per entity (Port's bulk limit of 20
// entities per request makes 0.05 the floor). Each iteration loads the
// whole bucket into a fresh Port.
func BenchmarkLoad(b *testing.B) {
	const n, objects = 20000, 4
	store := newStore(b)
	for o := range objects {
		putObject(b, store, dataKey("users", fmt.Sprintf("01_1000_%d", o)), users(o*n/objects, (o+1)*n/objects))
	}
	m := defaultMapping(b)
	var entities, requests int64
	var elapsed time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		pe := newPort(b, portSetup{realClock: true, server: porttest.Options{Latency: benchLatency}})
		l := newLoader(b, store, pe, Config{Name: fmt.Sprintf("bench-%d", i), Mapping: m})
		b.StartTimer()
		start := time.Now()
		sum := run(b, l)
		elapsed += time.Since(start)
		b.StopTimer()
		if sum.Entities() != n || pe.count("okta_user") != n {
			b.Fatalf("loaded %d entities (%d in Port), want %d", sum.Entities(), pe.count("okta_user"), n)
		}
		entities += sum.Entities()
		requests += int64(pe.srv.Stats().APIRequests)
		pe.srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(entities)/elapsed.Seconds(), "entities/s")
	b.ReportMetric(float64(requests)/float64(entities), "requests/entity")
}

// benchLatency is the simulated Port's answer time in BenchmarkLoad.
var benchLatency = 30 * time.Millisecond

// benchMapping and benchBlueprint are a minimal mapping and blueprint for
// many small records.
const (
	benchMapping   = `[{"blueprint":"bench_item","filter":"true","entity":{"identifier":".body.id","title":".body.name","properties":{"n":".body.n"}}}]`
	benchBlueprint = `{"identifier":"bench_item","title":"Bench item","schema":{"properties":{"n":{"type":"number"}},"required":[]},"relations":{}}`
)

var (
	memRecords = flag.Int("mem.records", 1_000_000, "records loaded by BenchmarkLoadMemory")
	memLatency = flag.Duration("mem.latency", 5*time.Millisecond, "simulated Port latency in BenchmarkLoadMemory")
)

// BenchmarkLoadMemory loads 1,000,000 small records from one object and
// reports the loader's peak heap in use (sampled every 5 ms) and the
// process's peak resident set (VmHWM, which includes writing the object
// first). Identifiers repeat every 1,000 records so the simulated Port
// stores only 1,000 entities and the heap measured is the loader's.
// Run with: go test ./load -run '^$' -bench LoadMemory -benchtime 1x
// (-mem.records and -mem.latency change the load).
func BenchmarkLoadMemory(b *testing.B) {
	n := *memRecords
	store := newStore(b)
	ctx := context.Background()
	w, err := lake.NewWriter(store, lake.WriterConfig{Prefix: "data", Namespace: "okta", Stream: "items"})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		rec := `{"id":"item-` + strconv.Itoa(i%1000) + `","name":"Item ` + strconv.Itoa(i) + `","n":` + strconv.Itoa(i) + `}`
		if err := w.Write(ctx, json.RawMessage(rec)); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		b.Fatal(err)
	}
	m := parseMapping(b, []byte(benchMapping))
	bps := map[string]json.RawMessage{"bench_item": json.RawMessage(benchBlueprint)}

	var peak atomic.Uint64
	for i := 0; i < b.N; i++ {
		pe := newPort(b, portSetup{realClock: true, server: porttest.Options{Blueprints: bps, Latency: *memLatency}, client: port.Config{Concurrency: 8}})
		l := newLoader(b, store, pe, Config{Name: fmt.Sprintf("mem-%d", i), Mapping: m})
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapInuse
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		start := time.Now()
		sum := run(b, l)
		el := time.Since(start)
		close(stop)
		<-sampled
		if sum.Streams[0].Records != int64(n) || pe.count("bench_item") != 1000 || sum.DeadLettered() != 0 {
			b.Fatalf("loaded %d records into %d entities with %d dead letters", sum.Streams[0].Records, pe.count("bench_item"), sum.DeadLettered())
		}
		b.ReportMetric(float64(n)/el.Seconds(), "records/s")
		b.ReportMetric(float64(base)/(1<<20), "base-heap-MB")
		pe.srv.Close()
	}
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	if hwm, ok := vmHWM(); ok {
		b.ReportMetric(float64(hwm)/(1<<20), "VmHWM-MB")
	}
}

// vmHWM reads the process's peak resident set size from /proc (Linux only).
func vmHWM() (uint64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
