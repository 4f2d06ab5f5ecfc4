package duckdbtest

import "testing"

// TestDuckDBRuns checks the engine answers: a version and a computed value.
func TestDuckDBRuns(t *testing.T) {
	db := Open(t)
	if v := db.Version(); v == "" || v[0] != 'v' {
		t.Errorf("version() = %q, want v<major>.<minor>.<patch>", v)
	}
	if n := db.Int("SELECT sum(i) FROM range(101) t(i)"); n != 5050 {
		t.Errorf("sum of 0..100 = %d, want 5050", n)
	}
}
