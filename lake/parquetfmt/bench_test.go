package parquetfmt

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/internal/duckdbtest"
	"github.com/oktalake/oktalake/lake"
)

// benchUsers is how many users the 1M-user benchmarks write (-bench.users
// to run them smaller).
var benchUsers = flag.Int("bench.users", 1_000_000, "users written by the peak-memory and DuckDB benchmarks")

// benchRowGroup is the RowGroupSize of the peak-memory benchmark.
var benchRowGroup = flag.Int("bench.rowgroup", DefaultRowGroupSize, "RowGroupSize of the peak-memory benchmark")

// benchCorpus is a bigger simulated org's users (5,000) and log events
// (20,000), listed over HTTP once per stream, as Okta would send them.
var benchCorpus struct {
	mu   sync.Mutex
	recs map[string][]json.RawMessage
}

func corpus(b *testing.B, stream string) []json.RawMessage {
	b.Helper()
	recs, err := listCorpus(stream)
	if err != nil {
		b.Fatal(err)
	}
	return recs
}

func listCorpus(stream string) ([]json.RawMessage, error) {
	benchCorpus.mu.Lock()
	defer benchCorpus.mu.Unlock()
	if recs, ok := benchCorpus.recs[stream]; ok {
		return recs, nil
	}
	cfg := oktatest.DefaultOrgConfig()
	cfg.Now, cfg.Users, cfg.LogEvents, cfg.DeprovisionedFraction = orgNow, 5_000, 20_000, 0.05
	clk := oktatest.NewManualClock(orgNow)
	srv := oktatest.NewServer(oktatest.NewOrg(cfg), oktatest.Options{Token: "bench-token-not-secret", Clock: clk})
	defer srv.Close()
	c, err := okta.New(okta.Config{Domain: srv.URL, APIToken: "bench-token-not-secret", Clock: clk, RateLimitShare: 1})
	if err != nil {
		return nil, err
	}
	path := "/api/v1/users?limit=200"
	if stream == "logs" {
		path = "/api/v1/logs?limit=1000&sortOrder=ASCENDING&since=" + orgNow.Add(-8*24*time.Hour).Format(time.RFC3339) + "&until=" + orgNow.Format(time.RFC3339)
	}
	recs, err := listAll(context.Background(), c, path, okta.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing the bench corpus of %s: %w", stream, err)
	}
	if len(recs) < 1000 {
		return nil, fmt.Errorf("bench corpus has %d %s", len(recs), stream)
	}
	if benchCorpus.recs == nil {
		benchCorpus.recs = map[string][]json.RawMessage{}
	}
	benchCorpus.recs[stream] = recs
	return recs, nil
}

// jsonlSize writes recs through lake.Writer (V2 envelope, gzip) into a
// local store and returns the bytes of its objects and how long it took.
func jsonlSize(b *testing.B, stream string, recs []json.RawMessage) (int64, time.Duration) {
	b.Helper()
	store, err := lake.NewLocalStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now()
	w, err := lake.NewWriter(store, lake.WriterConfig{Prefix: "data", Namespace: "okta", Stream: stream, Now: clock.NewManual(extractedAt).Now})
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	var n int64
	for _, o := range w.Objects() {
		n += o.Size
	}
	return n, elapsed
}

