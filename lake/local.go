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
//
// Symlinks below the root are never followed, for reads or writes: a key
// whose path runs through one is refused with an error naming it, and List
// fails on one it meets. A link that leaves the root would write objects
// somewhere else (data/okta -> another tree); one that stays inside would
// put objects where List, which does not descend into links, never shows
// them under their keys. The root itself may be, or sit below, a symlink.
// Every operation goes through an os.Root, so even a link swapped in
// between the check and the write cannot take a write outside the root.
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

// openRoot opens the store's directory; create makes it first, for writes.
// The caller closes the Root.
func (s *localStore) openRoot(create bool) (*os.Root, error) {
	if create {
		if err := os.MkdirAll(s.root, 0o755); err != nil {
			return nil, err
		}
	}
	return os.OpenRoot(s.root)
}

// checkPath refuses a key whose path below the root runs through a symlink,
// its last segment included, or through a file. Segments that do not exist
// yet end the check: nothing below them can be a link.
func (s *localStore) checkPath(r *os.Root, key string) error {
	segs := strings.Split(key, "/")
	for i := range segs {
		rel := filepath.Join(segs[:i+1]...)
		fi, err := r.Lstat(rel)
		if err != nil {
			return nil // missing: the operation itself reports what it needs
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s in directory %s: %s is a symlink, and the directory store does not follow symlinks below its root", key, s.root, rel)
		case i < len(segs)-1 && !fi.IsDir():
			return fmt.Errorf("%s in directory %s: %s: %w", key, s.root, rel, syscall.ENOTDIR)
		}
	}
	return nil
}

// List walks the directory tree in key order. Directory entries sort as
// "name/" so that, for example, "a-b" comes before "a/x" as it does in S3.
func (s *localStore) List(ctx context.Context, prefix, startAfter string, fn func(ObjectInfo) error) error {
	dirKey := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dirKey = prefix[:i+1]
	}
	r, err := s.openRoot(false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a bucket not written yet holds nothing
	}
	if err != nil {
		return fmt.Errorf("listing %s in %s: %w", prefix, s.root, err)
	}
	defer r.Close()
	if dirKey != "" {
		err := s.checkPath(r, strings.TrimSuffix(dirKey, "/"))
		if errors.Is(err, syscall.ENOTDIR) {
			return nil // nothing can be stored under a file
		}
		if err != nil {
			return fmt.Errorf("listing %w", err)
		}
	}
	return s.walk(ctx, r, dirKey, prefix, startAfter, fn)
}

// readDir reads the directory of dirKey ("" for the root).
func readDir(r *os.Root, dirKey string) ([]fs.DirEntry, error) {
	name := "."
	if dirKey != "" {
		name = filepath.FromSlash(strings.TrimSuffix(dirKey, "/"))
	}
	d, err := r.Open(name)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.ReadDir(-1)
}

func (s *localStore) walk(ctx context.Context, r *os.Root, dirKey, prefix, startAfter string, fn func(ObjectInfo) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("listing %s in %s: %w", prefix, s.root, err)
	}
	entries, err := readDir(r, dirKey)
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
		if e.Type()&fs.ModeSymlink != 0 && (strings.HasPrefix(key, prefix) || strings.HasPrefix(prefix, key)) {
			// Skipping it would hide whatever it points to without a word.
			return fmt.Errorf("listing %s in directory %s: %s is a symlink, and the directory store does not follow symlinks below its root", prefix, s.root, filepath.FromSlash(key))
		}
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
			if err := s.walk(ctx, r, it.key, prefix, startAfter, fn); err != nil {
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

// tempFile is a temporary file beside a key's final path, in an open root.
type tempFile struct {
	root *os.Root
	f    *os.File
	// name, dir and final are paths relative to the root: the temp file,
	// its directory and the key's final path.
	name, dir, final string
}

// newTempFile creates a temporary file beside key's final path.
func (s *localStore) newTempFile(key string) (*tempFile, error) {
	if err := s.checkKey(key); err != nil {
		return nil, err
	}
	r, err := s.openRoot(true)
	if err != nil {
		return nil, fmt.Errorf("writing %s in directory %s: %w", key, s.root, err)
	}
	fail := func(err error) (*tempFile, error) {
		r.Close()
		return nil, err
	}
	if err := s.checkPath(r, key); err != nil {
		return fail(fmt.Errorf("writing %w", err))
	}
	final := filepath.FromSlash(key)
	dir := filepath.Dir(final)
	if err := r.MkdirAll(dir, 0o755); err != nil {
		return fail(fmt.Errorf("writing %s in directory %s: %w", key, s.root, err))
	}
	for range 10 {
		name := filepath.Join(dir, tmpPrefix+randomHex(8))
		f, err := r.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fail(fmt.Errorf("writing %s in directory %s: %w", key, s.root, err))
		}
		return &tempFile{root: r, f: f, name: name, dir: dir, final: final}, nil
	}
	return fail(fmt.Errorf("writing %s in directory %s: no free temporary name", key, s.root))
}

