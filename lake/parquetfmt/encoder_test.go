package parquetfmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/file"
)

// openFile opens a Parquet object with arrow's low-level reader, to look
// at what was written: row groups, codecs, encodings, pages.
func openFile(tb testing.TB, data []byte) *file.Reader {
	tb.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { pf.Close() })
	return pf
}

// repeated returns n records cycling through recs.
func repeated(recs []json.RawMessage, n int) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range out {
		out[i] = recs[i%len(recs)]
	}
	return out
}

// TestOptionsReachTheFile checks each Airbyte-style option in the written
// file's metadata: the codec of every column chunk, dictionary encoding on
// or off, and smaller pages giving more of them.
func TestOptionsReachTheFile(t *testing.T) {
	logs := orgRecords(t)["logs"]
	const col = "displayMessage"
	tests := []struct {
		name  string
		opts  Options
		codec compress.Compression
		dict  bool
	}{
		{"defaults", Options{}, compress.Codecs.Snappy, true},
		{"zstd", Options{Compression: Zstd}, compress.Codecs.Zstd, true},
		{"gzip", Options{Compression: Gzip}, compress.Codecs.Gzip, true},
		{"uncompressed", Options{Compression: Uncompressed}, compress.Codecs.Uncompressed, true},
		{"no dictionary", Options{DisableDictionary: true}, compress.Codecs.Snappy, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := encode(t, "logs", logs, tc.opts)
			if got := decodeAll(t, data); len(got) != len(logs) {
				t.Fatalf("read %d records, wrote %d", len(got), len(logs))
			}
			pf := openFile(t, data)
			md := pf.MetaData()
			idx := md.Schema.ColumnIndexByName(col)
			if idx < 0 {
				t.Fatalf("no column %s", col)
			}
			for rg := 0; rg < pf.NumRowGroups(); rg++ {
				for c := 0; c < md.Schema.NumColumns(); c++ {
					cc, err := md.RowGroup(rg).ColumnChunk(c)
					if err != nil {
						t.Fatal(err)
					}
					if cc.Compression() != tc.codec {
						t.Fatalf("column %s is %v, want %v", md.Schema.Column(c).Path(), cc.Compression(), tc.codec)
					}
				}
			}
			cc, err := md.RowGroup(0).ColumnChunk(idx)
			if err != nil {
				t.Fatal(err)
			}
			if dict := slices.Contains(cc.Encodings(), parquet.Encodings.RLEDict); dict != tc.dict {
				t.Errorf("%s encodings %v: dictionary %v, want %v", col, cc.Encodings(), dict, tc.dict)
			}
		})
	}
	// Page sizes are checked per batch of values (1024 by default), so the
	// records outnumber a batch a few times over.
	t.Run("page size", func(t *testing.T) {
		logs := repeated(logs, 4*1024)
		pages := map[int64]int{}
		for _, size := range []int64{DefaultPageSize, 1 << 10} {
			pf := openFile(t, encode(t, "logs", logs, Options{PageSize: size, DisableDictionary: true}))
			pages[size] = dataPages(t, pf, pf.MetaData().Schema.ColumnIndexByName(col))
		}
		if pages[DefaultPageSize] > 1 || pages[1<<10] < 3 {
			t.Errorf("%s data pages by page size: %v, want 1 at the default and at least 3 at 1 KiB", col, pages)
		}
	})
}

// dataPages counts the data pages of column idx in the first row group.
func dataPages(tb testing.TB, pf *file.Reader, idx int) int {
	tb.Helper()
	pr, err := pf.RowGroup(0).GetColumnPageReader(idx)
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for pr.Next() {
		if _, dict := pr.Page().(*file.DictionaryPage); !dict {
			n++
		}
	}
	if err := pr.Err(); err != nil {
		tb.Fatal(err)
	}
	return n
}

