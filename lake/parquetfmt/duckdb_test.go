package parquetfmt

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/internal/duckdbtest"
	"github.com/oktalake/oktalake/streams"
)

// TestDuckDBReadsTheLake runs DuckDB (a real engine, see duckdbtest) over
// a demo lake of the simulated org in both formats: every stream's row
// count, from Parquet and from gzip JSONL, is its record count; every
// date-time column of the Parquet objects is a TIMESTAMP WITH TIME ZONE
// holding the records' instants; nested, JSON and null-list columns answer
// queries with the records' values.
func TestDuckDBReadsTheLake(t *testing.T) {
	db := duckdbtest.Open(t)
	recs := orgRecords(t)
	dir := t.TempDir()
	lakeDir(t, dir, recs)
	parquet := func(stream string) string {
		return fmt.Sprintf("read_parquet('%s', hive_partitioning = false)", filepath.Join(dir, "data", "okta", stream, "**", "*.parquet"))
	}
	jsonl := func(stream string) string {
		return fmt.Sprintf("read_json_auto('%s', format = 'newline_delimited')", filepath.Join(dir, "data", "okta", stream, "**", "*.jsonl.gz"))
	}
	typed := map[string][]string{} // stream → its date-time columns checked
	for _, stream := range streams.Names() {
		want := int64(len(recs[stream]))
		if n := db.Int("SELECT count(*) FROM " + parquet(stream)); n != want {
			t.Errorf("%s: %d Parquet rows, %d records", stream, n, want)
		}
		if n := db.Int("SELECT count(*) FROM " + jsonl(stream)); n != want {
			t.Errorf("%s: %d JSONL rows, %d records", stream, n, want)
		}
		l, err := streamLayout(stream)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range l.root.children {
			if c.kind != kindTimestamp || (c.name != "created" && c.name != "lastUpdated" && c.name != "published") {
				continue
			}
			if typ := db.String(fmt.Sprintf("SELECT any_value(typeof(%q)) FROM %s", c.name, parquet(stream))); typ != "TIMESTAMP WITH TIME ZONE" {
				t.Errorf("%s.%s is %s in DuckDB, want TIMESTAMP WITH TIME ZONE", stream, c.name, typ)
			}
			if got, want := db.Int(fmt.Sprintf("SELECT epoch_ms(max(%q)) FROM %s", c.name, parquet(stream))), maxMillis(t, recs[stream], c.name); got != want {
				t.Errorf("%s: max(%s) is %d ms in DuckDB, %d in the records", stream, c.name, got, want)
			}
			typed[stream] = append(typed[stream], c.name)
		}
	}
	for _, stream := range []string{"users", "groups", "applications", "group_members", "custom_roles", "logs"} {
		if len(typed[stream]) == 0 {
			t.Errorf("%s: no date-time column checked", stream)
		}
	}
	t.Logf("date-time columns checked: %v", typed)

	users := recs["users"]
	queries := []struct {
		name, sql string
		want      int64
	}{
		{"nested struct field", "SELECT count(*) FROM " + parquet("users") + " WHERE profile.login LIKE '%@example.com'",
			count(t, users, func(r map[string]any) bool { return strings.HasSuffix(str(r, "profile", "login"), "@example.com") })},
		{"undeclared member, in the additional properties", "SELECT count(*) FROM " + parquet("users") +
			" WHERE json_extract_string(credentials._airbyte_additional_properties, '$.emails[0].value') = profile.email",
			count(t, users, func(r map[string]any) bool { return str(r, "profile", "email") != "" })},
		{"null member, in the null list", "SELECT count(*) FROM " + parquet("users") + " WHERE list_contains(_oktalake_null_fields, '/profile/mobilePhone')",
			count(t, users, func(r map[string]any) bool { v, ok := get(r, "profile", "mobilePhone"); return ok && v == nil })},
		{"schemaless object, as JSON", "SELECT count(*) FROM " + parquet("logs") + " WHERE json_extract_string(debugContext.debugData, '$.requestId') IS NOT NULL",
			count(t, recs["logs"], func(r map[string]any) bool { return str(r, "debugContext", "debugData", "requestId") != "" })},
		{"list of structs", "SELECT count(*) FROM " + parquet("logs") + " WHERE len(request.ipChain) > 0 AND request.ipChain[1].ip = client.ipAddress",
			count(t, recs["logs"], func(r map[string]any) bool {
				v, _ := get(r, "request", "ipChain")
				chain, _ := v.([]any)
				if len(chain) == 0 {
					return false
				}
				first, _ := chain[0].(map[string]any)
				return first != nil && str(first, "ip") == str(r, "client", "ipAddress")
			})},
	}
	for _, q := range queries {
		if q.want == 0 {
			t.Errorf("%s: the records hold no such value, the query proves nothing", q.name)
		}
		if got := db.Int(q.sql); got != q.want {
			t.Errorf("%s: DuckDB counts %d, the records %d\n%s", q.name, got, q.want, q.sql)
		}
	}
}

// maxMillis is the latest instant of a date-time member over records.
func maxMillis(t *testing.T, recs []json.RawMessage, field string) int64 {
	t.Helper()
	var latest int64
	for _, r := range recs {
		var m map[string]any
		if err := json.Unmarshal(r, &m); err != nil {
			t.Fatal(err)
		}
		s, _ := m[field].(string)
		if s == "" {
			continue
		}
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("%s %q: %v", field, s, err)
		}
		latest = max(latest, ts.UnixMilli())
	}
	return latest
}

func count(t *testing.T, recs []json.RawMessage, pred func(map[string]any) bool) int64 {
	t.Helper()
	var n int64
	for _, r := range recs {
		var m map[string]any
		if err := json.Unmarshal(r, &m); err != nil {
			t.Fatal(err)
		}
		if pred(m) {
			n++
		}
	}
	return n
}

// get follows object members; ok says the last one is present (maybe null).
func get(m map[string]any, path ...string) (any, bool) {
	var v any = m
	for _, p := range path {
		obj, isObj := v.(map[string]any)
		if !isObj {
			return nil, false
		}
		if v, isObj = obj[p]; !isObj {
			return nil, false
		}
	}
	return v, true
}

func str(m map[string]any, path ...string) string {
	v, _ := get(m, path...)
	s, _ := v.(string)
	return s
}
