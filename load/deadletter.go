package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/port"
)

// DeadLetter is one record (or line, or object) that did not reach Port,
// with the reason. Dead letters are gzip JSONL objects under
// lake.StreamErrorsPrefix: loaders with different names may feed different
// Ports, and each replays only its own.
type DeadLetter struct {
	// ObjectKey and Line locate the source record.
	ObjectKey string `json:"objectKey"`
	Line      int    `json:"line,omitempty"`
	Stream    string `json:"stream"`
	// Record is the source record (absent for unreadable lines).
	Record json.RawMessage `json:"record,omitempty"`
	// RawLine is an unreadable line as read (its first 64 KiB), or
	// RawLineBase64 when those bytes are not UTF-8; RawLineBytes is the
	// line's whole length.
	RawLine       string `json:"rawLine,omitempty"`
	RawLineBase64 []byte `json:"rawLineBase64,omitempty"`
	RawLineBytes  int    `json:"rawLineBytes,omitempty"`
	// MappingIndex is the mapping entry that produced the entity.
	MappingIndex *int   `json:"mappingIndex,omitempty"`
	Blueprint    string `json:"blueprint,omitempty"`
	// Operation is "upsert" (default) or "delete".
	Operation string `json:"operation,omitempty"`
	Entity    any    `json:"entity,omitempty"`
	Status    int    `json:"status,omitempty"`
	Reason    string `json:"reason"`
	At        string `json:"at"`
}

// origin ties what a record asked of Port back to the record, so that
// whatever fails is dead-lettered with the record, its place and, once a
// mapping produced it, the mapping entry, the blueprint and the entity.
type origin struct {
	// objectKey and line locate the record (line 0: the whole object).
	objectKey string
	line      int
	// record is the record itself, when it could be read.
	record json.RawMessage
	// mappingIndex is the mapping entry that produced the operation (nil
	// before mapping); blueprint, delete and entity say what it was to
	// send: the entity to upsert, or {"identifier": id} of a delete.
	mappingIndex *int
	blueprint    string
	delete       bool
	entity       any
}

// recordOrigin is the origin of a record read from the object at key.
func recordOrigin(key string, rec lake.Record) origin {
	return origin{objectKey: key, line: rec.Line, record: rec.Data}
}

// mapped is o once mapping entry index asked for an operation on blueprint.
func (o origin) mapped(index int, blueprint string, delete bool, entity any) origin {
	o.mappingIndex, o.blueprint, o.delete, o.entity = &index, blueprint, delete, entity
	return o
}

// newDeadLetter is the one way a dead letter is made: what came from o
// failed for reason, or, given Port's failure f, for Port's reason.
func newDeadLetter(o origin, reason string, f *port.Failure) DeadLetter {
	dl := DeadLetter{ObjectKey: o.objectKey, Line: o.line, Record: o.record, MappingIndex: o.mappingIndex,
		Blueprint: o.blueprint, Entity: o.entity, Reason: reason}
	if o.delete {
		dl.Operation = "delete"
	}
	if f != nil {
		dl.Status = f.Status
		if dl.Reason == "" {
			dl.Reason = portReason(*f)
		} else {
			dl.Reason += ": " + portReason(*f)
		}
	}
	return dl
}

// portReason says why Port refused an entity, in Port's words.
func portReason(f port.Failure) string {
	switch {
	case f.Error != "" && f.Message != "":
		return fmt.Sprintf("port %d %s: %s", f.Status, f.Error, f.Message)
	case f.Message != "":
		return fmt.Sprintf("port %d: %s", f.Status, f.Message)
	default:
		return fmt.Sprintf("port %d %s", f.Status, f.Error)
	}
}