// TestRowGroupsCloseAtRowGroupSize: a stream far bigger than RowGroupSize
// is written as several row groups of about that size (memory is bounded
// by one), and BytesWritten tracks the object's size as it grows.
func TestRowGroupsCloseAtRowGroupSize(t *testing.T) {
	const rowGroupSize = 64 << 10
	recs := repeated(orgRecords(t)["logs"], 1_500)
	var buf bytes.Buffer
	e, err := NewEncoder(&buf, "logs", Options{RowGroupSize: rowGroupSize})
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for i, r := range recs {
		if err := e.Write(r, metaFor(i)); err != nil {
			t.Fatal(err)
		}
		if n := e.BytesWritten(); n < last {
			t.Fatalf("BytesWritten went down from %d to %d at record %d", last, n, i)
		} else {
			last = n
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if final := e.BytesWritten(); final != int64(buf.Len()) {
		t.Errorf("BytesWritten after Close = %d, object is %d bytes", final, buf.Len())
	}
	pf := openFile(t, buf.Bytes())
	if pf.NumRowGroups() < 3 {
		t.Fatalf("%d row groups for %d bytes with RowGroupSize %d", pf.NumRowGroups(), buf.Len(), rowGroupSize)
	}
	var rows, before int64 // before: the row groups written out before the last
	for i := 0; i < pf.NumRowGroups(); i++ {
		rg := pf.MetaData().RowGroup(i)
		rows += rg.NumRows()
		if i < pf.NumRowGroups()-1 {
			before += rg.TotalCompressedSize()
		}
		// RowGroupSize counts records as JSON: compressed, a row group is smaller.
		if size := rg.TotalCompressedSize(); size > rowGroupSize {
			t.Errorf("row group %d is %d bytes compressed, RowGroupSize is %d", i, size, rowGroupSize)
		}
		if rg.NumRows() == 0 {
			t.Errorf("row group %d is empty", i)
		}
	}
	// Before Close, BytesWritten counts at least the row groups written out
	// (the last one and the footer come with Close).
	if last < before*9/10 || last > int64(buf.Len()) {
		t.Errorf("BytesWritten before Close = %d; row groups before the last hold %d bytes, the object %d", last, before, buf.Len())
	}
	if rows != int64(len(recs)) {
		t.Errorf("row groups hold %d rows, wrote %d", rows, len(recs))
	}
	if got := decodeAll(t, buf.Bytes()); len(got) != len(recs) || !sameJSON(t, got[len(got)-1].Data, recs[len(recs)-1]) {
		t.Errorf("read back %d records, wrote %d", len(got), len(recs))
	}
}

// failingWriter accepts limit bytes, then fails every write.
type failingWriter struct {
	limit, n int
}

var errDiskFull = errors.New("disk full")

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n+len(p) > f.limit {
		return 0, errDiskFull
	}
	f.n += len(p)
	return len(p), nil
}

// TestWriteErrorsEndTheEncoder: a failing destination is reported, by the
// Write that flushes or by Close, and every later call returns the error.
func TestWriteErrorsEndTheEncoder(t *testing.T) {
	logs := repeated(orgRecords(t)["logs"], 3*batchRows)
	e, err := NewEncoder(&failingWriter{limit: 64 << 10}, "logs", Options{RowGroupSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	var first error
	for i, r := range logs {
		if first = e.Write(r, metaFor(i)); first != nil {
			break
		}
	}
	if first == nil {
		first = e.Close()
	}
	if !errors.Is(first, errDiskFull) || !strings.Contains(first.Error(), "logs") {
		t.Fatalf("first error = %v, want one wrapping %v and naming the stream", first, errDiskFull)
	}
	if err := e.Write(logs[0], metaFor(0)); !errors.Is(err, errDiskFull) {
		t.Errorf("Write after the failure = %v, want %v", err, errDiskFull)
	}
	if err := e.Close(); !errors.Is(err, errDiskFull) {
		t.Errorf("Close after the failure = %v, want %v", err, errDiskFull)
	}
}

// TestEmptyObjectIsReadable: an encoder closed without records leaves a
// valid Parquet object with no rows.
func TestEmptyObjectIsReadable(t *testing.T) {
	data := encode(t, "groups", nil, Options{})
	if got := decodeAll(t, data); len(got) != 0 {
		t.Errorf("read %d records from an empty object", len(got))
	}
	if n := openFile(t, data).NumRows(); n != 0 {
		t.Errorf("NumRows = %d", n)
	}
}
