//go:build unix

package lake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// On unix a local directory is a ConditionalStore: a version is the hash of
// the content, and PutIfVersion compares and writes under an exclusive
// flock on the object's directory, which every oktalake process on the host
// takes for the same object. The kernel drops the lock when its holder
// dies, so a killed run never leaves it behind.

// ReadVersion reads a small object; its version is the SHA-256 of its bytes.
func (s *localStore) ReadVersion(ctx context.Context, key string) ([]byte, string, error) {
	rc, err := s.Open(ctx, key)
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, "", fmt.Errorf("reading %s in directory %s: %w", key, s.root, err)
	}
	return data, contentVersion(data), nil
}

// PutIfVersion writes data at key if its content still hashes to version
// (or, with version "", if it does not exist), holding the directory lock.
func (s *localStore) PutIfVersion(ctx context.Context, key string, data []byte, version string) error {
	if err := s.checkKey(key); err != nil {
		return err
	}
	r, err := s.openRoot(true)
	if err != nil {
		return fmt.Errorf("writing %s in directory %s: %w", key, s.root, err)
	}
	defer r.Close()
	if err := s.checkPath(r, key); err != nil {
		return fmt.Errorf("writing %w", err)
	}
	final := filepath.FromSlash(key)
	dir := filepath.Dir(final)
	if err := r.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing %s in directory %s: %w", key, s.root, err)
	}
	d, err := r.Open(dir)
	if err != nil {
		return fmt.Errorf("writing %s in directory %s: %w", key, s.root, err)
	}
	unlock, err := lockDir(ctx, d)
	if err != nil {
		return fmt.Errorf("writing %s in directory %s: %w", key, s.root, err)
	}
	defer unlock()
	cur, err := r.ReadFile(final)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if version != "" {
			return fmt.Errorf("writing %s in %s: it was removed: %w", key, s.root, ErrChanged)
		}
	case err != nil:
		return fmt.Errorf("writing %s in directory %s: %w", key, s.root, err)
	case version == "":
		return fmt.Errorf("writing %s in %s: it was created meanwhile: %w", key, s.root, ErrChanged)
	case contentVersion(cur) != version:
		return fmt.Errorf("writing %s in %s: %w", key, s.root, ErrChanged)
	}
	return s.Put(ctx, key, data)
}

func contentVersion(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// lockDir takes an exclusive flock on the open directory d, polling so that
// ctx can stop the wait; the holders are short (one small read and write).
// Unlocking, or a failure, closes d.
func lockDir(ctx context.Context, d *os.File) (unlock func(), err error) {
	dir := d.Name()
	for {
		err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(d.Fd()), syscall.LOCK_UN)
				d.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			d.Close()
			return nil, fmt.Errorf("locking %s: %w", dir, err)
		}
		select {
		case <-ctx.Done():
			d.Close()
			return nil, fmt.Errorf("locking %s: %w", dir, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}
