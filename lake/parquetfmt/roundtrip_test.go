package parquetfmt

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/oktalake/oktalake/streams"
)

// TestRoundTripEveryStream writes every record of every stream of the
// simulated org and reads it back: the same JSON value, the same Airbyte
// metadata, rows numbered from 1.
func TestRoundTripEveryStream(t *testing.T) {
	recs := orgRecords(t)
	for _, stream := range streams.Names() {
		t.Run(stream, func(t *testing.T) {
			in := recs[stream]
			if len(in) == 0 {
				t.Fatalf("the simulated org has no %s records", stream)
			}
			out := decodeAll(t, encode(t, stream, in, Options{}))
			if len(out) != len(in) {
				t.Fatalf("read %d records, wrote %d", len(out), len(in))
			}
			for i, r := range out {
				if !sameJSON(t, r.Data, in[i]) {
					t.Fatalf("record %d differs:\n got  %s\n want %s", i, r.Data, in[i])
				}
				m := metaFor(i)
				if r.Line != i+1 || r.RawID != m.RawID || !r.ExtractedAt.Equal(m.ExtractedAt) {
					t.Fatalf("record %d: line %d, raw id %q, extracted at %v; want %d, %q, %v", i, r.Line, r.RawID, r.ExtractedAt, i+1, m.RawID, m.ExtractedAt)
				}
			}
		})
	}
}

// edgeCase is one record of the edge-case schema and where its values must
// land: the top-level additional properties (compact JSON, "" for none),
// the null list, and some typed top-level cells.
type edgeCase struct {
	name   string
	record string
	resid  string
	nulls  []string
	typed  map[string]any // column → cell (nil: null)
}

