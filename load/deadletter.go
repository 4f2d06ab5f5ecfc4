package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/klauspost/compress/gzip"
	"github.com/oktalake/oktalake/lake"
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

// commit writes the collected dead letters as one object.
func (d *deadLetters) commit(ctx context.Context) error {
	d.mu.Lock()
	items := d.items
	d.mu.Unlock()
	if len(items) == 0 {
		return nil
	}
	key := lake.StreamErrorsPrefix(d.cfg.Prefix, d.cfg.Name, d.stream) + fmt.Sprintf("%s_%s"+lake.Extension, d.cfg.Clock.Now().UTC().Format("20060102T150405.000Z"), uuid.NewString())
	key = strings.Replace(key, ".000Z", "Z", 1)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	enc := json.NewEncoder(zw)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			return fmt.Errorf("encoding dead letter: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compressing dead letters: %w", err)
	}
	w, err := d.cfg.Store.Create(ctx, key)
	if err != nil {
		return fmt.Errorf("writing dead letters %s: %w", key, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		w.Abort()
		return fmt.Errorf("writing dead letters %s: %w", key, err)
	}
	if err := w.Commit(); err != nil {
		return fmt.Errorf("writing dead letters %s: %w", key, err)
	}
	return nil
}