// parquetSize writes recs through an Encoder into a local file (as a
// local store would) and returns its size and how long it took.
func parquetSize(b *testing.B, stream string, recs []json.RawMessage, opts Options) (int64, time.Duration) {
	b.Helper()
	f, err := os.Create(filepath.Join(b.TempDir(), stream+".parquet"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	bw := bufio.NewWriterSize(f, 1<<20)
	e, err := NewEncoder(bw, stream, opts)
	if err != nil {
		b.Fatal(err)
	}
	for i, r := range recs {
		m := metaFor(i)
		m.RawID = uuid.NewString() // random, as lake.Writer's: they do not compress
		if err := e.Write(r, m); err != nil {
			b.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	return e.BytesWritten(), time.Since(start)
}

// BenchmarkSize compares bytes on disk: Parquet (snappy, zstd) against
// gzip JSONL of the same records, written by lake.Writer in the same run.
func BenchmarkSize(b *testing.B) {
	for _, stream := range []string{"users", "logs"} {
		b.Run(stream, func(b *testing.B) {
			recs := corpus(b, stream)
			for b.Loop() {
				jsonl, _ := jsonlSize(b, stream, recs)
				snappy, _ := parquetSize(b, stream, recs, Options{Compression: Snappy})
				zstd, _ := parquetSize(b, stream, recs, Options{Compression: Zstd})
				b.ReportMetric(float64(jsonl)/float64(len(recs)), "jsonl.gz-B/record")
				b.ReportMetric(float64(snappy)/float64(jsonl), "snappy/jsonl.gz")
				b.ReportMetric(float64(zstd)/float64(jsonl), "zstd/jsonl.gz")
			}
		})
	}
}

// BenchmarkWriteThroughput compares records per second written by the
// Encoder (snappy) and by lake.Writer (gzip JSONL), in the same run.
func BenchmarkWriteThroughput(b *testing.B) {
	for _, stream := range []string{"users", "logs"} {
		b.Run(stream, func(b *testing.B) {
			recs := corpus(b, stream)
			var jsonlTime, parquetTime time.Duration
			var n int
			for b.Loop() {
				_, tj := jsonlSize(b, stream, recs)
				_, tp := parquetSize(b, stream, recs, Options{})
				jsonlTime += tj
				parquetTime += tp
				n += len(recs)
			}
			b.ReportMetric(float64(n)/parquetTime.Seconds(), "parquet-records/s")
			b.ReportMetric(float64(n)/jsonlTime.Seconds(), "jsonl-records/s")
			b.ReportMetric(jsonlTime.Seconds()/parquetTime.Seconds(), "parquet/jsonl-speed")
		})
	}
}

// userGenerator makes distinct users from the corpus: user i is corpus
// user i mod len(corpus) with its own id (and so its own links) and login.
type userGenerator struct {
	base  []json.RawMessage
	ids   []string
	logns []string
}

func newUserGenerator() (*userGenerator, error) {
	base, err := listCorpus("users")
	if err != nil {
		return nil, err
	}
	g := &userGenerator{base: base}
	for _, u := range g.base {
		var head struct {
			ID      string `json:"id"`
			Profile struct {
				Login string `json:"login"`
			} `json:"profile"`
		}
		if err := json.Unmarshal(u, &head); err != nil || len(head.ID) != 20 {
			return nil, fmt.Errorf("corpus user %.60s: %v", u, err)
		}
		g.ids = append(g.ids, head.ID)
		g.logns = append(g.logns, head.Profile.Login)
	}
	return g, nil
}

// user returns user i; the id keeps Okta's 20 characters.
func (g *userGenerator) user(i int) json.RawMessage {
	k := i % len(g.base)
	id := g.ids[k][:3] + fmt.Sprintf("%017s", strconv.FormatInt(int64(i)*2654435761%(1<<62), 36))[:17]
	rec := bytes.ReplaceAll(g.base[k], []byte(g.ids[k]), []byte(id))
	login := g.logns[k]
	if at := strings.IndexByte(login, '@'); at > 0 {
		rec = bytes.ReplaceAll(rec, []byte(login), []byte(login[:at]+"."+strconv.Itoa(i)+login[at:]))
	}
	return rec
}

// peakRSS reads the process's resident-set high-water mark (Linux).
func peakRSS() (mib float64, ok bool) { return procStatus("VmHWM:") }

// currentRSS reads the process's resident set (Linux).
func currentRSS() (mib float64, ok bool) { return procStatus("VmRSS:") }

func procStatus(field string) (mib float64, ok bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, found := strings.CutPrefix(line, field); found {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024, err == nil
		}
	}
	return 0, false
}

// resetPeakRSS restarts the high-water mark from the current RSS, so the
// peak measured is the encoder's, not the corpus listing's (Linux
// clear_refs 5).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // without it, the peak is the process's
}

// peakChildEnv asks the test binary to run measurePeakMemory instead of
// its tests (see TestMain): a fresh process, whose peak RSS is the
// encoder's and not that of benchmarks run before it.
const peakChildEnv = "OKTALAKE_PARQUET_PEAK_CHILD"

// peakMemory is what the child measures.
type peakMemory struct {
	Users                       int
	BaseRSSMiB, PeakRSSMiB      float64 // before writing (binary, runtime, corpus) and at the peak
	PeakHeapMiB, LiveHeapMiB    float64 // heap in use, sampled; live heap after forced GCs
	ObjectMiB, RecordsPerSecond float64
	RowGroupSize                int64
}

// BenchmarkPeakMemory1MUsers writes -bench.users users (1M) as one Parquet
// object in a fresh process and reports its peak RSS (the goal is under
// 150 MB) and heap: memory is bounded by one row group, not the stream.
// The sub-benchmarks write through the Encoder alone, through lake.Writer
// with the Parquet Format onto a local store (extract's path: temp file,
// rename, rotation at 200 MiB), and, as the baseline of the same run,
// through lake.Writer as gzip JSONL.
func BenchmarkPeakMemory1MUsers(b *testing.B) {
	for _, mode := range []string{"encoder", "writer", "jsonl"} {
		b.Run(mode, func(b *testing.B) { benchPeakMemory(b, mode) })
	}
}

func benchPeakMemory(b *testing.B, mode string) {
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d,%d,%s", peakChildEnv, *benchUsers, *benchRowGroup, mode))
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("peak-memory child: %v", err)
		}
		var m peakMemory
		if err := json.Unmarshal(out, &m); err != nil {
			b.Fatalf("peak-memory child said %q: %v", out, err)
		}
		b.ReportMetric(m.PeakRSSMiB, "peak-rss-MiB")
		b.ReportMetric(m.BaseRSSMiB, "base-rss-MiB")
		b.ReportMetric(m.PeakHeapMiB, "peak-heap-MiB")
		b.ReportMetric(m.LiveHeapMiB, "live-heap-MiB")
		b.ReportMetric(m.ObjectMiB, "object-MiB")
		b.ReportMetric(m.RecordsPerSecond, "records/s")
	}
}

