package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/parquetfmt"
	"github.com/oktalake/oktalake/streams"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// goldenOrgNow is the simulated org's present (and the extract's manual
// clock), so that the records and keys do not depend on the day the test runs.
var goldenOrgNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// extractLakes extracts the default simulated org, from one server, into a
// gzip JSONL lake and a Parquet lake; it returns their directories and the
// server's URL.
func extractLakes(t *testing.T) (jsonlDir, parquetDir, oktaURL string) {
	t.Helper()
	cfg := oktatest.DefaultOrgConfig()
	cfg.Now = goldenOrgNow
	clk := oktatest.NewManualClock(goldenOrgNow)
	srv := oktatest.NewServer(oktatest.NewOrg(cfg), oktatest.Options{Token: "test-token-not-secret", Clock: clk})
	t.Cleanup(srv.Close)
	client, err := okta.New(okta.Config{Domain: srv.URL, APIToken: "test-token-not-secret", Clock: clk, RateLimitShare: 1, MaxConcurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	pq, err := parquetfmt.NewFormat(parquetfmt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{t.TempDir(), t.TempDir()}
	for i, format := range []lake.Format{nil, pq} {
		store, err := lake.NewLocalStore(dirs[i])
		if err != nil {
			t.Fatal(err)
		}
		sum, err := extract.Run(context.Background(), extract.Config{Client: client, Store: store, Streams: streams.All(), FullRefresh: true, Clock: clk, Format: format})
		if err != nil {
			t.Fatal(err)
		}
		if err := sum.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return dirs[0], dirs[1], srv.URL
}

// streamFiles lists the data files of a stream in a lake directory, in key order.
func streamFiles(t *testing.T, dir, stream, ext string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "data", "okta", stream, "year=*", "month=*", "*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// TestMapParquetMatchesJSONL is the identity between the formats, through
// the CLI: `oktalake map` over every stream's objects of a Parquet lake
// prints, byte for byte, what it prints over the gzip JSONL lake of the
// same org (each object presented under the same key), and that output is
// the golden file (the server's URL replaced by https://okta.test).
func TestMapParquetMatchesJSONL(t *testing.T) {
	jsonlDir, parquetDir, oktaURL := extractLakes(t)
	var golden bytes.Buffer
	for _, st := range streams.All() {
		jfiles := streamFiles(t, jsonlDir, st.Name, ".jsonl.gz")
		pfiles := streamFiles(t, parquetDir, st.Name, ".parquet")
		if len(jfiles) != 1 || len(pfiles) != 1 {
			t.Fatalf("%s: objects %v and %v, want one of each format", st.Name, jfiles, pfiles)
		}
		key, ok := lake.KeyInPath(jfiles[0])
		if !ok {
			t.Fatalf("%s is not in the bucket layout", jfiles[0])
		}
		jout, jerr, code := runCLI(t, "map", "--key", key, jfiles[0])
		if code != 0 {
			t.Fatalf("%s: map of JSONL exited %d: %s", st.Name, code, jerr)
		}
		pout, perr, code := runCLI(t, "map", "--key", key, pfiles[0])
		if code != 0 {
			t.Fatalf("%s: map of Parquet exited %d: %s", st.Name, code, perr)
		}
		if strings.Count(jout, "\n") == 0 {
			t.Errorf("%s: the mapping made nothing of the stream", st.Name)
		}
		// Fan-out children are written in the order their parents' pages
		// arrive, which differs from run to run: compare the records'
		// outputs without their line numbers, in sorted order.
		jout, pout = byRecord(t, jout), byRecord(t, pout)
		if jout != pout {
			t.Errorf("%s: map output differs between JSONL and Parquet\n JSONL   %.300s\n Parquet %.300s", st.Name, firstDiff(jout, pout), firstDiff(pout, jout))
		}
		if strings.Contains(perr, ":") && perr != jerr {
			t.Errorf("%s: map reports differ\n JSONL   %s\n Parquet %s", st.Name, jerr, perr)
		}
		golden.WriteString("== " + st.Name + "\n")
		golden.WriteString(strings.ReplaceAll(jout, oktaURL, "https://okta.test"))
	}
	// Keys carry the extract's epoch: the golden names none.
	got := regexp.MustCompile(`\d{13}_0\.jsonl\.gz`).ReplaceAll(golden.Bytes(), []byte("EPOCH_0.jsonl.gz"))
	path := filepath.Join("testdata", "map_org.golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("map output differs from %s: %.300s (run with -update after reviewing)", path, firstDiff(string(got), string(want)))
	}
}

// byRecord is map's output without line numbers, its lines sorted.
func byRecord(t *testing.T, out string) string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		var row map[string]json.RawMessage
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatalf("map output line is not JSON: %q", l)
		}
		delete(row, "line")
		b, err := json.Marshal(row)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

// firstDiff is a from the first byte where it differs from b.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return a[max(0, i-80):]
}
