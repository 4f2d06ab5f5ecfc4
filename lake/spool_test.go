package lake

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
)

// TestSpoolGivesRandomAccess: on a local directory and on S3, Spool gives
// the object's bytes at any offset and its size; an object over the limit
// is refused with ErrTooLarge; a temporary copy leaves nothing behind.
func TestSpoolGivesRandomAccess(t *testing.T) {
	forEachStore(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		data := randomBytes(t, 300<<10)
		key := "data/okta/users/year=2026/month=11/20_1_0.parquet"
		if err := ts.store.Put(ctx, key, data); err != nil {
			t.Fatal(err)
		}
		tmp := t.TempDir()
		sp, err := Spool(ctx, ts.store, key, tmp, 0)
		if err != nil {
			t.Fatal(err)
		}
		if sp.Size != int64(len(data)) {
			t.Errorf("Size = %d, want %d", sp.Size, len(data))
		}
		tail := make([]byte, 8)
		if _, err := sp.ReadAt(tail, sp.Size-8); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tail, data[len(data)-8:]) {
			t.Errorf("last 8 bytes %x, want %x", tail, data[len(data)-8:])
		}
		whole, err := io.ReadAll(io.NewSectionReader(sp, 0, sp.Size))
		if err != nil || !bytes.Equal(whole, data) {
			t.Errorf("reading the whole object: %v (equal %v)", err, bytes.Equal(whole, data))
		}
		if err := sp.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := Spool(ctx, ts.store, key, tmp, int64(len(data)-1)); !errors.Is(err, ErrTooLarge) {
			t.Errorf("an object one byte over the limit: %v, want ErrTooLarge", err)
		}
		if _, err := Spool(ctx, ts.store, key+"-missing", tmp, 0); !errors.Is(err, ErrNotExist) {
			t.Errorf("a missing key: %v, want ErrNotExist", err)
		}
		if left := filesUnder(t, tmp); len(left) != 0 {
			t.Errorf("temporary copies left: %v", left)
		}
	})
}
