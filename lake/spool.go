package lake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// DefaultMaxSpoolBytes bounds the copy Spool makes of an object (4 GiB):
// far above the parts a Writer rotates (200 MiB by default), small enough
// that a hostile or mistaken object cannot fill the disk.
const DefaultMaxSpoolBytes = 4 << 30

// ErrTooLarge marks an object larger than Spool's limit.
var ErrTooLarge = errors.New("object too large")

// Spooled is an object opened for random access, as Parquet needs (its
// footer is at the end): the local store's file itself, or a temporary
// copy of an S3 object, removed by Close.
type Spooled struct {
	io.ReaderAt
	// Size is the object's size in bytes.
	Size  int64
	close func() error
}

// Close releases the object (and removes a temporary copy).
func (s *Spooled) Close() error { return s.close() }

// Spool opens the object at key for random access. An object the store
// hands out as a file (a local directory) is read in place; any other is
// copied to a temporary file in dir ("" for the system's), at most max
// bytes (DefaultMaxSpoolBytes when max <= 0): a larger object gives an
// error wrapping ErrTooLarge, and no copy is left. Other errors are the
// store's (network, a cancelled ctx, ErrNotExist) or the disk's.
func Spool(ctx context.Context, store Store, key, dir string, max int64) (*Spooled, error) {
	if max <= 0 {
		max = DefaultMaxSpoolBytes
	}
	rc, err := store.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	if f, ok := rc.(interface {
		io.ReaderAt
		Stat() (fs.FileInfo, error)
	}); ok {
		fi, err := f.Stat()
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("opening %s: %w", key, err)
		}
		if fi.Size() > max {
			rc.Close()
			return nil, fmt.Errorf("opening %s: %w: %d bytes, over the limit of %d", key, ErrTooLarge, fi.Size(), max)
		}
		return &Spooled{ReaderAt: f, Size: fi.Size(), close: rc.Close}, nil
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(dir, "oktalake-spool-*")
	if err != nil {
		return nil, fmt.Errorf("spooling %s: %w", key, err)
	}
	discard := func() { tmp.Close(); os.Remove(tmp.Name()) }
	// Unlinked at once where the system allows (the open file stays
	// readable), so a killed process leaves no copy behind.
	unlinked := os.Remove(tmp.Name()) == nil
	n, err := io.Copy(tmp, io.LimitReader(rc, max+1))
	if err != nil {
		discard()
		return nil, fmt.Errorf("spooling %s after %d bytes: %w", key, n, err)
	}
	if n > max {
		discard()
		return nil, fmt.Errorf("spooling %s: %w: over the limit of %d bytes", key, ErrTooLarge, max)
	}
	closeFn := func() error {
		err := tmp.Close()
		if !unlinked {
			if rerr := os.Remove(tmp.Name()); rerr != nil && err == nil {
				err = rerr
			}
		}
		return err
	}
	return &Spooled{ReaderAt: tmp, Size: n, close: closeFn}, nil
}
