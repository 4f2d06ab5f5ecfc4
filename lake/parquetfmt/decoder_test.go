package parquetfmt

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/oktalake/oktalake/lake"
)

// writeArrow writes Arrow rows as a Parquet object the way another writer
// might, built column by column by fill.
func writeArrow(tb testing.TB, schema *arrow.Schema, fill func(b *array.RecordBuilder)) []byte {
	tb.Helper()
	return writeArrowWith(tb, schema, nil, fill)
}

func writeArrowWith(tb testing.TB, schema *arrow.Schema, props *parquet.WriterProperties, fill func(b *array.RecordBuilder)) []byte {
	tb.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	fill(b)
	rec := b.NewRecord()
	defer rec.Release()
	var buf bytes.Buffer
	fw, err := pqarrow.NewFileWriter(schema, &buf, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		tb.Fatal(err)
	}
	if err := fw.Write(rec); err != nil {
		tb.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecoderSkipsBadRows: a row whose additional properties are not a JSON
// object, or whose null list names a member that is not a null typed one,
// is reported as a *lake.LineError with its row number, and the rows after
// it are still read.
func TestDecoderSkipsBadRows(t *testing.T) {
	l, err := compileLayout("t", []byte(`{"type":"object","properties":{"s":{"type":"string"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		s, resid, null string // "" for null
		want           string // the record, or the error's text
	}{
		{s: "a", want: `{"s":"a"}`},
		{s: "b", resid: `{not json`, want: "_airbyte_additional_properties"},
		{null: "/nope", want: `"/nope"`},
		{s: "c", null: "/s", want: `"/s"`}, // s holds a value, so it was not null
		{null: "/s", resid: `{"x":1}`, want: `{"s":null,"x":1}`},
	}
	data := writeArrow(t, l.schema, func(b *array.RecordBuilder) {
		for i, r := range rows {
			b.Field(0).(*array.StringBuilder).Append(metaFor(i).RawID)
			b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(metaFor(i).ExtractedAt.UnixMilli()))
			b.Field(2).(*array.Int64Builder).Append(0)
			meta := b.Field(3).(*array.StructBuilder)
			meta.Append(true)
			meta.FieldBuilder(0).(*array.ListBuilder).Append(true)
			meta.FieldBuilder(1).(*array.Int64Builder).Append(0)
			for j, v := range []string{r.s, r.resid} {
				if v == "" {
					b.Field(4 + j).AppendNull()
				} else {
					b.Field(4 + j).(*array.StringBuilder).Append(v)
				}
			}
			nl := b.Field(6).(*array.ListBuilder)
			if r.null == "" {
				nl.AppendNull()
			} else {
				nl.Append(true)
				nl.ValueBuilder().(*array.StringBuilder).Append(r.null)
			}
		}
	})
	d, err := NewDecoder(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i, r := range rows {
		rec, err := d.Next()
		if strings.HasPrefix(r.want, "{") {
			if err != nil || string(rec.Data) != r.want || rec.Line != i+1 || rec.RawID != metaFor(i).RawID {
				t.Errorf("row %d: %s (line %d, raw id %q), %v; want %s", i+1, rec.Data, rec.Line, rec.RawID, err, r.want)
			}
			continue
		}
		var le *lake.LineError
		if !errors.As(err, &le) || le.Line != i+1 || !strings.Contains(err.Error(), r.want) {
			t.Errorf("row %d: error %v, want a *lake.LineError for line %d containing %s", i+1, err, i+1, r.want)
		}
	}
	if _, err := d.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last row: %v, want io.EOF", err)
	}
}

// TestDecoderReadsOtherWriters reads a Parquet object in the shape of
// Airbyte's own output (microsecond timestamps, no null list, no
// additional properties): typed values come back, null ones as absent.
func TestDecoderReadsOtherWriters(t *testing.T) {
	us := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: RawIDColumn, Type: arrow.BinaryTypes.String},
		{Name: ExtractedAtColumn, Type: us},
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "created", Type: us, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	}, nil)
	created := time.Date(2024, 5, 1, 9, 30, 0, 123456000, time.UTC)
	data := writeArrow(t, schema, func(b *array.RecordBuilder) {
		b.Field(0).(*array.StringBuilder).AppendValues([]string{"r1", "r2"}, nil)
		b.Field(1).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(created.UnixMicro()), arrow.Timestamp(created.UnixMicro())}, nil)
		b.Field(2).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
		b.Field(3).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(created.UnixMicro()), 0}, []bool{true, false})
		b.Field(4).(*array.StringBuilder).AppendValues([]string{"a", ""}, []bool{true, false})
		tags := b.Field(5).(*array.ListBuilder)
		tags.Append(true)
		tags.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"x", "y"}, nil)
		tags.AppendNull()
	})
	got := decodeAll(t, data)
	want := []string{`{"id":1,"created":"2024-05-01T09:30:00.123456Z","name":"a","tags":["x","y"]}`, `{"id":2}`}
	if len(got) != len(want) {
		t.Fatalf("read %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if string(got[i].Data) != want[i] {
			t.Errorf("record %d = %s, want %s", i, got[i].Data, want[i])
		}
	}
	if got[0].RawID != "r1" || !got[0].ExtractedAt.Equal(created) {
		t.Errorf("record 0 raw id %q, extracted at %v; want r1, %v", got[0].RawID, got[0].ExtractedAt, created)
	}
}

// TestDecoderRefusesWhatItCannotRead: a newer layout, a column type the
// layout never writes, a file that is no Parquet.
func TestDecoderRefusesWhatItCannotRead(t *testing.T) {
	newer := arrow.NewMetadata([]string{metaLayout}, []string{"2"})
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"newer layout", writeArrow(t, arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.BinaryTypes.String, Nullable: true}}, &newer),
			func(b *array.RecordBuilder) { b.Field(0).AppendNull() }), `layout version "2"`},
		{"unsupported type", writeArrow(t, arrow.NewSchema([]arrow.Field{{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true}}, nil),
			func(b *array.RecordBuilder) { b.Field(0).AppendNull() }), "column d: unsupported Arrow type date32"},
		{"not Parquet", []byte("{\"_airbyte_raw_id\":\"x\"}\n"), "opening Parquet object"},
		{"corrupt footer", append(append([]byte("PAR1"), bytes.Repeat([]byte{0xff}, 64)...), 64, 0, 0, 0, 'P', 'A', 'R', '1'), "opening Parquet object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewDecoder(bytes.NewReader(tc.data), int64(len(tc.data)))
			if err == nil {
				d.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewDecoder = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestTruncatedObjectIsRefused: an object cut short (a part that was
// never finished) has no footer and cannot be opened.
func TestTruncatedObjectIsRefused(t *testing.T) {
	data := encode(t, "users", orgRecords(t)["users"], Options{})
	cut := data[:len(data)/2]
	if d, err := NewDecoder(bytes.NewReader(cut), int64(len(cut))); err == nil {
		d.Close()
		t.Fatal("NewDecoder opened half an object")
	}
}

// TestDecoderSurvivesReaderPanics: arrow's reader panics on some valid
// files (a nullable DELTA_BINARY_PACKED column longer than a read batch,
// apache/arrow#43276, in v17); the decoder reports an error for the object
// instead of taking the process down.
func TestDecoderSurvivesReaderPanics(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	props := parquet.NewWriterProperties(parquet.WithDictionaryDefault(false), parquet.WithEncoding(parquet.Encodings.DeltaBinaryPacked))
	data := writeArrowWith(t, schema, props, func(b *array.RecordBuilder) {
		for i := 0; i < 3*readBatchRows; i++ {
			if i%7 == 0 {
				b.Field(0).AppendNull()
			} else {
				b.Field(0).(*array.Int64Builder).Append(int64(i))
			}
		}
	})
	d, err := NewDecoder(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var rows int
	for {
		_, err = d.Next()
		if err != nil {
			break
		}
		rows++
	}
	if errors.Is(err, io.EOF) { // a fixed arrow reads them all
		if rows != 3*readBatchRows {
			t.Errorf("read %d rows, wrote %d", rows, 3*readBatchRows)
		}
		return
	}
	if !strings.Contains(err.Error(), "reading Parquet rows") {
		t.Errorf("Next = %v after %d rows, want an error reading rows", err, rows)
	}
	if _, again := d.Next(); again == nil || again.Error() != err.Error() {
		t.Errorf("Next after the failure = %v, want the same error", again)
	}
}
