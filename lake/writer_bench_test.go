package lake

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// benchRecords returns n distinct user-like records of about 1 KB each.
func benchRecords(n int) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range out {
		r := userRecord(i * 7919)
		pad := 1024 - len(r) - len(`,"notes":""`)
		unit := fmt.Sprintf("n%d-", i)
		note := strings.Repeat(unit, 1+pad/len(unit))[:pad]
		out[i] = json.RawMessage(string(r[:len(r)-1]) + `,"notes":"` + note + `"}`)
	}
	return out
}

// BenchmarkWriter measures V2 envelope + gzip + local directory commit
// throughput for 1 KB records.
func BenchmarkWriter(b *testing.B) {
	for _, env := range []Envelope{V2, Flat} {
		b.Run(env.String(), func(b *testing.B) {
			recs := benchRecords(1024)
			s, err := NewLocalStore(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			w, err := NewWriter(s, WriterConfig{Prefix: "data", Namespace: "okta", Stream: "users", Envelope: env, MaxFileSize: 64 << 20})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var in int64
			b.ResetTimer()
			startT := time.Now()
			for i := 0; b.Loop(); i++ {
				r := recs[i%len(recs)]
				if err := w.Write(ctx, r); err != nil {
					b.Fatal(err)
				}
				in += int64(len(r))
			}
			if err := w.Close(ctx); err != nil {
				b.Fatal(err)
			}
			secs := time.Since(startT).Seconds()
			var out int64
			for _, o := range w.Objects() {
				out += o.Size
			}
			b.ReportMetric(float64(w.Records())/secs, "records/s")
			b.ReportMetric(float64(in)/secs/1e6, "MB/s")
			b.ReportMetric(float64(in)/float64(max(out, 1)), "compression")
		})
	}
}

// BenchmarkWriterPeakHeap writes 1M 1 KB records (about 1 GB of input,
// rotating every 64 MiB compressed) and reports the peak heap, in use and
// live, over the first 100k records and over all 1M: close figures show
// memory does not grow with the stream. The 4 MiB of prepared records are
// part of the live heap.
func BenchmarkWriterPeakHeap(b *testing.B) {
	const total, early = 1_000_000, 100_000
	// Peak in-use heap (garbage included) is sampled often and cheaply;
	// the live heap is measured after a forced GC, less often.
	const sampleEvery, liveEvery = 2_000, 50_000
	recs := benchRecords(4096)
	for b.Loop() {
		s, err := NewLocalStore(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		w, err := NewWriter(s, WriterConfig{Prefix: "data", Namespace: "okta", Stream: "users", MaxFileSize: 64 << 20})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		runtime.GC()
		var ms runtime.MemStats
		var peakEarly, peak, liveEarly, live uint64
		for i := 1; i <= total; i++ {
			if err := w.Write(ctx, recs[i%len(recs)]); err != nil {
				b.Fatal(err)
			}
			if i%sampleEvery == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			if i%liveEvery == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				live = max(live, ms.HeapAlloc)
			}
			if i == early {
				peakEarly, liveEarly = peak, live
			}
		}
		if err := w.Close(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(peakEarly)/(1<<20), "peak-heap-MiB@100k")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB@1M")
		b.ReportMetric(float64(liveEarly)/(1<<20), "live-heap-MiB@100k")
		b.ReportMetric(float64(live)/(1<<20), "live-heap-MiB@1M")
		b.ReportMetric(float64(len(w.Objects())), "objects")
	}
}