var edgeCases = []edgeCase{
	{name: "every column typed exactly",
		record: `{"s":"x","ts":"2024-05-01T09:30:00.123Z","i":42,"f":1.5,"b":true,"obj":{"a":"y","n":1},"free":{"k":[1,{"z":null}]},"strs":["a",null],"ints":[1,2],"stamps":["2024-05-01T09:30:00.000Z"],"items":[{"id":"1","meta":{}}],"nested":[[1],[2,3]],"we~ird/key":"w"}`,
		typed:  map[string]any{"s": "x", "ts": int64(1714555800123), "i": int64(42), "f": 1.5, "b": true, "free": `{"k":[1,{"z":null}]}`}},
	{name: "null members are told from absent ones",
		record: `{"s":null,"obj":{"a":null},"items":[{"id":null},null],"strs":null,"we~ird/key":null}`,
		nulls:  []string{"/s", "/obj/a", "/strs", "/items/0/id", "/we~0ird~1key"},
		typed:  map[string]any{"s": nil, "i": nil}},
	{name: "empty containers",
		record: `{"obj":{},"free":{},"strs":[],"items":[{}],"nested":[[]],"ints":[]}`},
	{name: "undeclared members at every level",
		record: `{"extra":1,"obj":{"a":"y","custom":{"deep":[1]}},"items":[{"id":"1","more":true}]}`,
		resid:  `{"extra":1}`},
	{name: "members named like columns of the layout",
		record: `{"_airbyte_meta":{"x":1},"_airbyte_additional_properties":"y","_oktalake_null_fields":[1],"_airbyte_raw_id":"not mine"}`,
		resid:  `{"_airbyte_meta":{"x":1},"_airbyte_additional_properties":"y","_oktalake_null_fields":[1],"_airbyte_raw_id":"not mine"}`},
	{name: "date-time without milliseconds",
		record: `{"ts":"2024-05-01T09:30:00Z"}`,
		resid:  `{"ts":"2024-05-01T09:30:00Z"}`, typed: map[string]any{"ts": int64(1714555800000)}},
	{name: "date-time with an offset",
		record: `{"ts":"2024-05-01T11:30:00.000+02:00"}`,
		resid:  `{"ts":"2024-05-01T11:30:00.000+02:00"}`, typed: map[string]any{"ts": int64(1714555800000)}},
	{name: "date-time in microseconds",
		record: `{"ts":"2024-05-01T09:30:00.123456Z"}`,
		resid:  `{"ts":"2024-05-01T09:30:00.123456Z"}`, typed: map[string]any{"ts": int64(1714555800123)}},
	{name: "date-time that is no date",
		record: `{"ts":"yesterday"}`, resid: `{"ts":"yesterday"}`, typed: map[string]any{"ts": nil}},
	{name: "date-time on a day that does not exist",
		record: `{"ts":"2024-04-31T00:00:00.000Z"}`, resid: `{"ts":"2024-04-31T00:00:00.000Z"}`, typed: map[string]any{"ts": nil}},
	{name: "date-time given as a number",
		record: `{"ts":1714555800000}`, resid: `{"ts":1714555800000}`, typed: map[string]any{"ts": nil}},
	{name: "integer beyond 2^53",
		record: `{"i":9007199254740993}`, typed: map[string]any{"i": int64(9007199254740993)}},
	{name: "smallest int64",
		record: `{"i":-9223372036854775808}`, typed: map[string]any{"i": int64(-9223372036854775808)}},
	{name: "integer beyond int64",
		record: `{"i":9223372036854775808}`, resid: `{"i":9223372036854775808}`, typed: map[string]any{"i": nil}},
	{name: "integer written as 1.0",
		record: `{"i":1.0}`, resid: `{"i":1.0}`, typed: map[string]any{"i": int64(1)}},
	{name: "integer written as 1e3",
		record: `{"i":1e3}`, resid: `{"i":1e3}`, typed: map[string]any{"i": int64(1000)}},
	{name: "integer written as -0",
		record: `{"i":-0}`, resid: `{"i":-0}`, typed: map[string]any{"i": int64(0)}},
	{name: "fraction where the schema says integer",
		record: `{"i":1.5}`, resid: `{"i":1.5}`, typed: map[string]any{"i": nil}},
	{name: "string where the schema says integer",
		record: `{"i":"42"}`, resid: `{"i":"42"}`, typed: map[string]any{"i": nil}},
	{name: "floats that print back the same",
		record: `{"f":0.1,"items":[{"meta":{"g":-122.4194}}]}`, typed: map[string]any{"f": 0.1}},
	{name: "integer in a number column",
		record: `{"f":5}`, typed: map[string]any{"f": 5.0}},
	{name: "float in exponent form",
		record: `{"f":1E2}`, resid: `{"f":1E2}`, typed: map[string]any{"f": 100.0}},
	{name: "float beyond float64",
		record: `{"f":1e400}`, resid: `{"f":1e400}`, typed: map[string]any{"f": nil}},
	{name: "negative zero with a fraction",
		record: `{"f":-0.0}`, resid: `{"f":-0.0}`},
	{name: "string where the schema says boolean",
		record: `{"b":"true"}`, resid: `{"b":"true"}`, typed: map[string]any{"b": nil}},
	{name: "scalar where the schema says object",
		record: `{"obj":"flat"}`, resid: `{"obj":"flat"}`},
	{name: "array where the schema says object",
		record: `{"obj":[1]}`, resid: `{"obj":[1]}`},
	{name: "array where a schemaless object is expected",
		record: `{"free":[1,2]}`, resid: `{"free":[1,2]}`, typed: map[string]any{"free": nil}},
	{name: "list with an item of another type",
		record: `{"ints":[1,"two",3]}`, resid: `{"ints":[1,"two",3]}`},
	{name: "list with an inexact item",
		record: `{"ints":[1,2.0]}`, resid: `{"ints":[1,2.0]}`},
	{name: "list of objects with a scalar item",
		record: `{"items":[{"id":"1"},"x"]}`, resid: `{"items":[{"id":"1"},"x"]}`},
	{name: "list of date-times in two layouts",
		record: `{"stamps":["2024-05-01T09:30:00.000Z","2024-05-01T09:30:00Z"]}`, resid: `{"stamps":["2024-05-01T09:30:00.000Z","2024-05-01T09:30:00Z"]}`},
	{name: "nested lists",
		record: `{"nested":[[1,null],null,[]]}`},
	{name: "nested list with an inexact item",
		record: `{"nested":[[1.0]]}`, resid: `{"nested":[[1.0]]}`},
	{name: "escapes in strings",
		record: `{"s":"caf\u00e9 \"q\" \\ \n \/ \u2028 \t \u0001"}`, typed: map[string]any{"s": "café \"q\" \\ \n / \u2028 \t \x01"}},
	{name: "escaped lone surrogate",
		record: `{"s":"\ud800x"}`, resid: `{"s":"\ud800x"}`, typed: map[string]any{"s": "\ufffdx"}},
	{name: "escaped surrogate pair",
		record: `{"s":"\ud83d\ude00"}`, typed: map[string]any{"s": "😀"}},
	{name: "keys with escapes",
		record: `{"\u0073":"x","k\"q":1}`, resid: `{"k\"q":1}`, typed: map[string]any{"s": "x"}},
	{name: "repeated keys: the last wins",
		record: `{"s":"first","s":"second","x":1,"x":2}`, resid: `{"x":1,"x":2}`, typed: map[string]any{"s": "second"}},
	{name: "unions and untyped values as JSON",
		record: `{"any":{"a":[1,{"b":null}]},"multi":7,"loose":[1,"a",null]}`, typed: map[string]any{"any": `{"a":[1,{"b":null}]}`, "multi": "7", "loose": `[1,"a",null]`}},
	{name: "whitespace and newlines",
		record: "{\n  \"s\" : \"x\",\n  \"obj\" : { \"a\" : \"y\" , \"zz\" : [ 1 , 2 ] }\n}", typed: map[string]any{"s": "x"}},
}