// withRawLine keeps a bad line's bytes (at most lake.MaxRawLine of them) in
// the dead letter: as text when they are UTF-8 (a cut through the last
// character does not count), else base64.
func (dl DeadLetter) withRawLine(raw []byte, length int) DeadLetter {
	dl.RawLineBytes = length
	text := raw
	for i := 0; i < utf8.UTFMax-1 && len(raw) == lake.MaxRawLine && !utf8.Valid(text); i++ {
		text = text[:len(text)-1]
	}
	if utf8.Valid(text) {
		dl.RawLine = string(text)
	} else {
		dl.RawLineBase64 = raw
	}
	return dl
}

// deadLetters collects an object's dead letters until the object is done,
// from the reader and from the sender's acknowledgements alike.
type deadLetters struct {
	cfg    Config
	stream string
	source string
	mu     sync.Mutex
	items  []DeadLetter
}

func newDeadLetters(cfg Config, stream, source string) *deadLetters {
	return &deadLetters{cfg: cfg, stream: stream, source: source}
}

func (d *deadLetters) add(dl DeadLetter) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if dl.ObjectKey == "" {
		dl.ObjectKey = d.source
	}
	dl.Stream = d.stream
	dl.At = d.cfg.Clock.Now().UTC().Format(time.RFC3339)
	d.items = append(d.items, dl)
	d.cfg.Logger.Warn("dead letter", "stream", d.stream, "object", dl.ObjectKey, "line", dl.Line, "blueprint", dl.Blueprint, "reason", dl.Reason)
}

// commit writes the collected dead letters, one a line (lake's Raw
// envelope), into a new object under the stream's errors prefix.
func (d *deadLetters) commit(ctx context.Context) error {
	d.mu.Lock()
	items := d.items
	d.mu.Unlock()
	if len(items) == 0 {
		return nil
	}
	cfg := lake.DeadLetterWriterConfig(d.cfg.Prefix, d.cfg.Name, d.stream)
	cfg.Now = d.cfg.Clock.Now
	w, err := lake.NewWriter(d.cfg.Store, cfg)
	if err != nil {
		return fmt.Errorf("writing dead letters of %s: %w", d.stream, err)
	}
	for _, it := range items {
		line, err := json.Marshal(it)
		if err != nil {
			w.Abort()
			return fmt.Errorf("encoding a dead letter of %s: %w", d.stream, err)
		}
		if err := w.Write(ctx, line); err != nil {
			w.Abort()
			return fmt.Errorf("writing dead letters of %s: %w", d.stream, err)
		}
	}
	if err := w.Close(ctx); err != nil {
		return fmt.Errorf("writing dead letters of %s: %w", d.stream, err)
	}
	return nil
}

// readDeadLetters reads a dead-letter object: the ones commit writes, and
// those of earlier versions (gzip JSONL of the same DeadLetter lines).
// maxLine bounds a line (0: deadLetterLineLimit of the default).
func readDeadLetters(ctx context.Context, store lake.Store, key string, maxLine int) ([]DeadLetter, error) {
	rc, err := store.Open(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("opening dead letters %s: %w", key, err)
	}
	defer rc.Close()
	r, err := lake.NewReaderWith(rc, lake.ReaderOptions{RequireGzip: true, Raw: true, MaxLineBytes: deadLetterLineLimit(maxLine)})
	if err != nil {
		return nil, fmt.Errorf("reading dead letters %s: %w", key, err)
	}
	var out []DeadLetter
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading dead letters %s: %w", key, err)
		}
		var dl DeadLetter
		if err := json.Unmarshal(rec.Data, &dl); err != nil {
			return nil, fmt.Errorf("decoding dead letters %s: line %d: %w", key, rec.Line, err)
		}
		out = append(out, dl)
	}
}

// deadLetterLineLimit bounds a dead-letter line read back: a dead letter
// holds a record of at most the data line limit, and with it the entity
// mapped from it and a bad line's first bytes, so it may be several times
// longer than the record.
func deadLetterLineLimit(dataLine int) int {
	if dataLine <= 0 {
		dataLine = lake.DefaultMaxLineBytes
	}
	return 4*dataLine + 2*lake.MaxRawLine
}
