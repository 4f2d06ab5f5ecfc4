package lake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// tmpPrefix starts the name of a local object still being written; List
// never shows such files, so readers only ever see complete objects.
const tmpPrefix = ".tmp-"

// localStore is a Store on a local directory. Keys map to paths under root;
// objects appear atomically (hard link or rename of a synced temp file).
type localStore struct {
	root string
}

// NewLocalStore returns a Store rooted at dir. The directory need not exist
// yet: writes create it, and listing a missing directory finds nothing.
func NewLocalStore(dir string) (Store, error) {
	if dir == "" {
		return nil, errors.New("opening directory store: empty path")
	}
	root := filepath.Clean(dir)
	fi, err := os.Stat(root)
	switch {
	case err == nil && !fi.IsDir():
		return nil, fmt.Errorf("opening directory store %s: not a directory", root)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("opening directory store %s: %w", root, err)
	}
	return &localStore{root: root}, nil
}

func (s *localStore) String() string { return s.root }

// checkKey rejects keys that would escape the root, name a directory or
// collide with temporary files.
func (s *localStore) checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("invalid key %q in %s: empty", key, s.root)
	}
	segs := strings.Split(key, "/")
	for _, seg := range segs {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsRune(seg, 0) {
			return fmt.Errorf("invalid key %q in %s: empty, '.' or '..' path segment", key, s.root)
		}
	}
	if strings.HasPrefix(segs[len(segs)-1], tmpPrefix) {
		return fmt.Errorf("invalid key %q in %s: names starting with %q are reserved for temporary files", key, s.root, tmpPrefix)
	}
	return nil
}

func (s *localStore) path(key string) string {
	return filepath.Join(s.root, filepath.FromSlash(key))
}

// List walks the directory tree in key order. Directory entries sort as
// "name/" so that, for example, "a-b" comes before "a/x" as it does in S3.
func (s *localStore) List(ctx context.Context, prefix, startAfter string, fn func(ObjectInfo) error) error {
	dirKey := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dirKey = prefix[:i+1]
	}
	return s.walk(ctx, dirKey, prefix, startAfter, fn)
}

func (s *localStore) walk(ctx context.Context, dirKey, prefix, startAfter string, fn func(ObjectInfo) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("listing %s in %s: %w", prefix, s.root, err)
	}
	entries, err := os.ReadDir(s.path(dirKey))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil // nothing can be stored under a missing directory or a file
	}
	if err != nil {
		return fmt.Errorf("listing %s in %s: %w", prefix, s.root, err)
	}
	type item struct {
		key   string
		entry fs.DirEntry
	}
	items := make([]item, 0, len(entries))
	for _, e := range entries {
		key := dirKey + e.Name()
		if e.IsDir() {
			key += "/"
			inPrefix := strings.HasPrefix(key, prefix) || strings.HasPrefix(prefix, key)
			// Every key under key/ sorts before a startAfter that is
			// greater than key/ without sharing it as a prefix.
			allBefore := startAfter > key && !strings.HasPrefix(startAfter, key)
			if inPrefix && !allBefore {
				items = append(items, item{key, e})
			}
			continue
		}
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		if strings.HasPrefix(key, prefix) && key > startAfter {
			items = append(items, item{key, e})
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	for _, it := range items {
		if it.entry.IsDir() {
			if err := s.walk(ctx, it.key, prefix, startAfter, fn); err != nil {
				return err
			}
			continue
		}
		fi, err := it.entry.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted while listing
		}
		if err != nil {
			return fmt.Errorf("listing %s in %s: %w", it.key, s.root, err)
		}
		if err := fn(ObjectInfo{Key: it.key, Size: fi.Size(), LastModified: fi.ModTime()}); err != nil {
			return err
		}
	}
	return nil
}