// TestRoundTripEdgeCases writes records that typed columns cannot hold as
// they are and checks each reads back as the same JSON value, with the
// values where the package documentation says.
func TestRoundTripEdgeCases(t *testing.T) {
	schema, err := os.ReadFile(filepath.Join("testdata", "edge_schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]json.RawMessage, len(edgeCases))
	for i, tc := range edgeCases {
		recs[i] = json.RawMessage(tc.record)
	}
	l, err := compileLayout("edge", schema)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	e, err := newEncoder(&buf, l, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if err := e.Write(r, metaFor(i)); err != nil {
			t.Fatalf("%s: %v", edgeCases[i].name, err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	out := decodeAll(t, buf.Bytes())
	tbl := readTable(t, buf.Bytes())
	if len(out) != len(edgeCases) {
		t.Fatalf("read %d records, wrote %d", len(out), len(edgeCases))
	}
	for i, tc := range edgeCases {
		t.Run(tc.name, func(t *testing.T) {
			if !sameJSON(t, out[i].Data, recs[i]) {
				t.Errorf("read back\n  %s\nwrote\n  %s", out[i].Data, recs[i])
			}
			if got := cell(t, tbl, AdditionalPropertiesColumn, i); got != nilOr(tc.resid) {
				t.Errorf("%s = %v, want %v", AdditionalPropertiesColumn, got, nilOr(tc.resid))
			}
			if got := cell(t, tbl, NullFieldsColumn, i); !reflect.DeepEqual(got, nullsOr(tc.nulls)) {
				t.Errorf("%s = %v, want %v", NullFieldsColumn, got, nullsOr(tc.nulls))
			}
			for col, want := range tc.typed {
				if got := cell(t, tbl, col, i); !reflect.DeepEqual(got, want) {
					t.Errorf("column %s = %#v, want %#v", col, got, want)
				}
			}
		})
	}
}

func nilOr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullsOr(s []string) any {
	if len(s) == 0 {
		return nil
	}
	return s
}

// readTable reads a Parquet object with arrow's own reader, independently
// of the Decoder.
func readTable(tb testing.TB, data []byte) arrow.Table {
	tb.Helper()
	tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(data), nil, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(tbl.Release)
	return tbl
}

// cell returns a top-level cell as a Go value: nil for null, string,
// int64 (timestamps as epoch milliseconds), float64, bool, []string for a
// list of strings, or the arrow text of other nested values.
func cell(tb testing.TB, tbl arrow.Table, col string, row int) any {
	tb.Helper()
	idx := tbl.Schema().FieldIndices(col)
	if len(idx) != 1 {
		tb.Fatalf("no column %s", col)
	}
	chunks := tbl.Column(idx[0]).Data().Chunks()
	for _, a := range chunks {
		if row >= a.Len() {
			row -= a.Len()
			continue
		}
		if a.IsNull(row) {
			return nil
		}
		switch a := a.(type) {
		case *array.String:
			return a.Value(row)
		case *array.Int64:
			return a.Value(row)
		case *array.Timestamp:
			return int64(a.Value(row))
		case *array.Float64:
			return a.Value(row)
		case *array.Boolean:
			return a.Value(row)
		case *array.List:
			if vs, ok := a.ListValues().(*array.String); ok {
				start, end := a.ValueOffsets(row)
				out := []string{}
				for j := start; j < end; j++ {
					out = append(out, vs.Value(int(j)))
				}
				return out
			}
		}
		return a.ValueStr(row)
	}
	tb.Fatalf("column %s has no row %d", col, row)
	return nil
}

// TestEncoderRejectsBadRecords: a record that is not a UTF-8 JSON object
// is refused with a reason, and the object goes on without it.
func TestEncoderRejectsBadRecords(t *testing.T) {
	var buf bytes.Buffer
	e, err := NewEncoder(&buf, "users", Options{})
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct{ name, record, want string }{
		{"not JSON", `{"id":`, "encoding a users record"},
		{"empty", ``, "encoding a users record"},
		{"an array", `[{"id":"1"}]`, "not a JSON object"},
		{"a string", `"x"`, "not a JSON object"},
		{"invalid UTF-8", "{\"id\":\"\xff\"}", "not valid UTF-8"},
	}
	if err := e.Write(json.RawMessage(`{"id":"00u1"}`), metaFor(0)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range bad {
		if err := e.Write(json.RawMessage(tc.record), metaFor(9)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Write = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	if err := e.Write(json.RawMessage(`{"id":"00u2"}`), metaFor(1)); err != nil {
		t.Fatalf("Write after rejected records: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	out := decodeAll(t, buf.Bytes())
	if len(out) != 2 || string(out[0].Data) != `{"id":"00u1"}` || string(out[1].Data) != `{"id":"00u2"}` {
		t.Errorf("read back %v, want the two good records", out)
	}
	if e.Records() != 2 {
		t.Errorf("Records() = %d, want 2", e.Records())
	}
	if err := e.Write(json.RawMessage(`{"id":"00u3"}`), metaFor(2)); err == nil {
		t.Error("Write after Close succeeded")
	}
}
