package lake

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Record is one record read back from a data object.
type Record struct {
	// Data is the record itself, without its envelope. It belongs to the
	// caller: the Reader does not reuse it.
	Data json.RawMessage
	// Line is the 1-based line number in the (uncompressed) object.
	Line int
	// RawID is _airbyte_raw_id (or _airbyte_ab_id in V1); "" if absent.
	RawID string
	// ExtractedAt is _airbyte_extracted_at (or _airbyte_emitted_at); zero if absent.
	ExtractedAt time.Time
	// Envelope is the envelope the line used.
	Envelope Envelope
}

// LineError reports a line that is not valid JSON or carries no record.
// The Reader can go on with the next line.
type LineError struct {
	// Line is the 1-based line number.
	Line int
	// Err says what is wrong with it.
	Err error
}

// Error reports the line number and the problem.
func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the underlying error.
func (e *LineError) Unwrap() error { return e.Err }

// Reader reads records from a gzip JSONL object (or plain JSONL) in any of
// the three envelopes. Lines may be of any length.
type Reader struct {
	src  *bufio.Reader
	buf  []byte // a line longer than src's buffer, being assembled
	line int
	err  error // fatal: the stream itself is broken
}

// readerBufSize is the bufio size; longer lines are assembled in Reader.buf.
const readerBufSize = 64 << 10

// NewReader starts reading r. Gzip is detected by its magic bytes; anything
// else is read as uncompressed JSONL. Concatenated gzip members are read as
// one stream.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, readerBufSize)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading object header: %w", err)
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("reading gzip header: %w", err)
		}
		br = bufio.NewReaderSize(zr, readerBufSize)
	}
	return &Reader{src: br}, nil
}

// Next returns the next record, io.EOF after the last one, a *LineError for
// a bad line (call Next again to continue), or another error when the
// stream itself is broken (corrupt or truncated gzip), after which every
// call returns that error.
func (r *Reader) Next() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	for {
		line, err := r.readLine()
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		if err != nil {
			r.err = fmt.Errorf("reading line %d: %w", r.line+1, err)
			return Record{}, r.err
		}
		r.line++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		rec, err := DecodeLine(line)
		if err != nil {
			return Record{}, &LineError{Line: r.line, Err: err}
		}
		rec.Data = bytes.Clone(rec.Data)
		rec.Line = r.line
		return rec, nil
	}
}

// readLine returns the next line without its newline; the slice is only
// valid until the next call.
func (r *Reader) readLine() ([]byte, error) {
	r.buf = r.buf[:0]
	for {
		frag, err := r.src.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			r.buf = append(r.buf, frag...)
			continue
		}
		if len(r.buf) > 0 {
			r.buf = append(r.buf, frag...)
			frag = r.buf
		}
		switch {
		case errors.Is(err, io.EOF):
			if len(frag) == 0 {
				return nil, io.EOF
			}
			return frag, nil // a last line without a newline
		case err != nil:
			return nil, err
		}
		return frag[:len(frag)-1], nil
	}
}
