// Package duckdbtest gives tests a real DuckDB engine (the Go binding with
// DuckDB's prebuilt static library, linked with cgo), to check that what
// oktalake writes is what query engines read: row counts, column types.
//
// Environment:
//
//	OKTALAKE_REQUIRE_DUCKDB=1   fail instead of skipping when DuckDB is not
//	                            linked in (a build without cgo); make test sets it
package duckdbtest

import (
	"os"
	"testing"
)

// requireEnv is the variable that turns a missing engine into a failure.
const requireEnv = "OKTALAKE_REQUIRE_DUCKDB"

// unavailable skips the test, or fails it when the environment requires DuckDB.
func unavailable(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv(requireEnv) == "1" {
		tb.Fatalf("duckdbtest: %s=1 but %s", requireEnv, why)
	}
	tb.Skipf("duckdbtest: skipping DuckDB test: %s", why)
}
