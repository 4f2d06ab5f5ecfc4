package lake

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocalUnwritableDirectory(t *testing.T) {
	ctx := context.Background()
	t.Run("path blocked by a file", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "data"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		s, _ := NewLocalStore(dir)
		errs := []error{
			s.Put(ctx, "data/state.json", []byte("{}")),
			func() error { _, err := s.Create(ctx, "data/okta/users/0.jsonl.gz"); return err }(),
			CheckWritable(ctx, s, "data"),
		}
		for i, err := range errs {
			if err == nil || !strings.Contains(err.Error(), "in directory "+dir) || !strings.Contains(err.Error(), "not a directory") {
				t.Errorf("op %d: err = %v, want one naming %s and the cause", i, err, dir)
			}
		}
	})
	t.Run("read-only directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root ignores directory permissions")
		}
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o755)
		s, _ := NewLocalStore(dir)
		err := s.Put(ctx, "state.json", []byte("{}"))
		if err == nil || !strings.Contains(err.Error(), "in directory "+dir) || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("err = %v, want permission denied naming %s", err, dir)
		}
	})
}

func TestLocalKeys(t *testing.T) {
	s, _ := NewLocalStore(t.TempDir())
	ctx := context.Background()
	for _, key := range []string{"", "../escape", "a/../../b", "/abs", "a//b", "a/", "a/.tmp-x", "./a"} {
		if err := s.Put(ctx, key, []byte("x")); err == nil || !strings.Contains(err.Error(), "invalid key") {
			t.Errorf("Put(%q) err = %v, want invalid key", key, err)
		}
		if _, err := s.Open(ctx, key); err == nil {
			t.Errorf("Open(%q) succeeded", key)
		}
	}
	// A directory is not an object.
	if err := s.Put(ctx, "d/obj", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, "d"); err == nil {
		t.Error("Open of a directory succeeded")
	}
}

func TestLocalListMissingRoot(t *testing.T) {
	s, err := NewLocalStore(filepath.Join(t.TempDir(), "not", "yet"))
	if err != nil {
		t.Fatal(err)
	}
	if got := listKeys(t, s, "", ""); len(got) != 0 {
		t.Errorf("List on a missing root = %q", got)
	}
	if err := s.Put(context.Background(), "a/b", []byte("x")); err != nil {
		t.Fatalf("Put creating the root: %v", err)
	}
	if got := listKeys(t, s, "", ""); len(got) != 1 {
		t.Errorf("List = %q, want a/b", got)
	}
	// A prefix that runs through a file names nothing.
	for _, prefix := range []string{"a/b/", "a/b/c/d"} {
		if got := listKeys(t, s, prefix, ""); len(got) != 0 {
			t.Errorf("List(%q) = %q, want nothing", prefix, got)
		}
	}
}
