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

// treeOf lists every path under dir (files and directories), relative and
// '/'-separated, so a test can tell that nothing was written there.
func treeOf(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A symlink below the root of a directory bucket is never followed: writes,
// deletes and reads through it are refused with an error naming it, and the
// directory it points to is left exactly as it was. This holds for a link
// that leaves the root and for one that stays inside it (List does not
// descend into links, so an object written through one would not be listed
// under its key).
func TestLocalStoreNeverFollowsSymlinksBelowItsRoot(t *testing.T) {
	ctx := context.Background()
	for _, target := range []string{"outside", "inside"} {
		t.Run(target, func(t *testing.T) {
			root := t.TempDir()
			elsewhere := t.TempDir()
			if target == "inside" {
				elsewhere = filepath.Join(root, "elsewhere")
				if err := os.Mkdir(elsewhere, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(elsewhere, "victim"), []byte("keep"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(root, "data"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(elsewhere, filepath.Join(root, "data", "okta")); err != nil {
				t.Fatal(err)
			}
			before := treeOf(t, elsewhere)
			s, err := NewLocalStore(root)
			if err != nil {
				t.Fatal(err)
			}
			ops := map[string]error{
				"Create":                 create(t, s, "data/okta/users/year=2026/0.jsonl.gz", []byte("x")),
				"Put":                    s.Put(ctx, "data/okta/state.json", []byte("{}")),
				"Put in a new directory": s.Put(ctx, "data/okta/new/state.json", []byte("{}")),
				"Delete":                 s.Delete(ctx, "data/okta/victim"),
				"Open": func() error {
					rc, err := s.Open(ctx, "data/okta/victim")
					if err == nil {
						rc.Close()
					}
					return err
				}(),
				"List":                s.List(ctx, "data/", "", func(ObjectInfo) error { return nil }),
				"List under the link": s.List(ctx, "data/okta/", "", func(ObjectInfo) error { return nil }),
			}
			for op, err := range ops {
				if err == nil || !strings.Contains(err.Error(), "symlink") || !strings.Contains(err.Error(), filepath.Join("data", "okta")) {
					t.Errorf("%s through data/okta -> %s: err = %v, want a refusal naming the symlink", op, target, err)
				}
			}
			if after := treeOf(t, elsewhere); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("the symlink's target changed: %q, was %q", after, before)
			}
			if b, _ := os.ReadFile(filepath.Join(elsewhere, "victim")); string(b) != "keep" {
				t.Errorf("victim = %q", b)
			}
		})
	}
}

// A symlinked object file is not an object: opening, writing or deleting
// its key is refused, and the file it points to is left alone.
func TestLocalStoreRefusesASymlinkedObject(t *testing.T) {
	ctx := context.Background()
	root, elsewhere := t.TempDir(), t.TempDir()
	victim := filepath.Join(elsewhere, "state.json")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(root, "state.json")); err != nil {
		t.Fatal(err)
	}
	s, _ := NewLocalStore(root)
	ops := map[string]error{
		"Open": func() error {
			rc, err := s.Open(ctx, "state.json")
			if err == nil {
				rc.Close()
			}
			return err
		}(),
		"Create": create(t, s, "state.json", []byte("new")),
		"Put":    s.Put(ctx, "state.json", []byte("new")),
		"Delete": s.Delete(ctx, "state.json"),
	}
	for op, err := range ops {
		if err == nil || !strings.Contains(err.Error(), "state.json is a symlink") {
			t.Errorf("%s of a symlinked object: err = %v, want a refusal naming it", op, err)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the symlink's target was written: %q", b)
	}
	if _, err := os.Lstat(filepath.Join(root, "state.json")); err != nil {
		t.Errorf("the symlink was removed: %v", err)
	}
}

// The root itself may be a symlink (or sit below one, as /tmp does on
// macOS): only links below the root are refused.
func TestLocalStoreRootMayBeASymlink(t *testing.T) {
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "lake")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	s, err := NewLocalStore(link)
	if err != nil {
		t.Fatal(err)
	}
	if err := create(t, s, "data/okta/users/0.jsonl.gz", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := CheckWritable(context.Background(), s, "data"); err != nil {
		t.Fatal(err)
	}
	if got := listKeys(t, s, "", ""); strings.Join(got, ",") != "data/okta/users/0.jsonl.gz" {
		t.Errorf("List = %q", got)
	}
	if _, err := os.Stat(filepath.Join(real, "data", "okta", "users", "0.jsonl.gz")); err != nil {
		t.Error(err)
	}
}
