package tables

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// dialect spells types and names for one engine.
type dialect struct {
	ident func(string) string
	// strType, tsType, ... are the scalar types; jsonType holds JSON text.
	strType, jsonType, tsType, intType, floatType, boolType string
	// structOf and listOf compose types.
	structOf func(fields []string) string
	field    func(name, typ string) string
	listOf   func(elem string) string
}

// typeOf spells the type of f; json says f (or the list f is an item of)
// holds JSON text.
func (d dialect) typeOf(t arrow.DataType, json bool) string {
	switch t := t.(type) {
	case *arrow.StringType:
		if json {
			return d.jsonType
		}
		return d.strType
	case *arrow.TimestampType:
		return d.tsType
	case *arrow.Int64Type:
		return d.intType
	case *arrow.Float64Type:
		return d.floatType
	case *arrow.BooleanType:
		return d.boolType
	case *arrow.StructType:
		var fs []string
		for _, c := range t.Fields() {
			fs = append(fs, d.field(c.Name, d.typeOf(c.Type, isJSON(c))))
		}
		return d.structOf(fs)
	case *arrow.ListType:
		return d.listOf(d.typeOf(t.Elem(), json))
	}
	panic(fmt.Sprintf("tables: no type for %s", t))
}

// hive is Athena's Hive DDL. In JSONL a date-time is the string Okta
// wrote (OpenX's JSON SerDe reads no ISO 8601 instant with a zone
// reliably): from_iso8601_timestamp(created) types it in a query.
func hive(jsonl bool) dialect {
	d := dialect{
		ident: athenaIdent, strType: "string", jsonType: "string", tsType: "timestamp",
		intType: "bigint", floatType: "double", boolType: "boolean",
		structOf: func(fs []string) string { return "struct<" + strings.Join(fs, ",") + ">" },
		field:    func(n, t string) string { return athenaIdent(n) + ":" + t },
		listOf:   func(e string) string { return "array<" + e + ">" },
	}
	if jsonl {
		d.tsType = "string"
	}
	return d
}

// trino is Trino's Hive connector. In JSONL a date-time is varchar, as in
// Athena (from_iso8601_timestamp types it).
func trino(jsonl bool) dialect {
	d := dialect{
		ident: trinoIdent, strType: "varchar", jsonType: "varchar", tsType: "timestamp(3)",
		intType: "bigint", floatType: "double", boolType: "boolean",
		structOf: func(fs []string) string { return "row(" + strings.Join(fs, ", ") + ")" },
		field:    func(n, t string) string { return trinoIdent(n) + " " + t },
		listOf:   func(e string) string { return "array(" + e + ")" },
	}
	if jsonl {
		d.tsType = "varchar"
	}
	return d
}

// duck is DuckDB's types, for read_json's columns.
var duck = dialect{
	ident: duckIdent, strType: "VARCHAR", jsonType: "JSON", tsType: "TIMESTAMPTZ",
	intType: "BIGINT", floatType: "DOUBLE", boolType: "BOOLEAN",
	structOf: func(fs []string) string { return "STRUCT(" + strings.Join(fs, ", ") + ")" },
	field:    func(n, t string) string { return duckIdent(n) + " " + t },
	listOf:   func(e string) string { return e + "[]" },
}

func athenaIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
func trinoIdent(s string) string  { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func duckIdent(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func sqlString(s string) string   { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// columns spells the table's columns: every column of the Parquet layout,
// or for JSONL the V2 envelope's, with the record as _airbyte_data.
func columns(d dialect, cfg Config, sc *arrow.Schema) []string {
	var out []string
	if cfg.Format == Parquet {
		for _, f := range sc.Fields() {
			out = append(out, d.ident(f.Name)+" "+d.typeOf(f.Type, isJSON(f)))
		}
		return out
	}
	for i, f := range sc.Fields()[:envelopeColumns] {
		t := d.typeOf(f.Type, isJSON(f))
		if i == 1 { // _airbyte_extracted_at: epoch milliseconds in JSONL
			t = d.intType
		}
		out = append(out, d.ident(f.Name)+" "+t)
	}
	var data []arrow.Field
	for _, f := range recordFields(sc) {
		f.Type = withoutResidue(f.Type)
		data = append(data, f)
	}
	out = append(out, d.ident("_airbyte_data")+" "+d.typeOf(arrow.StructOf(data...), false))
	return out
}

// comment says what the table holds, and how deletes read.
func comment(st streams.Stream) string {
	c := "-- " + st.Name + ": " + st.Description
	if !st.AppendOnly {
		c += "; a row whose " + lake.TombstoneField + " is set is a tombstone (the record with its key was deleted then)"
	}
	return c + "\n"
}

func writeAthena(b *strings.Builder, cfg Config, st streams.Stream, sc *arrow.Schema) {
	d := hive(cfg.Format == JSONL)
	loc := cfg.location(st.Name)
	b.WriteString(comment(st))
	fmt.Fprintf(b, "CREATE EXTERNAL TABLE IF NOT EXISTS %s.%s (\n  %s\n)\n", athenaIdent(cfg.Schema), athenaIdent(st.Name), strings.Join(columns(d, cfg, sc), ",\n  "))
	b.WriteString("PARTITIONED BY (`year` string, `month` string)\n")
	if cfg.Format == Parquet {
		b.WriteString("STORED AS PARQUET\n")
	} else {
		b.WriteString("ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\nWITH SERDEPROPERTIES ('ignore.malformed.json' = 'FALSE')\nSTORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n")
	}
	fmt.Fprintf(b, "LOCATION %s\n", sqlString(loc))
	// Partition projection: Athena computes the partitions from these
	// rules instead of a catalog, so new months need no MSCK REPAIR TABLE.
	fmt.Fprintf(b, "TBLPROPERTIES (\n  'projection.enabled' = 'true',\n  'projection.year.type' = 'integer',\n  'projection.year.range' = '2000,2100',\n"+
		"  'projection.month.type' = 'integer',\n  'projection.month.range' = '1,12',\n  'projection.month.digits' = '2',\n"+
		"  'storage.location.template' = %s\n);\n", sqlString(loc+"year=${year}/month=${month}/"))
}

func writeTrino(b *strings.Builder, cfg Config, st streams.Stream, sc *arrow.Schema) {
	d := trino(cfg.Format == JSONL)
	cols := append(columns(d, cfg, sc), `"year" varchar`, `"month" varchar`)
	format := "JSON"
	if cfg.Format == Parquet {
		format = "PARQUET"
	}
	b.WriteString(comment(st))
	fmt.Fprintf(b, "CREATE TABLE IF NOT EXISTS %s.%s.%s (\n  %s\n)\nWITH (\n  external_location = %s,\n  format = '%s',\n  partitioned_by = ARRAY['year', 'month']\n);\n",
		trinoIdent(cfg.Catalog), trinoIdent(cfg.Schema), trinoIdent(st.Name), strings.Join(cols, ",\n  "), sqlString(cfg.location(st.Name)), format)
	fmt.Fprintf(b, "CALL %s.system.sync_partition_metadata(%s, %s, 'FULL');\n", trinoIdent(cfg.Catalog), sqlString(cfg.Schema), sqlString(st.Name))
}

func writeDuckDB(b *strings.Builder, cfg Config, st streams.Stream, sc *arrow.Schema) {
	view := duckIdent(cfg.Schema) + "." + duckIdent(st.Name)
	b.WriteString(comment(st))
	if cfg.Format == Parquet {
		glob := cfg.location(st.Name) + "year=*/month=*/*.parquet"
		fmt.Fprintf(b, "CREATE OR REPLACE VIEW %s AS\nSELECT * FROM read_parquet(%s, hive_partitioning = true, union_by_name = true);\n", view, sqlString(glob))
		return
	}
	glob := cfg.location(st.Name) + "year=*/month=*/*.jsonl.gz"
	cols := columns(duck, cfg, sc)
	for i, c := range cols {
		name, typ, _ := strings.Cut(c, " ")
		cols[i] = name + ": " + sqlString(typ)
	}
	// The record's members become columns (unnest of the struct); the
	// extraction time, epoch milliseconds in JSONL, a timestamp as in Parquet.
	fmt.Fprintf(b, "CREATE OR REPLACE VIEW %s AS\nSELECT _airbyte_raw_id, to_timestamp(_airbyte_extracted_at / 1000) AS _airbyte_extracted_at, _airbyte_generation_id, _airbyte_meta, unnest(_airbyte_data), \"year\", \"month\"\n"+
		"FROM read_json(%s, format = 'newline_delimited', hive_partitioning = true, columns = {\n  %s\n});\n", view, sqlString(glob), strings.Join(cols, ",\n  "))
}
