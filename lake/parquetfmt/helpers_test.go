package parquetfmt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/laketest"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestMain runs the tests, or, in the child process of
// BenchmarkPeakMemory1MUsers, only its measurement.
func TestMain(m *testing.M) {
	if spec := os.Getenv(peakChildEnv); spec != "" {
		if err := measurePeakMemory(spec); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	laketest.Main(m)
}

// extractedAt is the extraction time of every test record.
var extractedAt = time.Date(2026, 11, 20, 12, 30, 0, 123e6, time.UTC)

// metaFor gives record i of a test its Airbyte metadata.
func metaFor(i int) lake.LineMeta {
	return lake.LineMeta{RawID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), ExtractedAt: extractedAt.Add(time.Duration(i) * time.Millisecond), GenerationID: 3, SyncID: 7}
}

// encode writes records as one Parquet object of stream, in memory.
func encode(tb testing.TB, stream string, recs []json.RawMessage, opts Options) []byte {
	tb.Helper()
	var buf bytes.Buffer
	e, err := NewEncoder(&buf, stream, opts)
	if err != nil {
		tb.Fatal(err)
	}
	for i, r := range recs {
		if err := e.Write(r, metaFor(i)); err != nil {
			tb.Fatalf("writing %s record %d: %v", stream, i, err)
		}
	}
	if err := e.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// decodeAll reads every record of a Parquet object, failing on any error.
func decodeAll(tb testing.TB, data []byte) []lake.Record {
	tb.Helper()
	d, err := NewDecoder(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	defer d.Close()
	var out []lake.Record
	for {
		r, err := d.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			tb.Fatalf("decoding row %d: %v", len(out)+1, err)
		}
		out = append(out, r)
	}
}

// jsonValue decodes JSON keeping numbers as their literal text, so that
// equal values mean the same tokens for numbers (1.0 is not 1) while
// strings compare by value and objects ignore member order.
func jsonValue(tb testing.TB, b []byte) any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(tb testing.TB, a, b []byte) bool {
	tb.Helper()
	return reflect.DeepEqual(jsonValue(tb, a), jsonValue(tb, b))
}

// lakeDir writes a lake of both formats under dir, as extract would lay it
// out: for each stream, gzip JSONL objects through lake.Writer and one
// Parquet object beside them. It returns the Parquet keys by stream.
func lakeDir(tb testing.TB, dir string, recs map[string][]json.RawMessage) map[string]string {
	tb.Helper()
	store, err := lake.NewLocalStore(dir)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	now := clock.NewManual(extractedAt)
	keys := map[string]string{}
	for stream, rs := range recs {
		w, err := lake.NewWriter(store, lake.WriterConfig{Prefix: "data", Namespace: "okta", Stream: stream, Now: now.Now, GenerationID: 3, SyncID: 7})
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range rs {
			if err := w.Write(ctx, r); err != nil {
				tb.Fatal(err)
			}
		}
		if err := w.Close(ctx); err != nil {
			tb.Fatal(err)
		}
		objs := w.Objects()
		if len(objs) != 1 {
			tb.Fatalf("%s: %d JSONL objects, want 1", stream, len(objs))
		}
		key := strings.TrimSuffix(objs[0].Key, ".jsonl.gz") + ".parquet"
		path := filepath.Join(dir, filepath.FromSlash(key))
		if err := os.WriteFile(path, encode(tb, stream, rs, Options{}), 0o644); err != nil {
			tb.Fatal(err)
		}
		keys[stream] = key
	}
	return keys
}