// measurePeakMemory is the child of BenchmarkPeakMemory1MUsers: it writes
// users into a temporary file and prints a peakMemory as JSON.
func measurePeakMemory(spec string) error {
	var m peakMemory
	var mode string
	if _, err := fmt.Sscanf(strings.ReplaceAll(spec, ",", " "), "%d %d %s", &m.Users, &m.RowGroupSize, &mode); err != nil {
		return fmt.Errorf("parsing %s=%q: %w", peakChildEnv, spec, err)
	}
	g, err := newUserGenerator()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "parquetfmt-peak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	f, err := os.Create(filepath.Join(dir, "users.parquet"))
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	var e peakSink
	switch mode {
	case "encoder":
		enc, err := NewEncoder(bw, "users", Options{RowGroupSize: m.RowGroupSize})
		if err != nil {
			return err
		}
		e = encoderSink{enc, bw}
	case "writer", "jsonl":
		store, err := lake.NewLocalStore(dir)
		if err != nil {
			return err
		}
		cfg := lake.WriterConfig{Prefix: "data", Namespace: "okta", Stream: "users", Now: clock.NewManual(extractedAt).Now}
		if mode == "writer" {
			if cfg.Format, err = NewFormat(Options{RowGroupSize: m.RowGroupSize}); err != nil {
				return err
			}
		}
		w, err := lake.NewWriter(store, cfg)
		if err != nil {
			return err
		}
		e = &writerSink{w: w}
	default:
		return fmt.Errorf("unknown peak-memory mode %q", mode)
	}
	var ms runtime.MemStats
	var peakHeap, liveHeap uint64
	runtime.GC()
	m.BaseRSSMiB, _ = currentRSS()
	resetPeakRSS()
	start := time.Now()
	for i := 0; i < m.Users; i++ {
		if err := e.Write(g.user(i), metaFor(i)); err != nil {
			return err
		}
		if i%5000 == 0 {
			runtime.ReadMemStats(&ms)
			peakHeap = max(peakHeap, ms.HeapInuse)
		}
		if i%100_000 == 50_000 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			liveHeap = max(liveHeap, ms.HeapAlloc)
		}
	}
	if err := e.Close(); err != nil {
		return err
	}
	m.RecordsPerSecond = float64(m.Users) / time.Since(start).Seconds()
	m.PeakRSSMiB, _ = peakRSS()
	m.PeakHeapMiB, m.LiveHeapMiB = float64(peakHeap)/(1<<20), float64(liveHeap)/(1<<20)
	m.ObjectMiB = float64(e.BytesWritten()) / (1 << 20)
	return json.NewEncoder(os.Stdout).Encode(m)
}

