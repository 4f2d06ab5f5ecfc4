package lake

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/gzip"
)

// DefaultMaxFileSize is the compressed size at which a Writer starts a new
// part (200 MiB).
const DefaultMaxFileSize = 200 << 20

// WriterConfig configures a Writer. Call SetDefaults then Validate, or let
// NewWriter do both.
type WriterConfig struct {
	// Prefix starts every key, e.g. "data" (the CLI default); "" for none.
	Prefix string
	// Namespace fills ${NAMESPACE}, e.g. "okta".
	Namespace string
	// Stream fills ${STREAM_NAME}; required.
	Stream string
	// PathFormat is Airbyte's s3_path_format; default DefaultPathFormat.
	PathFormat string
	// Envelope wraps each record; default V2.
	Envelope Envelope
	// MaxFileSize is the compressed size in bytes at which the current part
	// is committed and the next record starts a new one; default
	// DefaultMaxFileSize.
	MaxFileSize int64
	// GenerationID and SyncID fill _airbyte_generation_id and
	// _airbyte_meta.sync_id.
	GenerationID, SyncID int64
	// Now gives the time used for the key of each new part and for
	// _airbyte_extracted_at; default time.Now.
	Now func() time.Time
	// KeyTime, when non-zero, replaces Now for key variables (event-time
	// partitions for log backfill); _airbyte_extracted_at still uses Now.
	KeyTime time.Time
	// Format encodes the parts in another format than gzip JSONL (Parquet);
	// nil is gzip JSONL. A Format has its own layout of the Airbyte
	// columns: Envelope must be V2 (the default).
	Format Format
}

