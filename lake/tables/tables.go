// Package tables prints the statements that make a lake's streams tables
// of query engines (Athena, Trino, DuckDB): one table or view per stream
// over its objects, typed from the stream's Parquet layout (package
// parquetfmt, itself derived from the JSON schemas), with the year/month
// partitions of the default path format.
package tables

import (
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/parquetfmt"
	"github.com/oktalake/oktalake/streams"
)

// Engine is a query engine whose dialect Write speaks.
type Engine string

// The engines.
const (
	// Athena: CREATE EXTERNAL TABLE (Hive DDL) with partition projection,
	// so that new year/month partitions need no MSCK REPAIR.
	Athena Engine = "athena"
	// Trino: CREATE TABLE in the Hive connector over external_location,
	// then sync_partition_metadata.
	Trino Engine = "trino"
	// DuckDB: CREATE VIEW over read_parquet or read_json, hive partitions.
	DuckDB Engine = "duckdb"
)

// Format is the objects' format, as extract's --format names it.
type Format string

// The formats.
const (
	JSONL   Format = "jsonl"
	Parquet Format = "parquet"
)

// Config says what to print.
type Config struct {
	// Engine is the dialect; required.
	Engine Engine
	// Format is the objects' format; default JSONL (the V2 envelope).
	Format Format
	// Root is where the bucket's keys start: "s3://bucket" or a local
	// directory (absolute, for DuckDB).
	Root string
	// Prefix and Namespace start the streams' keys (default "data" and
	// "okta"): a stream's objects are under Root/Prefix/Namespace/<stream>/.
	Prefix, Namespace string
	// Schema is the database (Athena) or schema (Trino, DuckDB) the tables
	// are made in; default the namespace. Trino's catalog is Catalog,
	// default "hive".
	Schema, Catalog string
	// Streams are the streams to print; default every stream.
	Streams []streams.Stream
}

// SetDefaults fills in unset fields.
func (c *Config) SetDefaults() {
	if c.Format == "" {
		c.Format = JSONL
	}
	if c.Prefix == "" {
		c.Prefix = lake.DefaultPrefix
	}
	if c.Namespace == "" {
		c.Namespace = lake.DefaultNamespace
	}
	if c.Schema == "" {
		c.Schema = c.Namespace
	}
	if c.Catalog == "" {
		c.Catalog = "hive"
	}
	if len(c.Streams) == 0 {
		c.Streams = streams.All()
	}
}

// Validate reports the first invalid field.
func (c *Config) Validate() error {
	switch {
	case c.Engine != Athena && c.Engine != Trino && c.Engine != DuckDB:
		return fmt.Errorf("validating table config: Engine %q is not athena, trino or duckdb", string(c.Engine))
	case c.Format != JSONL && c.Format != Parquet:
		return fmt.Errorf("validating table config: Format %q is not jsonl or parquet", string(c.Format))
	case c.Root == "":
		return fmt.Errorf("validating table config: Root is required")
	case c.Engine != DuckDB && !strings.HasPrefix(c.Root, "s3://"):
		return fmt.Errorf("validating table config: Root %q: %s reads S3 locations (s3://bucket)", c.Root, c.Engine)
	}
	return nil
}

// Write prints the statements for every stream of cfg, each ending in ";".
func Write(w io.Writer, cfg Config) error {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- oktalake: a %s table per stream over the %s objects under %s\n", cfg.Engine, cfg.Format, cfg.location(""))
	switch cfg.Engine {
	case Athena:
		fmt.Fprintf(&b, "CREATE DATABASE IF NOT EXISTS %s;\n", athenaIdent(cfg.Schema))
	case Trino:
		fmt.Fprintf(&b, "CREATE SCHEMA IF NOT EXISTS %s.%s;\n", trinoIdent(cfg.Catalog), trinoIdent(cfg.Schema))
	case DuckDB:
		if strings.HasPrefix(cfg.Root, "s3://") {
			b.WriteString("INSTALL httpfs;\nLOAD httpfs;\n")
		}
		fmt.Fprintf(&b, "CREATE SCHEMA IF NOT EXISTS %s;\n", duckIdent(cfg.Schema))
	}
	for _, st := range cfg.Streams {
		sc, err := parquetfmt.Schema(st.Name)
		if err != nil {
			return fmt.Errorf("printing the table of %s: %w", st.Name, err)
		}
		b.WriteString("\n")
		switch cfg.Engine {
		case Athena:
			writeAthena(&b, cfg, st, sc)
		case Trino:
			writeTrino(&b, cfg, st, sc)
		case DuckDB:
			writeDuckDB(&b, cfg, st, sc)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// location is where a stream's objects are ("" for the namespace), with a
// trailing slash.
func (c Config) location(stream string) string {
	parts := []string{strings.TrimSuffix(c.Root, "/")}
	for _, p := range []string{c.Prefix, c.Namespace, stream} {
		if p = strings.Trim(p, "/"); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/") + "/"
}

// envelopeColumns are the Airbyte columns the V2 JSONL envelope holds
// beside _airbyte_data (in the Parquet layout they are the first four).
const envelopeColumns = 4

// recordFields are the record's typed members in the Parquet layout:
// what a JSONL reader declares inside _airbyte_data (the additional
// properties and the null list exist only in Parquet).
func recordFields(sc *arrow.Schema) []arrow.Field {
	var out []arrow.Field
	for _, f := range sc.Fields()[envelopeColumns:] {
		if f.Name == parquetfmt.AdditionalPropertiesColumn || f.Name == parquetfmt.NullFieldsColumn {
			continue
		}
		out = append(out, f)
	}
	return out
}

// isJSON reports whether a string field holds JSON text.
func isJSON(f arrow.Field) bool {
	v, ok := f.Metadata.GetValue("oktalake.encoding")
	return ok && v == "json"
}

// withoutResidue drops the additional-properties children of structs,
// which JSONL readers have no use for.
func withoutResidue(t arrow.DataType) arrow.DataType {
	switch t := t.(type) {
	case *arrow.StructType:
		var fs []arrow.Field
		for _, f := range t.Fields() {
			if f.Name == parquetfmt.AdditionalPropertiesColumn {
				continue
			}
			f.Type = withoutResidue(f.Type)
			fs = append(fs, f)
		}
		return arrow.StructOf(fs...)
	case *arrow.ListType:
		elem := t.ElemField()
		elem.Type = withoutResidue(elem.Type)
		return arrow.ListOfField(elem)
	}
	return t
}
