package load

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/parquetfmt"
)

// readParquetObject is readObject for a Parquet object. Parquet needs
// random access (its footer is at the end): the object is read in place
// from a local directory, or spooled to a temporary file from S3, at most
// lake.DefaultMaxSpoolBytes. Its rows reach emit as the records the JSONL
// path would give (parquetfmt's Decoder); an object that cannot be opened
// (not Parquet, truncated, too large) is dead-lettered by reference with a
// reason naming its key, a row that cannot be decoded by its row number,
// and the rest of an object whose pages break after its footer was read
// by reference from the row that failed. A failing store fails the load.
func readParquetObject(ctx context.Context, store lake.Store, key string, emit func(lake.Record) error, bad func(DeadLetter)) error {
	sp, err := lake.Spool(ctx, store, key, "", 0)
	if errors.Is(err, lake.ErrTooLarge) {
		bad(newDeadLetter(origin{objectKey: key}, fmt.Sprintf("unreadable object: %v", err), nil))
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	defer sp.Close()
	d, err := parquetfmt.NewDecoder(sp, sp.Size)
	if err != nil {
		bad(newDeadLetter(origin{objectKey: key}, fmt.Sprintf("unreadable object: Parquet object %s: %v", key, err), nil))
		return nil
	}
	defer d.Close()
	lastRow := 0
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("reading %s after row %d: %w", key, lastRow, err)
		}
		rec, err := d.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var rowErr *lake.LineError
		if errors.As(err, &rowErr) {
			lastRow = rowErr.Line
			bad(newDeadLetter(origin{objectKey: key, line: rowErr.Line}, fmt.Sprintf("bad row: %v", rowErr.Err), nil))
			continue
		}
		if err != nil {
			bad(newDeadLetter(origin{objectKey: key, line: lastRow + 1}, fmt.Sprintf("corrupt object %s after row %d: %v", key, lastRow, err), nil))
			return nil
		}
		lastRow = rec.Line
		if err := emit(rec); err != nil {
			return err
		}
	}
}
