package parquetfmt

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/oktalake/oktalake/streams"
)

// TestLayoutGolden compares each stream's column layout, one line per
// column, with testdata/schemas/<stream>.txt (go test -update rewrites
// them): a change in a JSON schema or in the derivation shows in review.
func TestLayoutGolden(t *testing.T) {
	for _, stream := range streams.Names() {
		t.Run(stream, func(t *testing.T) {
			l, err := streamLayout(stream)
			if err != nil {
				t.Fatal(err)
			}
			got := l.describe()
			path := filepath.Join("testdata", "schemas", stream+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading golden file (go test -update creates it): %v", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the derived layout (go test -update, then review the diff):\n%s", path, firstDiff(string(want), got))
			}
		})
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  want %s\n  got  %s", i+1, w, g)
		}
	}
	return ""
}

// TestLayoutTypes checks the columns the issue names, by path: Okta's
// date-times as timestamp[ms, UTC], integers and booleans typed, objects as
// structs, arrays as lists, and what a schema cannot type as JSON text.
func TestLayoutTypes(t *testing.T) {
	tests := []struct {
		stream, path string
		want         string // the describe() line after the path
	}{
		{"users", "_airbyte_raw_id", "utf8"},
		{"users", "_airbyte_extracted_at", "timestamp[ms, tz=UTC]"},
		{"users", "_airbyte_generation_id", "int64"},
		{"users", "_airbyte_meta.sync_id", "int64"},
		{"users", "_airbyte_meta.changes[].reason", "utf8"},
		{"users", "created", "timestamp[ms, tz=UTC]"},
		{"users", "lastUpdated", "timestamp[ms, tz=UTC]"},
		{"users", "status", "utf8"},
		{"users", "profile", "struct"},
		{"users", "profile.login", "utf8"},
		{"users", "profile._airbyte_additional_properties", "utf8 (JSON)"},
		{"users", "credentials.password.hash.iterationCount", "int64"},
		{"users", "_links.self.templated", "bool"},
		{"users", "_embedded", "utf8 (JSON)"},
		{"users", "_airbyte_additional_properties", "utf8 (JSON)"},
		{"users", "_oktalake_null_fields", "list"},
		{"users", "_oktalake_null_fields[]", "utf8"},
		{"groups", "objectClass", "list"},
		{"groups", "objectClass[]", "utf8"},
		{"logs", "published", "timestamp[ms, tz=UTC]"},
		{"logs", "securityContext.asNumber", "int64"},
		{"logs", "securityContext.isProxy", "bool"},
		{"logs", "client.geographicalContext.geolocation.lat", "float64"},
		{"logs", "debugContext.debugData", "utf8 (JSON)"},
		{"logs", "target", "list"},
		{"logs", "target[].detailEntry", "utf8 (JSON)"},
		{"logs", "target[].id", "utf8"},
	}
	layouts := map[string]map[string]string{}
	for _, tc := range tests {
		cols, ok := layouts[tc.stream]
		if !ok {
			l, err := streamLayout(tc.stream)
			if err != nil {
				t.Fatal(err)
			}
			cols = map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(l.describe()), "\n")[1:] {
				path, typ, _ := strings.Cut(line, " ")
				cols[path] = typ
			}
			layouts[tc.stream] = cols
		}
		if got, ok := cols[tc.path]; !ok {
			t.Errorf("%s: no column %s", tc.stream, tc.path)
		} else if got != tc.want {
			t.Errorf("%s: %s is %s, want %s", tc.stream, tc.path, got, tc.want)
		}
	}
}

// TestSchemaIsTheEncodersSchema checks that Schema gives the Arrow schema
// objects are written with, named and versioned in its metadata.
func TestSchemaIsTheEncodersSchema(t *testing.T) {
	s, err := Schema("logs")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Metadata().GetValue(metaStream); v != "logs" {
		t.Errorf("schema metadata %s = %q, want logs", metaStream, v)
	}
	if v, _ := s.Metadata().GetValue(metaLayout); v != layoutV1 {
		t.Errorf("schema metadata %s = %q, want %s", metaLayout, v, layoutV1)
	}
	f, ok := s.FieldsByName("published")
	if !ok || !arrow.TypeEqual(f[0].Type, timestampMS) {
		t.Errorf("published is %v, want %v", f, timestampMS)
	}
	if _, err := Schema("no_such_stream"); err == nil || !strings.Contains(err.Error(), "no_such_stream") {
		t.Errorf("Schema(no_such_stream) = %v, want an error naming the stream", err)
	}
}

// TestCompileLayoutRejectsReservedNames: a property named like a column of
// the layout would be ambiguous, so deriving the layout fails and says which.
func TestCompileLayoutRejectsReservedNames(t *testing.T) {
	tests := []struct{ name, schema, want string }{
		{"envelope column", `{"type":"object","properties":{"_airbyte_raw_id":{"type":"string"}}}`, `property "_airbyte_raw_id" collides`},
		{"null list", `{"type":"object","properties":{"_oktalake_null_fields":{"type":"string"}}}`, `property "_oktalake_null_fields" collides`},
		{"nested additional properties", `{"type":"object","properties":{"a":{"type":"object","properties":{"_airbyte_additional_properties":{"type":"string"}}}}}`, "/a/_airbyte_additional_properties"},
		{"root not an object", `{"type":"array","items":{"type":"string"}}`, "root is not an object"},
		{"not JSON", `{"type":`, "decoding the JSON schema of stream s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compileLayout("s", []byte(tc.schema))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("compileLayout = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestOptions checks defaults, Airbyte's codec names and the errors that
// name a bad field.
func TestOptions(t *testing.T) {
	var o Options
	o.SetDefaults()
	if o.Compression != Snappy || o.RowGroupSize != DefaultRowGroupSize || o.PageSize != DefaultPageSize || o.DictionaryPageSize != DefaultDictionaryPageSize || o.DisableDictionary {
		t.Errorf("defaults = %+v", o)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
	for in, want := range map[string]Compression{"SNAPPY": Snappy, "zstd": Zstd, " Gzip ": Gzip, "UNCOMPRESSED": Uncompressed} {
		if got, err := ParseCompression(in); err != nil || got != want {
			t.Errorf("ParseCompression(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseCompression("lzo"); err == nil || !strings.Contains(err.Error(), `"lzo"`) {
		t.Errorf("ParseCompression(lzo) = %v, want an error naming it", err)
	}
	bad := []struct {
		o    Options
		want string
	}{
		{Options{Compression: "brotli"}, `Compression "brotli"`},
		{Options{RowGroupSize: -1}, "RowGroupSize -1"},
		{Options{PageSize: -5}, "PageSize -5"},
		{Options{DictionaryPageSize: -2}, "DictionaryPageSize -2"},
	}
	for _, tc := range bad {
		tc.o.SetDefaults()
		if err := tc.o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an error containing %q", tc.o, err, tc.want)
		}
	}
}
