package lake

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
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

// LineError reports a line that is not valid JSON, carries no record, or
// is longer than the reader's limit (ErrLineTooLong). The Reader can go on
// with the next line.
type LineError struct {
	// Line is the 1-based line number.
	Line int
	// Err says what is wrong with it.
	Err error
	// Raw is the line as read, at most its first MaxRawLine bytes; Len is
	// the line's whole length in bytes (without its newline).
	Raw []byte
	Len int
}

// MaxRawLine bounds how much of a bad line a LineError keeps.
const MaxRawLine = 64 << 10

// DefaultMaxLineBytes is the longest line a Reader reads by default: far
// above any Okta record, and small enough that a hostile object (a line of
// 100 MB compresses to a few hundred KB) cannot exhaust memory.
const DefaultMaxLineBytes = 16 << 20

// ErrLineTooLong marks a line longer than the reader's limit.
var ErrLineTooLong = errors.New("line too long")

// ErrNotGzip marks an object that had to be gzip (its name ends in .gz)
// and is not.
var ErrNotGzip = errors.New("not gzip")

// ReaderOptions tune NewReaderWith; the zero value is NewReader's behaviour.
type ReaderOptions struct {
	// RequireGzip refuses data that does not start with gzip's magic bytes
	// (for objects named .gz) instead of reading it as plain JSONL. Empty
	// data is an empty object either way.
	RequireGzip bool
	// MaxLineBytes bounds a line; longer lines are LineErrors, read past
	// without being held whole. Default DefaultMaxLineBytes.
	MaxLineBytes int
	// Raw reads every line as a record in the Raw envelope, as it is,
	// instead of detecting an Airbyte envelope and unwrapping it.
	Raw bool
}

// IsGzipName reports whether an object's name says it is gzip (".gz").
func IsGzipName(key string) bool { return strings.HasSuffix(key, ".gz") }

// Error reports the line number and the problem.
func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the underlying error.
func (e *LineError) Unwrap() error { return e.Err }

// Reader reads records from a gzip JSONL object (or plain JSONL) in any of
// the three envelopes. Lines may be up to ReaderOptions.MaxLineBytes long.
type Reader struct {
	src  *bufio.Reader
	buf  []byte // a line longer than src's buffer, being assembled
	max  int
	raw  bool
	line int
	err  error // fatal: the stream itself is broken
}

// readerBufSize is the bufio size; longer lines are assembled in Reader.buf.
const readerBufSize = 64 << 10

// NewReader starts reading r. Gzip is detected by its magic bytes; anything
// else is read as uncompressed JSONL. Concatenated gzip members are read as
// one stream.
func NewReader(r io.Reader) (*Reader, error) { return NewReaderWith(r, ReaderOptions{}) }

// NewReaderWith is NewReader with options.
func NewReaderWith(r io.Reader, opts ReaderOptions) (*Reader, error) {
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	br := bufio.NewReaderSize(r, readerBufSize)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading object header: %w", err)
	}
	switch {
	case len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("reading gzip header: %w", err)
		}
		br = bufio.NewReaderSize(zr, readerBufSize)
	case opts.RequireGzip && len(magic) > 0:
		return nil, fmt.Errorf("%w: the name ends in .gz but the data starts with %q, not gzip's magic bytes 1f 8b", ErrNotGzip, magic)
	}
	return &Reader{src: br, max: opts.MaxLineBytes, raw: opts.Raw}, nil
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
		line, n, err := r.readLine()
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		if err != nil {
			r.err = fmt.Errorf("reading line %d: %w", r.line+1, err)
			return Record{}, r.err
		}
		r.line++
		if n > r.max {
			return Record{}, &LineError{Line: r.line, Err: fmt.Errorf("%w: %d bytes, over the limit of %d", ErrLineTooLong, n, r.max), Raw: bytes.Clone(line), Len: n}
		}
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 {
			continue
		}
		rec, err := r.decode(trimmed)
		if err != nil {
			return Record{}, &LineError{Line: r.line, Err: err, Raw: bytes.Clone(line[:min(len(line), MaxRawLine)]), Len: n}
		}
		rec.Data = bytes.Clone(rec.Data)
		rec.Line = r.line
		return rec, nil
	}
}

// decode returns the record a non-blank line holds.
func (r *Reader) decode(line []byte) (Record, error) {
	if !r.raw {
		return DecodeLine(line)
	}
	if !json.Valid(line) {
		return Record{}, errors.New("decoding line: invalid JSON")
	}
	return Record{Envelope: Raw, Data: line}, nil
}

// readLine returns the next line without its newline and its length n; the
// slice is only valid until the next call. A line longer than r.max is read
// to its end but only its first MaxRawLine bytes are kept (n tells the
// caller it was too long), so no line holds more than r.max bytes.
func (r *Reader) readLine() (line []byte, n int, err error) {
	frag, err := r.src.ReadSlice('\n')
	if err == nil && len(frag) <= r.max {
		return frag[:len(frag)-1], len(frag) - 1, nil // the whole line in src's buffer
	}
	r.buf = r.buf[:0]
	keep := r.max
	for {
		more := errors.Is(err, bufio.ErrBufferFull)
		switch {
		case err == nil:
			frag = frag[:len(frag)-1]
		case more, errors.Is(err, io.EOF):
		default:
			return nil, 0, err
		}
		n += len(frag)
		if n > r.max {
			keep = MaxRawLine
		}
		if room := keep - len(r.buf); room > 0 {
			take := frag[:min(len(frag), room)]
			if need := len(r.buf) + len(take); need > cap(r.buf) {
				// Grow by doubling, but never past what the line may keep.
				grown := make([]byte, len(r.buf), min(max(2*cap(r.buf), need), keep))
				copy(grown, r.buf)
				r.buf = grown
			}
			r.buf = append(r.buf, take...)
		}
		if len(r.buf) > keep {
			r.buf = r.buf[:keep]
		}
		if more {
			frag, err = r.src.ReadSlice('\n')
			continue
		}
		if errors.Is(err, io.EOF) && n == 0 {
			return nil, 0, io.EOF
		}
		return r.buf, n, nil // a last line without a newline ends at EOF
	}
}
