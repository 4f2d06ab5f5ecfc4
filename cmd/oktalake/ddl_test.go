package main

import (
	"strings"
	"testing"

	"github.com/oktalake/oktalake/streams"
)

// `oktalake streams --ddl` prints a statement per stream over the bucket's
// location; a wrong engine, format or bucket is a usage error naming it.
func TestStreamsDDL(t *testing.T) {
	out, errOut, code := runCLI(t, "streams", "--ddl", "athena", "--format", "parquet", "--bucket", "s3://my-lake/lake")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, st := range streams.All() {
		if !strings.Contains(out, "LOCATION 's3://my-lake/lake/okta/"+st.Name+"/'") {
			t.Errorf("no table over s3://my-lake/lake/okta/%s/", st.Name)
		}
	}
	if !strings.Contains(out, "STORED AS PARQUET") || !strings.Contains(out, "'projection.enabled' = 'true'") {
		t.Errorf("not Parquet tables with partition projection:\n%.400s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--ddl", "spark"}, `"spark" is not athena, trino or duckdb`},
		{[]string{"--ddl", "duckdb", "--format", "csv"}, `"csv" is not jsonl or parquet`},
		{[]string{"--ddl", "athena", "--bucket", t.TempDir()}, "athena reads S3 locations"},
	} {
		_, errOut, code := runCLI(t, append([]string{"streams"}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}
