package lake

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// Format encodes a Writer's parts in a format other than gzip JSONL, such
// as Parquet (lake/parquetfmt). A nil Format in WriterConfig is gzip JSONL.
// Keys keep the path format and part numbers; only the extension changes.
type Format interface {
	// Extension ends the key of every part, such as ".parquet".
	Extension() string
	// NewEncoder starts one object of stream on w.
	NewEncoder(w io.Writer, stream string) (ObjectEncoder, error)
}

// ObjectEncoder writes the records of one object of a Format.
type ObjectEncoder interface {
	// Write appends one record with its Airbyte metadata. An error
	// wrapping ErrRejected refuses the record without harming the object;
	// any other error ends it (the Writer aborts the part).
	Write(record json.RawMessage, meta LineMeta) error
	// BytesWritten is the object's size so far, which the Writer compares
	// with MaxFileSize to rotate.
	BytesWritten() int64
	// Close finishes the object (a Parquet footer); the Writer then
	// commits it. It does not close the underlying writer.
	Close() error
}

// ErrRejected marks a record an ObjectEncoder refuses (not a JSON object,
// invalid UTF-8) while the object it was to join stays whole.
var ErrRejected = errors.New("record rejected")

// ParquetExtension ends the keys of Parquet data objects.
const ParquetExtension = ".parquet"

// IsParquetName reports whether an object's name says it is Parquet.
func IsParquetName(key string) bool { return strings.HasSuffix(key, ParquetExtension) }

// RecordReader reads the records of one data object, whatever its format:
// a *Reader for JSONL, a Parquet decoder. Next follows Reader.Next's
// contract (io.EOF at the end, *LineError for a record that can be
// skipped, any other error ends the object).
type RecordReader interface {
	Next() (Record, error)
}
