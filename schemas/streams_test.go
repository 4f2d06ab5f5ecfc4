package schemas

import (
	"encoding/json"
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/streams"
)

// catalogNames are every stream with a schema: the extracted ones and the
// live ones serve writes.
func catalogNames() []string {
	names := streams.Names()
	for _, s := range streams.Live() {
		names = append(names, s.Name)
	}
	return names
}

func TestStreamSchemas(t *testing.T) {
	for _, name := range catalogNames() {
		t.Run(name, func(t *testing.T) {
			s, ok := streams.Lookup(name)
			if !ok {
				t.Fatalf("streams.Lookup(%q) failed", name)
			}
			b, err := StreamSchema(name)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Schema               string                     `json:"$schema"`
				Type                 any                        `json:"type"`
				AdditionalProperties any                        `json:"additionalProperties"`
				Properties           map[string]json.RawMessage `json:"properties"`
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatalf("schema is not valid JSON: %v", err)
			}
			if doc.Schema != "http://json-schema.org/draft-07/schema#" {
				t.Errorf("$schema = %q, want draft-07", doc.Schema)
			}
			if doc.Type != "object" {
				t.Errorf("root type = %v, want object", doc.Type)
			}
			if doc.AdditionalProperties != true {
				t.Errorf("root additionalProperties = %v, want true", doc.AdditionalProperties)
			}
			want := append([]string{}, s.PrimaryKey...)
			if s.Cursor != "" {
				want = append(want, s.Cursor)
			}
			if s.ParentIDField != "" {
				want = append(want, s.ParentIDField)
			}
			for _, f := range want {
				if _, ok := doc.Properties[f]; !ok {
					t.Errorf("properties lack %q (primary key, cursor or parent id)", f)
				}
			}
			// Every record Okta returns (plus our parent id) must validate.
			sch := compileJSONSchema(t, "stream_"+name, b)
			for i, rec := range loadRecords(t, name) {
				if err := sch.Validate(rec); err != nil {
					t.Errorf("record %d does not validate: %v", i, err)
				}
			}
		})
	}
}

// TestStreamSchemasRejectWrongTypes proves the schemas constrain something:
// permissive as they are, a record whose fields have the wrong JSON type fails.
func TestStreamSchemasRejectWrongTypes(t *testing.T) {
	tests := []struct {
		stream string
		record string
	}{
		{"users", `{"id": 42}`},
		{"users", `{"profile": "ada"}`},
		{"groups", `{"objectClass": "okta:user_group"}`},
		{"group_members", `{"groupId": ["00g1"]}`},
		{"logs", `{"published": "yesterday"}`},
		{"logs", `{"target": {"id": "00u1"}}`},
		{"permissions", `{"roleId": 7}`},
	}
	for _, tt := range tests {
		t.Run(tt.stream, func(t *testing.T) {
			b, err := StreamSchema(tt.stream)
			if err != nil {
				t.Fatal(err)
			}
			var rec any
			if err := json.Unmarshal([]byte(tt.record), &rec); err != nil {
				t.Fatal(err)
			}
			if err := compileJSONSchema(t, "stream_"+tt.stream, b).Validate(rec); err == nil {
				t.Errorf("record %s validated, want an error", tt.record)
			}
		})
	}
}

func TestNoStrayStreamSchemas(t *testing.T) {
	names, err := fs.Glob(files, "streams/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != len(catalogNames()) {
		t.Errorf("%d stream schemas shipped, catalog has %d streams", len(names), len(catalogNames()))
	}
	for _, n := range names {
		stream := strings.TrimSuffix(path.Base(n), ".json")
		if _, ok := streams.Lookup(stream); !ok {
			t.Errorf("%s is not the schema of a catalog stream", n)
		}
	}
}

func TestStreamSchemaUnknown(t *testing.T) {
	if _, err := StreamSchema("no_such_stream"); err == nil {
		t.Error("StreamSchema(no_such_stream) succeeded, want an error")
	}
}
