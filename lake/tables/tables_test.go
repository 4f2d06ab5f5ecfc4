package tables

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/internal/duckdbtest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/parquetfmt"
	"github.com/oktalake/oktalake/streams"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestStatementsGolden keeps every engine's statements, in both formats,
// in testdata/<engine>_<format>.sql (go test -update rewrites them).
func TestStatementsGolden(t *testing.T) {
	for _, engine := range []Engine{Athena, Trino, DuckDB} {
		for _, format := range []Format{JSONL, Parquet} {
			t.Run(string(engine)+"_"+string(format), func(t *testing.T) {
				var b bytes.Buffer
				if err := Write(&b, Config{Engine: engine, Format: format, Root: "s3://okta-lake"}); err != nil {
					t.Fatal(err)
				}
				got := b.String()
				for _, st := range streams.All() {
					if !strings.Contains(got, st.Name) {
						t.Errorf("no statement names %s", st.Name)
					}
				}
				if engine != DuckDB && !strings.Contains(got, lake.TombstoneField) {
					t.Errorf("no %s column", lake.TombstoneField)
				}
				path := filepath.Join("testdata", string(engine)+"_"+string(format)+".sql")
				if *update {
					if err := os.MkdirAll("testdata", 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (go test -update creates it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the statements printed (go test -update, then review the diff)", path)
				}
			})
		}
	}
}

func TestConfigIsValidated(t *testing.T) {
	for _, c := range []Config{
		{Engine: "spark", Root: "s3://b"},
		{Engine: Athena, Format: "csv", Root: "s3://b"},
		{Engine: Athena, Root: "/tmp/lake"},
		{Engine: DuckDB},
	} {
		if err := Write(new(bytes.Buffer), c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

// orgNow is the simulated org's present and the extract's clock.
var orgNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// demoLakes extracts the default simulated org into a gzip JSONL lake and
// a Parquet lake, and returns their directories and the records per stream.
func demoLakes(t *testing.T) (jsonlDir, parquetDir string, counts map[string]int64) {
	t.Helper()
	cfg := oktatest.DefaultOrgConfig()
	cfg.Now = orgNow
	clk := oktatest.NewManualClock(orgNow)
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
	counts = map[string]int64{}
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
		for _, s := range sum.Streams {
			if i == 0 {
				counts[s.Stream] = s.Records
			} else if counts[s.Stream] != s.Records {
				t.Fatalf("%s: %d records as JSONL, %d as Parquet", s.Stream, counts[s.Stream], s.Records)
			}
		}
	}
	return dirs[0], dirs[1], counts
}

// execScript runs statements one by one.
func execScript(t *testing.T, db *duckdbtest.DB, script string) {
	t.Helper()
	for _, stmt := range strings.Split(script, ";\n") {
		var lines []string
		for _, l := range strings.Split(stmt, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		if s := strings.TrimSpace(strings.Join(lines, "\n")); s != "" {
			db.Exec(s)
		}
	}
}

// TestDuckDBRunsTheStatements runs the DuckDB statements against a lake of
// the simulated org in each format with a real DuckDB: every stream's view
// counts the records extracted, in both formats; date-time columns are
// typed timestamps (with time zone) in both; the tombstone column is there,
// typed, in every stream that can be deleted from.
func TestDuckDBRunsTheStatements(t *testing.T) {
	jsonlDir, parquetDir, counts := demoLakes(t)
	db := duckdbtest.Open(t)
	for _, lk := range []struct {
		schema, dir string
		format      Format
	}{{"okta_jsonl", jsonlDir, JSONL}, {"okta_parquet", parquetDir, Parquet}} {
		var b bytes.Buffer
		if err := Write(&b, Config{Engine: DuckDB, Format: lk.format, Root: lk.dir, Schema: lk.schema}); err != nil {
			t.Fatal(err)
		}
		execScript(t, db, b.String())
	}
	for _, st := range streams.All() {
		want := counts[st.Name]
		if want == 0 {
			t.Errorf("%s: the org has no records, the count proves nothing", st.Name)
		}
		for _, schema := range []string{"okta_jsonl", "okta_parquet"} {
			view := fmt.Sprintf("%s.%q", schema, st.Name)
			if n := db.Int("SELECT count(*) FROM " + view); n != want {
				t.Errorf("%s: %d rows, %d records extracted", view, n, want)
			}
			// Every column is read (DuckDB refused whole Parquet files over
			// the statistics of nested timestamp columns without values).
			if rows := db.Rows("SELECT max(length(CAST(COLUMNS(*) AS VARCHAR))) FROM " + view); len(rows) != 1 {
				t.Errorf("%s: reading every column gave %d rows", view, len(rows))
			}
			cols := timestampColumns(t, st.Name)
			if !st.AppendOnly && !slices.Contains(cols, lake.TombstoneField) {
				t.Errorf("%s: no %s column", view, lake.TombstoneField)
			}
			for _, c := range cols {
				if typ := db.String(fmt.Sprintf("SELECT column_type FROM (DESCRIBE %s) WHERE column_name = '%s'", view, c)); typ != "TIMESTAMP WITH TIME ZONE" {
					t.Errorf("%s.%s is %s, want TIMESTAMP WITH TIME ZONE", view, c, typ)
				}
			}
			if db.Int(fmt.Sprintf("SELECT count(DISTINCT \"year\") FROM %s", view)) != 1 {
				t.Errorf("%s: the year partition is not read", view)
			}
		}
		// Same instants from both formats.
		for _, c := range timestampColumns(t, st.Name) {
			q := func(schema string) int64 {
				return db.Int(fmt.Sprintf("SELECT coalesce(sum(epoch_ms(%q)), 0) FROM %s.%q", c, schema, st.Name))
			}
			if j, p := q("okta_jsonl"), q("okta_parquet"); j != p {
				t.Errorf("%s.%s: the formats hold other instants (sums %d and %d ms)", st.Name, c, j, p)
			}
		}
	}
}

// timestampColumns are a stream's top-level date-time columns.
func timestampColumns(t *testing.T, stream string) []string {
	t.Helper()
	sc, err := parquetfmt.Schema(stream)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range sc.Fields() {
		if _, ok := f.Type.(*arrow.TimestampType); ok {
			out = append(out, f.Name)
		}
	}
	return out
}
