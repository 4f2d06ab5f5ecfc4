package main

import (
	"fmt"
	"os"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/parquetfmt"
	"github.com/urfave/cli/v2"
)

// formatFlags choose the data objects' format. The Parquet options are
// named as Airbyte's S3 destination names them (compression_codec,
// block_size_mb, page_size_kb, dictionary_page_size_kb,
// dictionary_encoding).
func formatFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "format", EnvVars: []string{"OKTALAKE_FORMAT"}, Value: "jsonl", Usage: "data objects: jsonl (gzip JSONL, .jsonl.gz) or parquet (.parquet, typed columns for Athena, Trino, DuckDB)"},
		&cli.StringFlag{Name: "parquet-compression-codec", EnvVars: []string{"OKTALAKE_PARQUET_COMPRESSION_CODEC"}, Value: "snappy", Usage: "Parquet codec: snappy, zstd, gzip or uncompressed"},
		&cli.Int64Flag{Name: "parquet-block-size-mb", EnvVars: []string{"OKTALAKE_PARQUET_BLOCK_SIZE_MB"}, Value: parquetfmt.DefaultRowGroupSize >> 20, Usage: "Parquet row group: MiB of records (as JSON) gathered in memory per row group and stream"},
		&cli.Int64Flag{Name: "parquet-page-size-kb", EnvVars: []string{"OKTALAKE_PARQUET_PAGE_SIZE_KB"}, Value: parquetfmt.DefaultPageSize >> 10, Usage: "Parquet data page size in KiB"},
		&cli.Int64Flag{Name: "parquet-dictionary-page-size-kb", EnvVars: []string{"OKTALAKE_PARQUET_DICTIONARY_PAGE_SIZE_KB"}, Value: parquetfmt.DefaultDictionaryPageSize >> 10, Usage: "Parquet dictionary limit per column and row group, in KiB (past it the column is plain-encoded)"},
		&cli.BoolFlag{Name: "parquet-dictionary-encoding", EnvVars: []string{"OKTALAKE_PARQUET_DICTIONARY_ENCODING"}, Value: true, Usage: "Parquet dictionary encoding (--parquet-dictionary-encoding=false turns it off)"},
	}
}

// parquetFlagNames are the flags that mean something only with --format parquet.
var parquetFlagNames = []string{"parquet-compression-codec", "parquet-block-size-mb", "parquet-page-size-kb", "parquet-dictionary-page-size-kb", "parquet-dictionary-encoding"}

// objectFormat reads --format and the Parquet options: nil for gzip JSONL.
func objectFormat(c *cli.Context) (lake.Format, error) {
	switch c.String("format") {
	case "jsonl":
		for _, name := range parquetFlagNames {
			if c.IsSet(name) {
				return nil, usagef("--%s applies to --format parquet, not jsonl", name)
			}
		}
		return nil, nil
	case "parquet":
	default:
		return nil, usagef("--format: %q is not jsonl or parquet", c.String("format"))
	}
	if c.IsSet("envelope") && c.String("envelope") != "v2" {
		return nil, usagef("--envelope %s applies to --format jsonl: Parquet objects have Airbyte's own columns (_airbyte_raw_id, _airbyte_extracted_at, ...)", c.String("envelope"))
	}
	codec, err := parquetfmt.ParseCompression(c.String("parquet-compression-codec"))
	if err != nil {
		return nil, usagef("--parquet-compression-codec: %v", err)
	}
	opts := parquetfmt.Options{Compression: codec, DisableDictionary: !c.Bool("parquet-dictionary-encoding")}
	for _, s := range []struct {
		name  string
		shift uint // MiB or KiB to bytes
		dst   *int64
	}{
		{"parquet-block-size-mb", 20, &opts.RowGroupSize},
		{"parquet-page-size-kb", 10, &opts.PageSize},
		{"parquet-dictionary-page-size-kb", 10, &opts.DictionaryPageSize},
	} {
		limit := int64(1) << (40 - s.shift) // 1 TiB, far past any sensible value
		if v := c.Int64(s.name); v < 1 || v > limit {
			return nil, usagef("--%s: %d must be at least 1 and at most %d", s.name, v, limit)
		}
		*s.dst = c.Int64(s.name) << s.shift
	}
	f, err := parquetfmt.NewFormat(opts)
	if err != nil {
		return nil, usageError{err}
	}
	return f, nil
}

// openRecords reads the records of a local file: Parquet by its name
// (.parquet, line numbers are row numbers), else gzip or plain JSONL.
func openRecords(f *os.File, name string, maxLine int) (lake.RecordReader, error) {
	if !lake.IsParquetName(name) {
		return lake.NewReaderWith(f, lake.ReaderOptions{RequireGzip: lake.IsGzipName(name), MaxLineBytes: maxLine})
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	d, err := parquetfmt.NewDecoder(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("reading Parquet: %w", err)
	}
	return d, nil
}