func (s *localStore) Create(ctx context.Context, key string) (ObjectWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("creating %s in %s: %w", key, s.root, err)
	}
	t, err := s.newTempFile(key)
	if err != nil {
		return nil, err
	}
	return &localWriter{ctx: ctx, store: s, key: key, t: t}, nil
}

func (s *localStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := s.checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("opening %s in %s: %w", key, s.root, err)
	}
	r, err := s.openRoot(false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("opening %s in %s: %w", key, s.root, ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s in %s: %w", key, s.root, err)
	}
	defer r.Close() // an open file outlives its root
	if err := s.checkPath(r, key); errors.Is(err, syscall.ENOTDIR) {
		return nil, fmt.Errorf("opening %s in %s: %w", key, s.root, ErrNotExist)
	} else if err != nil {
		return nil, fmt.Errorf("opening %w", err)
	}
	f, err := r.Open(filepath.FromSlash(key))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
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
	t, err := s.newTempFile(key)
	if err != nil {
		return err
	}
	defer t.root.Close()
	_, err = t.f.Write(data)
	if err == nil {
		err = t.f.Sync()
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = t.root.Rename(t.name, t.final)
	}
	if err != nil {
		t.root.Remove(t.name)
		return fmt.Errorf("writing %s in directory %s: %w", key, s.root, err)
	}
	syncDir(t.root, t.dir)
	return nil
}

func (s *localStore) Delete(ctx context.Context, key string) error {
	if err := s.checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("deleting %s in %s: %w", key, s.root, err)
	}
	r, err := s.openRoot(false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting %s in %s: %w", key, s.root, err)
	}
	defer r.Close()
	if err := s.checkPath(r, key); errors.Is(err, syscall.ENOTDIR) {
		return nil // a key below a file cannot exist
	} else if err != nil {
		return fmt.Errorf("deleting %w", err)
	}
	if err := r.Remove(filepath.FromSlash(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting %s in %s: %w", key, s.root, err)
	}
	return nil
}

// CleanStale removes the temporary files of objects never committed under
// prefix whose modification time is at least olderThan ago. The walk goes
// through the store's root and never follows a symlink.
func (s *localStore) CleanStale(ctx context.Context, prefix string, olderThan time.Duration) (int, error) {
	dir := "."
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir = filepath.FromSlash(prefix[:i])
	}
	r, err := s.openRoot(false)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil // nothing written yet
	}
	if err != nil {
		return 0, fmt.Errorf("removing stale temporary files under %s in %s: %w", prefix, s.root, err)
	}
	defer r.Close()
	cutoff := time.Now().Add(-olderThan)
	n := 0
	err = fs.WalkDir(r.FS(), dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // nothing written there yet, or removed meanwhile
		}
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || !strings.HasPrefix(d.Name(), tmpPrefix) || !strings.HasPrefix(filepath.ToSlash(p), prefix) {
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
		if err := r.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
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
	t     *tempFile
	done  bool
}

func (w *localWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, fmt.Errorf("writing %s in %s: write after commit or abort", w.key, w.store.root)
	}
	if err := w.ctx.Err(); err != nil {
		return 0, fmt.Errorf("writing %s in %s: %w", w.key, w.store.root, err)
	}
	n, err := w.t.f.Write(p)
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
	t := w.t
	defer t.root.Close()
	defer t.root.Remove(t.name)
	err := w.ctx.Err()
	if err == nil {
		err = t.f.Sync()
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("committing %s in directory %s: %w", w.key, w.store.root, err)
	}
	// A link fails rather than replaces an existing name, a symlink
	// included, so an object is never overwritten nor written through.
	if err := t.root.Link(t.name, t.final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("committing %s in %s: %w", w.key, w.store.root, ErrExist)
		}
		return fmt.Errorf("committing %s in directory %s: %w", w.key, w.store.root, err)
	}
	syncDir(t.root, t.dir)
	return nil
}

func (w *localWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.t.f.Close()
	defer w.t.root.Close()
	if err := w.t.root.Remove(w.t.name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("aborting %s in directory %s: %w", w.key, w.store.root, err)
	}
	return nil
}

// syncDir makes a new directory entry durable; failures are ignored because
// some filesystems do not support syncing directories.
func syncDir(r *os.Root, dir string) {
	if d, err := r.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
