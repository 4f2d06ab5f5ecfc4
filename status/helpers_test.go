package status

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after checking the diff):\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// testLake is a local-directory lake whose objects get the modification
// times the test gives them.
type testLake struct {
	t     *testing.T
	dir   string
	store lake.Store
}

func newTestLake(t *testing.T) *testLake {
	t.Helper()
	dir := t.TempDir()
	s, err := lake.NewLocalStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &testLake{t: t, dir: dir, store: s}
}

// put writes data at key, modified at at.
func (l *testLake) put(key string, data []byte, at time.Time) {
	l.t.Helper()
	if err := l.store.Put(context.Background(), key, data); err != nil {
		l.t.Fatal(err)
	}
	l.touch(key, at)
}

func (l *testLake) touch(key string, at time.Time) {
	l.t.Helper()
	if err := os.Chtimes(filepath.Join(l.dir, filepath.FromSlash(key)), at, at); err != nil {
		l.t.Fatal(err)
	}
}

// putJSON writes v as JSON at key, modified at at.
func (l *testLake) putJSON(key string, v any, at time.Time) {
	l.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		l.t.Fatal(err)
	}
	l.put(key, b, at)
}

// putLines writes lines as gzip JSONL at key, modified at at.
func (l *testLake) putLines(key string, at time.Time, lines ...string) {
	l.t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	for _, line := range lines {
		zw.Write([]byte(line + "\n"))
	}
	if err := zw.Close(); err != nil {
		l.t.Fatal(err)
	}
	l.put(key, b.Bytes(), at)
}
