//go:build cgo

package duckdbtest

import (
	"context"
	"database/sql"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// DB is an in-memory DuckDB database owned by one test.
type DB struct {
	tb testing.TB
	db *sql.DB
}

// Open returns a fresh in-memory DuckDB, closed when the test ends.
func Open(tb testing.TB) *DB {
	tb.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		unavailable(tb, "opening DuckDB: "+err.Error())
	}
	// One connection: an in-memory database is per connection, and tests
	// may create tables or views they query next.
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	if err := db.PingContext(context.Background()); err != nil {
		unavailable(tb, "starting DuckDB: "+err.Error())
	}
	d := &DB{tb: tb, db: db}
	// One thread: go test runs packages side by side on these 2-core
	// machines, and a DuckDB taking every core starves tests that time
	// themselves (load/mapping's jq budget of 50 ms per record).
	d.Exec("SET threads = 1")
	return d
}

// Version is DuckDB's version, such as "v1.5.6".
func (d *DB) Version() string {
	d.tb.Helper()
	var v string
	d.Scan("SELECT version()", nil, &v)
	return v
}

// Exec runs statements that return no rows.
func (d *DB) Exec(query string, args ...any) {
	d.tb.Helper()
	if _, err := d.db.ExecContext(context.Background(), query, args...); err != nil {
		d.tb.Fatalf("duckdb: %s: %v", query, err)
	}
}

// Scan runs a query returning one row and scans its columns into dest.
func (d *DB) Scan(query string, args []any, dest ...any) {
	d.tb.Helper()
	if err := d.db.QueryRowContext(context.Background(), query, args...).Scan(dest...); err != nil {
		d.tb.Fatalf("duckdb: %s: %v", query, err)
	}
}

// Rows runs a query and returns every row, each value as the driver gives it.
func (d *DB) Rows(query string, args ...any) [][]any {
	d.tb.Helper()
	rows, err := d.db.QueryContext(context.Background(), query, args...)
	if err != nil {
		d.tb.Fatalf("duckdb: %s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		d.tb.Fatalf("duckdb: %s: %v", query, err)
	}
	var out [][]any
	for rows.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			d.tb.Fatalf("duckdb: %s: %v", query, err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		d.tb.Fatalf("duckdb: %s: %v", query, err)
	}
	return out
}

// Int runs a query returning one integer, such as a count(*).
func (d *DB) Int(query string, args ...any) int64 {
	d.tb.Helper()
	var n int64
	d.Scan(query, args, &n)
	return n
}

// String runs a query returning one string, such as a typeof(...).
func (d *DB) String(query string, args ...any) string {
	d.tb.Helper()
	var s string
	d.Scan(query, args, &s)
	return s
}
