package main

import (
	"path/filepath"
	"strings"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/tables"
	"github.com/urfave/cli/v2"
)

// ddlFlags are `streams --ddl`'s.
func ddlFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "ddl", Usage: "print the CREATE statements of every stream's table for athena, trino or duckdb"},
		&cli.StringFlag{Name: "format", EnvVars: []string{"OKTALAKE_FORMAT"}, Value: "jsonl", Usage: "with --ddl: the objects' format, jsonl or parquet"},
		&cli.StringFlag{Name: "bucket", EnvVars: []string{"OKTALAKE_BUCKET"}, Value: "./lake", Usage: "with --ddl: s3://bucket[/prefix], file:///dir or a directory (duckdb only)"},
		&cli.StringFlag{Name: "prefix", EnvVars: []string{"OKTALAKE_PREFIX"}, Usage: "with --ddl: key prefix (default: the bucket URL's path, else \"data\")"},
		&cli.StringFlag{Name: "namespace", EnvVars: []string{"OKTALAKE_NAMESPACE"}, Value: "okta", Usage: "with --ddl: Airbyte destination namespace"},
		&cli.StringFlag{Name: "database", Usage: "with --ddl: the database (Athena) or schema (Trino, DuckDB) of the tables (default: the namespace)"},
	}
}

// printDDL prints `streams --ddl`: the tables over the bucket's streams,
// which it names but does not open.
func printDDL(c *cli.Context) error {
	raw := c.String("bucket")
	var root, urlPrefix string
	switch {
	case strings.HasPrefix(raw, "s3://"):
		rest := strings.TrimPrefix(raw, "s3://")
		bucket, path, _ := strings.Cut(rest, "/")
		if bucket == "" || strings.ContainsAny(bucket, "@?#") {
			return usagef("--bucket %s: want s3://bucket[/prefix]", lake.RedactBucketURL(raw))
		}
		root, urlPrefix = "s3://"+bucket, path
	case strings.Contains(raw, "://") && !strings.HasPrefix(raw, "file://"):
		return usagef("--bucket %s: want s3://bucket[/prefix], file:///dir or a directory", lake.RedactBucketURL(raw))
	default:
		abs, err := filepath.Abs(strings.TrimPrefix(raw, "file://"))
		if err != nil {
			return usagef("--bucket: %v", err)
		}
		root = filepath.ToSlash(abs)
	}
	cfg := tables.Config{
		Engine: tables.Engine(c.String("ddl")), Format: tables.Format(c.String("format")), Root: root,
		Prefix: bucketPrefix(c, urlPrefix), Namespace: c.String("namespace"), Schema: c.String("database"),
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return usagef("--ddl: %v", err)
	}
	return tables.Write(c.App.Writer, cfg)
}