// tempFile creates a temporary file beside key's final path.
func (s *localStore) tempFile(key string) (*os.File, error) {
	if err := s.checkKey(key); err != nil {
		return nil, err
	}
	dir := filepath.Dir(s.path(key))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("writing %s in directory %s: %w", key, s.root, err)
	}
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("writing %s in directory %s: %w", key, s.root, err)
	}
	return f, nil
}

func (s *localStore) Create(ctx context.Context, key string) (ObjectWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("creating %s in %s: %w", key, s.root, err)
	}
	f, err := s.tempFile(key)
	if err != nil {
		return nil, err
	}
	return &localWriter{ctx: ctx, store: s, key: key, f: f}, nil
}

func (s *localStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := s.checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("opening %s in %s: %w", key, s.root, err)
	}
	f, err := os.Open(s.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("opening %s in %s: %w", key, s.root, ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s in %s: %w", key, s.root, err)
	}
	if fi, err := f.Stat(); err != nil || fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("opening %s in %s: %w", key, s.root, ErrNotExist)
	}
	return f, nil
}

// Put writes a synced temp file and renames it over key.
func (s *localStore) Put(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("writing %s in %s: %w", key, s.root, err)
	}
	f, err := s.tempFile(key)
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.path(key))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s in directory %s: %w", key, s.root, err)
	}
	syncDir(filepath.Dir(tmp))
	return nil
}

func (s *localStore) Delete(ctx context.Context, key string) error {
	if err := s.checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("deleting %s in %s: %w", key, s.root, err)
	}
	if err := os.Remove(s.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting %s in %s: %w", key, s.root, err)
	}
	return nil
}

// CleanStale removes the temporary files of objects never committed under
// prefix whose modification time is at least olderThan ago.
func (s *localStore) CleanStale(ctx context.Context, prefix string, olderThan time.Duration) (int, error) {
	dirKey := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dirKey = prefix[:i+1]
	}
	root := s.path(dirKey)
	cutoff := time.Now().Add(-olderThan)
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // nothing written there yet, or removed meanwhile
		}
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || !strings.HasPrefix(d.Name(), tmpPrefix) {
			return nil
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil || !strings.HasPrefix(filepath.ToSlash(rel), prefix) {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // committed or aborted meanwhile
		}
		if err != nil {
			return err
		}
		if olderThan > 0 && fi.ModTime().After(cutoff) {
			return nil // perhaps a concurrent run's live write
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("removing stale temporary files under %s in %s: %w", prefix, s.root, err)
	}
	return n, nil
}

// localWriter streams into a temp file; Commit hard-links it to the final
// name, which fails rather than replaces when the key exists.
type localWriter struct {
	ctx   context.Context
	store *localStore
	key   string
	f     *os.File
	done  bool
}

func (w *localWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, fmt.Errorf("writing %s in %s: write after commit or abort", w.key, w.store.root)
	}
	if err := w.ctx.Err(); err != nil {
		return 0, fmt.Errorf("writing %s in %s: %w", w.key, w.store.root, err)
	}
	n, err := w.f.Write(p)
	if err != nil {
		return n, fmt.Errorf("writing %s in directory %s: %w", w.key, w.store.root, err)
	}
	return n, nil
}

func (w *localWriter) Commit() error {
	if w.done {
		return fmt.Errorf("committing %s in %s: already committed or aborted", w.key, w.store.root)
	}
	w.done = true
	tmp := w.f.Name()
	defer os.Remove(tmp)
	err := w.ctx.Err()
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("committing %s in directory %s: %w", w.key, w.store.root, err)
	}
	if err := os.Link(tmp, w.store.path(w.key)); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("committing %s in %s: %w", w.key, w.store.root, ErrExist)
		}
		return fmt.Errorf("committing %s in directory %s: %w", w.key, w.store.root, err)
	}
	syncDir(filepath.Dir(tmp))
	return nil
}

func (w *localWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	if err := os.Remove(w.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("aborting %s in directory %s: %w", w.key, w.store.root, err)
	}
	return nil
}

// syncDir makes a new directory entry durable; failures are ignored because
// some filesystems do not support syncing directories.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
