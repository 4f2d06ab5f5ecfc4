package mapping

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

// allStreams lists the streams that have simulated records under testdata/records.
var allStreams = []string{
	"users", "groups", "group_members", "applications", "application_users", "application_groups",
	"custom_roles", "permissions", "user_role_assignments", "group_role_assignments", "resource_sets", "logs",
}

func objectKey(stream string) string {
	return "data/okta/" + stream + "/year=2024/month=08/13_1723564800000_0.jsonl.gz"
}

func loadRecords(t testing.TB, stream string) []json.RawMessage {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "records", stream+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []json.RawMessage
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			out = append(out, json.RawMessage(append([]byte(nil), line...)))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no records for stream %s", stream)
	}
	return out
}

func mappingFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "schemas", "mappings", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// quietOptions discards start-up warnings.
func quietOptions() Options {
	return Options{Logger: slog.New(slog.DiscardHandler)}
}

// logBuffer is a concurrency-safe writer for capturing slog output.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var _ io.Writer = (*logBuffer)(nil)

// checkGolden compares got (marshalled with indentation) to testdata/golden/name.
func checkGolden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s differs from golden file (run go test -update and review the diff):\n%s", path, firstDiff(string(want), string(b)))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(no line differs)"
}
