package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `oktalake map` prints one JSON line per entity, delete or rejection, and
// per-mapping counts; a bad line is reported with file and line.
func TestMapDryRun(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "users.jsonl")
	lines := []string{
		`{"id":"00u1aaaaaaaaaaaaaaaa","status":"ACTIVE","created":"2026-01-01T00:00:00.000Z","activated":"2026-01-01T00:00:00.000Z","statusChanged":"2026-01-01T00:00:00.000Z","lastUpdated":"2026-01-02T00:00:00.000Z","type":{"id":"oty1"},"profile":{"login":"ada@example.com","email":"ada@example.com","firstName":"Ada","lastName":"L"},"credentials":{}}`,
		`{not json`,
		`{"id":"00u2bbbbbbbbbbbbbbbb","status":"STAGED","created":"2026-01-01T00:00:00.000Z","activated":null,"statusChanged":null,"lastUpdated":"2026-01-02T00:00:00.000Z","type":{"id":"oty1"},"profile":{"login":"bob@example.com","email":"bob@example.com"},"credentials":{}}`,
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "map", "--stream", "users", file)
	if code != 0 {
		t.Fatalf("map exited %d: %s", code, errOut)
	}
	var ids []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var row struct {
			Op     string `json:"op"`
			Line   int    `json:"line"`
			Entity struct {
				Blueprint  string `json:"blueprint"`
				Identifier string `json:"identifier"`
				Title      string `json:"title"`
			} `json:"entity"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("output line is not JSON: %q", sc.Text())
		}
		if row.Op != "upsert" || row.Entity.Blueprint != "okta_user" {
			t.Errorf("unexpected row %+v", row)
		}
		ids = append(ids, row.Entity.Identifier)
	}
	if strings.Join(ids, ",") != "00u1aaaaaaaaaaaaaaaa,00u2bbbbbbbbbbbbbbbb" {
		t.Errorf("entities = %v", ids)
	}
	if !strings.Contains(errOut, "users.jsonl:2:") {
		t.Errorf("the bad line is not reported with file and line:\n%s", errOut)
	}
	if !strings.Contains(errOut, "okta_user") || !strings.Contains(errOut, "matched") {
		t.Errorf("no per-mapping counts:\n%s", errOut)
	}
}

// A mapping with a bad jq expression is refused before any record is read,
// naming the mapping index and field.
func TestMapRejectsBadMapping(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "m.json")
	os.WriteFile(m, []byte(`[{"blueprint":"b","filter":"true","entity":{"identifier":".body.id","properties":{"x":".body.profile."}}}]`), 0o644)
	rec := filepath.Join(dir, "r.jsonl")
	os.WriteFile(rec, []byte(`{"id":"1"}`+"\n"), 0o644)
	_, errOut, code := runCLI(t, "map", "--mapping", m, rec)
	if code != 2 || !strings.Contains(errOut, "mapping[0]") || !strings.Contains(errOut, "properties.x") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}

// writeGzipJSONL writes lines as a gzip JSONL object at path, creating its
// directories.
func writeGzipJSONL(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(strings.Join(lines, "\n") + "\n"))
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func upserts(t *testing.T, out string) int {
	t.Helper()
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(line, `"op":"upsert"`) {
			n++
		}
	}
	return n
}

const mapUserRecord = `{"id":"00u1aaaaaaaaaaaaaaaa","status":"ACTIVE","created":"2026-01-01T00:00:00.000Z","activated":"2026-01-01T00:00:00.000Z","statusChanged":"2026-01-01T00:00:00.000Z","lastUpdated":"2026-01-02T00:00:00.000Z","type":{"id":"oty1"},"profile":{"login":"ada@example.com","email":"ada@example.com","firstName":"Ada","lastName":"L"},"credentials":{}}`

// `oktalake map` on an object's path in a local bucket presents the object's
// key in the bucket (from <prefix>/<namespace>/<stream>/year=...), not the
// path, so Port-style filters on the key's segments match as in a load.
func TestMapPresentsTheLakeKeyOfAnObjectPath(t *testing.T) {
	dir := t.TempDir()
	for _, rel := range []string{
		"data/okta/users/year=2026/month=11/20_1_0.jsonl.gz",
		"year=2020/lake/data/okta/users/year=2026/month=11/20_1_0.jsonl.gz", // the last year= is the layout's
	} {
		abs := filepath.Join(dir, filepath.FromSlash(rel))
		writeGzipJSONL(t, abs, mapUserRecord)
		out, errOut, code := runCLI(t, "map", abs)
		if code != 0 || upserts(t, out) != 1 || strings.Contains(errOut, "warning") {
			t.Errorf("map %s: code %d, %d upserts (want 1)\nstdout:\n%s\nstderr:\n%s", abs, code, upserts(t, out), out, errOut)
		}
		// A relative path works the same.
		wd, _ := os.Getwd()
		relPath, err := filepath.Rel(wd, abs)
		if err != nil {
			t.Fatal(err)
		}
		if out, errOut, _ := runCLI(t, "map", relPath); upserts(t, out) != 1 {
			t.Errorf("map %s: %d upserts (want 1)\n%s", relPath, upserts(t, out), errOut)
		}
	}
}

// When no mapping matches any record, map says so and says how the records
// were presented; --key still overrides the derived key.
func TestMapWarnsWhenNoMappingMatches(t *testing.T) {
	dir := t.TempDir()
	inLake := filepath.Join(dir, "data", "okta", "users", "year=2026", "month=11", "20_1_0.jsonl.gz")
	writeGzipJSONL(t, inLake, mapUserRecord)
	loose := filepath.Join(dir, "users.jsonl")
	if err := os.WriteFile(loose, []byte(mapUserRecord+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		wantKey string
	}{
		{"a file outside the bucket layout", []string{"map", loose}, loose},
		{"--key overrides the derived key", []string{"map", "--key", "data/okta/nosuch/x.jsonl.gz", inLake}, "data/okta/nosuch/x.jsonl.gz"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, tc.args...)
			if code != 0 || upserts(t, out) != 0 {
				t.Fatalf("code %d, %d upserts (want 0)\n%s%s", code, upserts(t, out), out, errOut)
			}
			for _, want := range []string{"warning", "no mapping matched", tc.wantKey, "--stream"} {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
		})
	}
}

// `map --max-line-size` reports a longer line with its file and line and
// goes on; a file named .gz that is not gzip is refused, naming the file.
func TestMapLineLimitAndGzipName(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "users.jsonl")
	long := `{"id":"00u3","blob":"` + strings.Repeat("x", 5000) + `"}`
	good := `{"id":"00u1aaaaaaaaaaaaaaaa","status":"ACTIVE","created":"2026-01-01T00:00:00.000Z","lastUpdated":"2026-01-02T00:00:00.000Z","type":{"id":"oty1"},"profile":{"login":"ada@example.com","email":"ada@example.com"},"credentials":{}}`
	if err := os.WriteFile(file, []byte(good+"\n"+long+"\n"+good+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "map", "--stream", "users", "--max-line-size", "4096", file)
	if code != 0 || !strings.Contains(errOut, "users.jsonl:2: line too long") || strings.Count(out, `"op":"upsert"`) != 2 {
		t.Fatalf("code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if _, errOut, code := runCLI(t, "map", "--max-line-size", "10", file); code != 2 || !strings.Contains(errOut, "--max-line-size") {
		t.Errorf("a tiny --max-line-size: code %d, stderr %q; want a usage error", code, errOut)
	}
	notGzip := filepath.Join(dir, "users.jsonl.gz")
	if err := os.WriteFile(notGzip, []byte(good+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI(t, "map", "--stream", "users", notGzip); code != 1 || !strings.Contains(errOut, "users.jsonl.gz") || !strings.Contains(errOut, "not gzip") {
		t.Errorf("plain text named .gz: code %d, stderr %q; want an error naming the file", code, errOut)
	}
}
