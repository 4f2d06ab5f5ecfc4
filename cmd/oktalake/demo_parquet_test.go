package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/internal/duckdbtest"
	"github.com/oktalake/oktalake/streams"
)

// `oktalake demo --format parquet` writes Parquet for every stream and
// loads it into the simulated Port with zero rejected; DuckDB, through the
// views `streams --ddl duckdb` prints, counts per stream what it counts in
// the JSONL demo of the same org.
func TestDemoParquet(t *testing.T) {
	dirs := map[string]string{"jsonl": t.TempDir(), "parquet": t.TempDir()}
	for format, dir := range dirs {
		out, errOut, code := runCLI(t, "demo", "--bucket", dir, "--format", format)
		if code != 0 || !strings.Contains(out, "zero rejected") {
			t.Fatalf("demo --format %s exited %d\nstdout:\n%s\nstderr:\n%s", format, code, out, errOut)
		}
	}
	for _, st := range streams.All() {
		ext := map[string]string{"jsonl": ".jsonl.gz", "parquet": ".parquet"}
		for format, dir := range dirs {
			files, _ := filepath.Glob(filepath.Join(dir, "data", "okta", st.Name, "year=*", "month=*", "*"))
			if len(files) == 0 {
				t.Errorf("demo --format %s wrote no object of %s", format, st.Name)
			}
			for _, f := range files {
				if !strings.HasSuffix(f, ext[format]) {
					t.Errorf("demo --format %s wrote %s", format, f)
				}
			}
		}
	}
	db := duckdbtest.Open(t)
	for format, dir := range dirs {
		out, errOut, code := runCLI(t, "streams", "--ddl", "duckdb", "--format", format, "--bucket", dir, "--database", format)
		if code != 0 {
			t.Fatalf("streams --ddl duckdb exited %d: %s", code, errOut)
		}
		for _, stmt := range strings.Split(out, ";\n") {
			var lines []string
			for _, l := range strings.Split(stmt, "\n") {
				if !strings.HasPrefix(l, "--") {
					lines = append(lines, l)
				}
			}
			if s := strings.TrimSpace(strings.Join(lines, "\n")); s != "" {
				db.Exec(s)
			}
		}
	}
	var report bytes.Buffer
	for _, st := range streams.All() {
		j := db.Int(fmt.Sprintf("SELECT count(*) FROM jsonl.%q", st.Name))
		p := db.Int(fmt.Sprintf("SELECT count(*) FROM parquet.%q", st.Name))
		fmt.Fprintf(&report, "%s %d/%d ", st.Name, j, p)
		switch {
		case j == 0:
			t.Errorf("%s: DuckDB counts no row", st.Name)
		case st.AppendOnly && (p < j-5 || p > j+5):
			// The demo's org reads the wall clock: a few System Log events
			// may differ between the two runs (as TestDemoEndToEnd allows).
			t.Errorf("%s: %d rows from Parquet, %d from JSONL", st.Name, p, j)
		case !st.AppendOnly && p != j:
			t.Errorf("%s: %d rows from Parquet, %d from JSONL", st.Name, p, j)
		}
	}
	t.Log(report.String())
}
