package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/oktalake/oktalake/load/porttest"
)

// TestLoadResync: the same users loaded again post nothing, with --resync
// every one of them, and after it again nothing.
func TestLoadResync(t *testing.T) {
	dir := t.TempDir()
	srv := porttest.NewServer(withBlueprints(t))
	defer srv.Close()
	writeUsers(t, dir, 1, 5)
	folder := filepath.Join(dir, "data", "okta", "users", "year=2026", "month=11")
	first, err := os.ReadFile(filepath.Join(folder, "20_1795521600000_0.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	load := func(name string, args ...string) int {
		t.Helper()
		if name != "" {
			if err := os.WriteFile(filepath.Join(folder, name), first, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		before := srv.Stats().EntitiesUpserted
		if _, errOut, code := runCLI(t, append(append([]string{"load", "--bucket", dir, "--streams", "users"}, portArgs(srv)...), args...)...); code != 0 {
			t.Fatalf("load %v: code %d: %s", args, code, errOut)
		}
		return srv.Stats().EntitiesUpserted - before
	}
	if n := load(""); n != 5 {
		t.Fatalf("first load posted %d, want 5", n)
	}
	if n := load("21_1795521700000_0.jsonl.gz"); n != 0 {
		t.Errorf("same users again posted %d, want 0", n)
	}
	if n := load("22_1795521800000_0.jsonl.gz", "--resync"); n != 5 {
		t.Errorf("--resync posted %d, want 5", n)
	}
	if n := load("23_1795521900000_0.jsonl.gz"); n != 0 {
		t.Errorf("after --resync the same users posted %d, want 0", n)
	}
}