// peakSink is what the peak-memory child writes users to.
type peakSink interface {
	Write(rec json.RawMessage, m lake.LineMeta) error
	Close() error
	BytesWritten() int64
}

type encoderSink struct {
	*Encoder
	bw *bufio.Writer
}

func (s encoderSink) Close() error {
	if err := s.Encoder.Close(); err != nil {
		return err
	}
	return s.bw.Flush()
}

// writerSink writes through lake.Writer (its own ids and times: the meta
// is ignored).
type writerSink struct{ w *lake.Writer }

func (s *writerSink) Write(rec json.RawMessage, _ lake.LineMeta) error {
	return s.w.Write(context.Background(), rec)
}
func (s *writerSink) Close() error { return s.w.Close(context.Background()) }
func (s *writerSink) BytesWritten() int64 {
	var n int64
	for _, o := range s.w.Objects() {
		n += o.Size
	}
	return n
}

// BenchmarkDuckDBCountByStatus times DuckDB counting -bench.users users
// by status from one Parquet object and from the same users as gzip JSONL,
// in the same run.
func BenchmarkDuckDBCountByStatus(b *testing.B) {
	db := duckdbtest.Open(b)
	g, err := newUserGenerator()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	store, err := lake.NewLocalStore(dir)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	w, err := lake.NewWriter(store, lake.WriterConfig{Prefix: "jsonl", Namespace: "okta", Stream: "users", Now: clock.NewManual(extractedAt).Now})
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "users.parquet"))
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	e, err := NewEncoder(bw, "users", Options{})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < *benchUsers; i++ {
		u := g.user(i)
		if err := w.Write(ctx, u); err != nil {
			b.Fatal(err)
		}
		if err := e.Write(u, metaFor(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		b.Fatal(err)
	}
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	queries := map[string]string{
		"parquet": fmt.Sprintf("SELECT status, count(*) FROM read_parquet('%s') GROUP BY status", filepath.Join(dir, "users.parquet")),
		"jsonl":   fmt.Sprintf("SELECT _airbyte_data.status, count(*) FROM read_json_auto('%s', format = 'newline_delimited') GROUP BY 1", filepath.Join(dir, "jsonl", "**", "*.jsonl.gz")),
	}
	took := map[string]time.Duration{}
	for b.Loop() {
		for name, q := range queries {
			start := time.Now()
			var total int64
			for _, row := range db.Rows(q) {
				total += row[1].(int64)
			}
			took[name] += time.Since(start)
			if total != int64(*benchUsers) {
				b.Fatalf("%s: counted %d users, wrote %d", name, total, *benchUsers)
			}
		}
	}
	b.ReportMetric(took["parquet"].Seconds()/float64(b.N), "parquet-s")
	b.ReportMetric(took["jsonl"].Seconds()/float64(b.N), "jsonl.gz-s")
	b.ReportMetric(took["jsonl"].Seconds()/took["parquet"].Seconds(), "jsonl/parquet-time")
}
