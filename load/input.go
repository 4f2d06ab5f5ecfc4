package load

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/oktalake/oktalake/lake"
)

// readObject is the loader's input: it reads the records of the data
// object at key and hands them to emit in order. What cannot be read goes
// to bad as a dead letter instead: a bad line (with its first bytes), an
// unreadable object, or the rest of a corrupt one (by reference). It
// returns an error, and the object must load again, only when the store
// failed (network, a cancelled ctx) or emit did; a broken object is not an
// error: what could be read was emitted and the rest is in bad.
func readObject(ctx context.Context, store lake.Store, key string, maxLine int, emit func(lake.Record) error, bad func(DeadLetter)) error {
	if lake.IsParquetName(key) {
		return readParquetObject(ctx, store, key, emit, bad)
	}
	rc, err := store.Open(ctx, key)
	if err != nil {
		return fmt.Errorf("opening %s: %w", key, err)
	}
	defer rc.Close()
	src := &sourceReader{r: rc}
	r, err := lake.NewReaderWith(src, lake.ReaderOptions{RequireGzip: lake.IsGzipName(key), MaxLineBytes: maxLine})
	if err != nil {
		if src.err != nil {
			return fmt.Errorf("reading %s: %w", key, src.err)
		}
		bad(newDeadLetter(origin{objectKey: key}, fmt.Sprintf("unreadable object: %v", err), nil))
		return nil
	}
	lastLine := 0
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var lineErr *lake.LineError
		if errors.As(err, &lineErr) {
			lastLine = lineErr.Line
			bad(newDeadLetter(origin{objectKey: key, line: lineErr.Line}, fmt.Sprintf("bad line: %v", lineErr.Err), nil).withRawLine(lineErr.Raw, lineErr.Len))
			continue
		}
		if err != nil {
			if src.err != nil {
				// The store failed (network, cancelled context), not the
				// object: fail so it is loaded again rather than cut short.
				return fmt.Errorf("reading %s after line %d: %w", key, lastLine, src.err)
			}
			// A corrupt stream (bad gzip) ends the object: what was read is
			// loaded, the rest is dead-lettered by reference.
			bad(newDeadLetter(origin{objectKey: key, line: lastLine + 1}, fmt.Sprintf("corrupt object after line %d: %v", lastLine, err), nil))
			return nil
		}
		lastLine = rec.Line
		if err := emit(rec); err != nil {
			return err
		}
	}
}

// sourceReader remembers the first read error of the store itself, so a
// failed download is not mistaken for a corrupt object and checkpointed.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && s.err == nil {
		s.err = err
	}
	return n, err
}
