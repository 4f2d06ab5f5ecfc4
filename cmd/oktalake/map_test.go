package main

import (
	"bufio"
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
