//go:build !cgo

package duckdbtest

import "testing"

// DB is an in-memory DuckDB database owned by one test. Without cgo there
// is no engine: Open skips or fails the test.
type DB struct{}

// Open skips the test, or fails it under OKTALAKE_REQUIRE_DUCKDB=1: the
// DuckDB binding needs cgo.
func Open(tb testing.TB) *DB {
	tb.Helper()
	unavailable(tb, "this build has no cgo, which the DuckDB binding needs")
	return nil
}

// Version is DuckDB's version.
func (d *DB) Version() string { return "" }

// Exec runs statements that return no rows.
func (d *DB) Exec(string, ...any) {}

// Scan runs a query returning one row.
func (d *DB) Scan(string, []any, ...any) {}

// Rows runs a query and returns every row.
func (d *DB) Rows(string, ...any) [][]any { return nil }

// Int runs a query returning one integer.
func (d *DB) Int(string, ...any) int64 { return 0 }

// String runs a query returning one string.
func (d *DB) String(string, ...any) string { return "" }