// SetDefaults fills in unset fields.
func (c *WriterConfig) SetDefaults() {
	if c.PathFormat == "" {
		c.PathFormat = DefaultPathFormat
	}
	if c.MaxFileSize == 0 {
		c.MaxFileSize = DefaultMaxFileSize
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate reports the first invalid field.
func (c *WriterConfig) Validate() error {
	switch {
	case c.Stream == "":
		return errors.New("validating writer config: Stream is required")
	case strings.Contains(c.Stream, "/"):
		return fmt.Errorf("validating writer config: Stream %q contains '/'", c.Stream)
	case strings.Contains(c.Namespace, "/"):
		return fmt.Errorf("validating writer config: Namespace %q contains '/'", c.Namespace)
	case c.MaxFileSize <= 0:
		return fmt.Errorf("validating writer config: MaxFileSize %d is not positive", c.MaxFileSize)
	case c.Envelope != V2 && c.Envelope != V1 && c.Envelope != Flat && c.Envelope != Raw:
		return fmt.Errorf("validating writer config: Envelope %d is unknown", int(c.Envelope))
	case c.Now == nil:
		return errors.New("validating writer config: Now is nil")
	case c.Format != nil && c.Envelope != V2:
		return fmt.Errorf("validating writer config: Envelope %s applies to JSONL only: %s objects have their own layout of Airbyte's columns", c.Envelope, strings.TrimPrefix(c.Format.Extension(), "."))
	}
	if _, err := ParsePathFormat(c.PathFormat); err != nil {
		return fmt.Errorf("validating writer config: PathFormat: %w", err)
	}
	return nil
}

// Writer streams records of one stream into gzip JSONL objects (or those
// of WriterConfig.Format), one part at a time: memory stays bounded by a
// record, the gzip window (or the format's buffer, one Parquet row group)
// and the store's part buffer, whatever the stream's size. A Writer is not
// safe for concurrent use.
type Writer struct {
	store   Store
	cfg     WriterConfig
	format  *PathFormat
	gz      *gzip.Writer // reused across parts
	line    []byte       // reused line buffer
	ids     uuidSource
	part    *openPart
	objects []ObjectInfo
	records int64
	err     error // set once the writer has failed, been aborted or closed
}

// openPart is the object currently being written.
type openPart struct {
	key     string
	ow      ObjectWriter
	out     countingWriter
	enc     ObjectEncoder // nil for gzip JSONL
	records int64
}

// size is the part's size so far, compared with MaxFileSize.
func (p *openPart) size() int64 {
	if p.enc != nil {
		return p.enc.BytesWritten()
	}
	return p.out.n
}

// countingWriter counts the compressed bytes handed to the store.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// NewWriter returns a Writer on store; it writes nothing until the first record.
func NewWriter(store Store, cfg WriterConfig) (*Writer, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	format, err := ParsePathFormat(cfg.PathFormat)
	if err != nil {
		return nil, err
	}
	return &Writer{store: store, cfg: cfg, format: format}, nil
}

// Write appends one record, which must be valid JSON (a JSON object for the
// Flat envelope). The first record of a part creates the object, so a
// stream without records writes nothing. When the part reaches MaxFileSize
// it is committed. A record the envelope cannot encode is rejected without
// harming the part; any other failure, including a cancelled ctx, aborts the
// open part and ends the writer.
func (w *Writer) Write(ctx context.Context, record json.RawMessage) error {
	if err := w.write(ctx, record); err != nil {
		return err
	}
	return w.rotate()
}

// WriteBatch appends records like Write, but commits a full part only after
// the last of them: a part holds whole batches, so a caller whose cursor
// moves batch by batch (a page of Okta's System Log) can save it exactly at
// the end of the committed objects. A part may exceed MaxFileSize by up to
// one batch. A record the envelope cannot encode stops the batch there, as
// Write would.
func (w *Writer) WriteBatch(ctx context.Context, records []json.RawMessage) error {
	for _, rec := range records {
		if err := w.write(ctx, rec); err != nil {
			return err
		}
	}
	return w.rotate()
}

// rotate commits the open part once it has reached MaxFileSize.
func (w *Writer) rotate() error {
	if w.part != nil && w.part.size() >= w.cfg.MaxFileSize {
		return w.commit()
	}
	return nil
}

// write appends one record to the open part (opening one if needed).
func (w *Writer) write(ctx context.Context, record json.RawMessage) error {
	if w.err != nil {
		return w.err
	}
	if err := ctx.Err(); err != nil {
		return w.fail(fmt.Errorf("writing %s: %w", w.cfg.Stream, err))
	}
	meta := LineMeta{RawID: w.ids.next(), ExtractedAt: w.cfg.Now(), GenerationID: w.cfg.GenerationID, SyncID: w.cfg.SyncID}
	if w.cfg.Format != nil {
		return w.encode(ctx, record, meta)
	}
	line, err := w.cfg.Envelope.AppendLine(w.line[:0], record, meta)
	if err != nil {
		return fmt.Errorf("writing a %s record: %w", w.cfg.Stream, err)
	}
	w.line = line
	if w.part == nil {
		if err := w.open(ctx); err != nil {
			return w.fail(err)
		}
	}
	if _, err := w.gz.Write(line); err != nil {
		return w.fail(fmt.Errorf("writing %s: %w", w.part.key, err))
	}
	w.part.records++
	return nil
}

// encode appends one record to the open part of a Format (opening one if
// needed). A rejected record leaves the part as it was; a part that it
// alone would have opened is discarded, so that, as with JSONL, a rejected
// record writes nothing.
func (w *Writer) encode(ctx context.Context, record json.RawMessage, meta LineMeta) error {
	if w.part == nil {
		if err := w.open(ctx); err != nil {
			return w.fail(err)
		}
	}
	if err := w.part.enc.Write(record, meta); err != nil {
		if !errors.Is(err, ErrRejected) {
			return w.fail(fmt.Errorf("writing %s: %w", w.part.key, err))
		}
		if w.part.records == 0 {
			if aerr := w.part.ow.Abort(); aerr != nil {
				return w.fail(fmt.Errorf("discarding the empty part %s: %w", w.part.key, aerr))
			}
			w.part = nil
		}
		return fmt.Errorf("writing a %s record: %w", w.cfg.Stream, err)
	}
	w.part.records++
	return nil
}

// open starts a new part under the first free part number.
func (w *Writer) open(ctx context.Context) error {
	t := w.cfg.KeyTime
	if t.IsZero() {
		t = w.cfg.Now()
	}
	vars := PathVars{Namespace: w.cfg.Namespace, Stream: w.cfg.Stream, Time: t}
	if w.format.UsesUUID() {
		vars.UUID = w.ids.next()
	}
	base := w.format.KeyBase(w.cfg.Prefix, vars)
	n, err := FreePart(ctx, w.store, base)
	if err != nil {
		return fmt.Errorf("opening a part of %s: %w", w.cfg.Stream, err)
	}
	ext := Extension
	if w.cfg.Format != nil {
		ext = w.cfg.Format.Extension()
	}
	key := PartKeyWith(base, n, ext)
	ow, err := w.store.Create(ctx, key)
	if err != nil {
		return fmt.Errorf("opening a part of %s: %w", w.cfg.Stream, err)
	}
	p := &openPart{key: key, ow: ow, out: countingWriter{w: ow}}
	if w.cfg.Format != nil {
		if p.enc, err = w.cfg.Format.NewEncoder(&p.out, w.cfg.Stream); err != nil {
			ow.Abort()
			return fmt.Errorf("opening %s: %w", key, err)
		}
		w.part = p
		return nil
	}
	if w.gz == nil {
		w.gz, err = gzip.NewWriterLevel(&p.out, gzip.DefaultCompression)
		if err != nil {
			ow.Abort()
			return fmt.Errorf("opening %s: %w", key, err)
		}
	} else {
		w.gz.Reset(&p.out)
	}
	w.part = p
	return nil
}

// commit finishes the gzip stream (or the format's object) and commits the
// open part.
func (w *Writer) commit() error {
	p := w.part
	finish := w.gz.Close
	if p.enc != nil {
		finish = p.enc.Close
	}
	if err := finish(); err != nil {
		return w.fail(fmt.Errorf("finishing %s: %w", p.key, err))
	}
	if err := p.ow.Commit(); err != nil {
		w.part = nil // a failed Commit has already cleaned up
		w.err = err
		return err
	}
	w.part = nil
	w.objects = append(w.objects, ObjectInfo{Key: p.key, Size: p.out.n, LastModified: w.cfg.Now()})
	w.records += p.records
	return nil
}

// Close commits the open part, if any, and ends the writer.
func (w *Writer) Close(ctx context.Context) error {
	if w.err != nil {
		return w.err
	}
	if err := ctx.Err(); err != nil {
		return w.fail(fmt.Errorf("closing %s: %w", w.cfg.Stream, err))
	}
	if w.part != nil {
		if err := w.commit(); err != nil {
			return err
		}
	}
	w.err = fmt.Errorf("writing %s: writer is closed", w.cfg.Stream)
	return nil
}

// Abort discards the open part, if any, and ends the writer; parts already
// committed stay.
func (w *Writer) Abort() error {
	var err error
	if w.part != nil {
		err = w.part.ow.Abort()
		w.part = nil
	}
	if w.err == nil {
		w.err = fmt.Errorf("writing %s: writer is aborted", w.cfg.Stream)
	}
	return err
}

// fail aborts the open part and ends the writer with err.
func (w *Writer) fail(err error) error {
	if w.part != nil {
		if aerr := w.part.ow.Abort(); aerr != nil {
			err = fmt.Errorf("%w (and %w)", err, aerr)
		}
		w.part = nil
	}
	w.err = err
	return err
}

// Objects returns the objects committed so far, with compressed sizes.
func (w *Writer) Objects() []ObjectInfo {
	return append([]ObjectInfo(nil), w.objects...)
}

// Records returns the number of records in committed objects.
func (w *Writer) Records() int64 { return w.records }

// uuidSource makes random (version 4) UUIDs from a per-writer pool of
// random bytes, one crypto/rand read per 64 UUIDs.
type uuidSource struct {
	pool [16 * 64]byte
	pos  int
	full bool
}

func (u *uuidSource) next() string {
	if !u.full || u.pos == len(u.pool) {
		_, _ = rand.Read(u.pool[:]) // crypto/rand.Read never fails on supported platforms
		u.pos, u.full = 0, true
	}
	var id uuid.UUID
	copy(id[:], u.pool[u.pos:u.pos+16])
	u.pos += 16
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id.String()
}
