package parquetfmt

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/schema"
)

// Compression is a Parquet compression codec, named as Airbyte's S3
// destination names them (compression_codec), in lower case.
type Compression string

// The codecs offered. Snappy is the default, as in most Parquet writers.
const (
	Snappy       Compression = "snappy"
	Zstd         Compression = "zstd"
	Gzip         Compression = "gzip"
	Uncompressed Compression = "uncompressed"
)

// ParseCompression parses a codec name, in any case ("SNAPPY" as Airbyte
// spells it, or "snappy").
func ParseCompression(s string) (Compression, error) {
	c := Compression(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := c.codec(); !ok {
		return "", fmt.Errorf("parsing Parquet compression %q: want snappy, zstd, gzip or uncompressed", s)
	}
	return c, nil
}

func (c Compression) codec() (compress.Compression, bool) {
	switch c {
	case Snappy:
		return compress.Codecs.Snappy, true
	case Zstd:
		return compress.Codecs.Zstd, true
	case Gzip:
		return compress.Codecs.Gzip, true
	case Uncompressed:
		return compress.Codecs.Uncompressed, true
	}
	return 0, false
}

// Defaults. Airbyte's are 128 MB row groups and 1 MB pages; the row group
// here is smaller because it is what an encoder holds in memory (16 MiB of
// users is about 13,000 of them, 1.5 MiB on disk with snappy), and a writer
// may run several encoders (streams) at once.
const (
	DefaultRowGroupSize       = 16 << 20
	DefaultPageSize           = 1 << 20
	DefaultDictionaryPageSize = 1 << 20
)

// Options tune the Parquet output, as Airbyte's S3 destination offers:
// compression_codec, block_size_mb, page_size_kb, dictionary_page_size_kb
// and dictionary_encoding. The zero value gives the defaults.
type Options struct {
	// Compression is the codec of every column; default Snappy.
	Compression Compression
	// RowGroupSize is how many bytes of records (as JSON) a row group
	// gathers before it is written out; default DefaultRowGroupSize. Like
	// Airbyte's block size (parquet-mr's row group size) it counts what is
	// buffered in memory, not what lands on disk, which compression makes
	// several times smaller: an encoder's memory is bounded by about one row
	// group, whatever the stream's size.
	RowGroupSize int64
	// PageSize is the target size in bytes of a data page; default
	// DefaultPageSize.
	PageSize int64
	// DictionaryPageSize bounds a column's dictionary per row group, past
	// which the column falls back to plain encoding; default
	// DefaultDictionaryPageSize.
	DictionaryPageSize int64
	// DisableDictionary turns dictionary encoding off (Airbyte's
	// dictionary_encoding: false); it is on by default.
	DisableDictionary bool
}

// SetDefaults fills in unset fields.
func (o *Options) SetDefaults() {
	if o.Compression == "" {
		o.Compression = Snappy
	}
	if o.RowGroupSize == 0 {
		o.RowGroupSize = DefaultRowGroupSize
	}
	if o.PageSize == 0 {
		o.PageSize = DefaultPageSize
	}
	if o.DictionaryPageSize == 0 {
		o.DictionaryPageSize = DefaultDictionaryPageSize
	}
}

// Validate reports the first invalid field.
func (o *Options) Validate() error {
	if _, ok := o.Compression.codec(); !ok {
		return fmt.Errorf("validating Parquet options: Compression %q is not snappy, zstd, gzip or uncompressed", string(o.Compression))
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"RowGroupSize", o.RowGroupSize}, {"PageSize", o.PageSize}, {"DictionaryPageSize", o.DictionaryPageSize}} {
		if f.v <= 0 {
			return fmt.Errorf("validating Parquet options: %s %d is not positive", f.name, f.v)
		}
	}
	return nil
}

// writerProperties turns the options into the Parquet writer's, for the
// leaf columns of sc. Timestamp columns never get a dictionary: instants
// seldom repeat, so it would only grow to DictionaryPageSize and fall back
// to plain encoding, having cost its memory (a hash table and a page per
// column) and time. (DELTA_BINARY_PACKED would suit them better, but
// arrow v17 cannot read it back for nullable columns: apache/arrow#43276.)
func (o *Options) writerProperties(sc *schema.Schema) *parquet.WriterProperties {
	codec, _ := o.Compression.codec()
	props := []parquet.WriterProperty{
		parquet.WithCompression(codec),
		parquet.WithDataPageSize(o.PageSize),
		parquet.WithDictionaryDefault(!o.DisableDictionary),
		parquet.WithDictionaryPageSizeLimit(o.DictionaryPageSize),
		parquet.WithCreatedBy("oktalake"),
		// Every record has its own _airbyte_raw_id: a dictionary would only
		// grow to DictionaryPageSize and fall back, as for timestamps.
		parquet.WithDictionaryFor(RawIDColumn, false),
	}
	for i := 0; i < sc.NumColumns(); i++ {
		if _, ok := sc.Column(i).LogicalType().(*schema.TimestampLogicalType); ok {
			props = append(props, parquet.WithDictionaryFor(sc.Column(i).Path(), false))
			// arrow v17 gives a nested timestamp column chunk without a
			// value (all null, or no list item) min/max statistics that
			// are not instants; DuckDB then refuses the whole file
			// ("Could not convert Timestamp(MS) to Timestamp(US)", even
			// in parquet_metadata). Top-level timestamps, the ones
			// queries filter on, keep theirs.
			if sc.Column(i).MaxRepetitionLevel() > 0 || strings.Contains(sc.Column(i).Path(), ".") {
				props = append(props, parquet.WithStatsFor(sc.Column(i).Path(), false))
			}
		}
	}
	return parquet.NewWriterProperties(props...)
}
