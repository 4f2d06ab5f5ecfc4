package schemas

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oktalake/oktalake/streams"
)

// portSpec is Port's OpenAPI document, kept in the repository for tests.
const portSpec = "../testdata/specs/port-api.yaml"

func loadPortSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(portSpec)
	if err != nil {
		t.Fatalf("loading Port's API spec: %v", err)
	}
	return doc
}

func requestSchema(t *testing.T, doc *openapi3.T, path string) *openapi3.Schema {
	t.Helper()
	item := doc.Paths.Find(path)
	if item == nil || item.Post == nil || item.Post.RequestBody == nil {
		t.Fatalf("Port's spec has no POST %s body", path)
	}
	return item.Post.RequestBody.Value.Content.Get("application/json").Schema.Value
}

// TestBlueprintsMatchPortAPI validates each shipped blueprint as the body of
// Port's create-blueprint request. Go's regexp cannot compile Port's
// identifier patterns, so patterns are checked by our own tests instead.
func TestBlueprintsMatchPortAPI(t *testing.T) {
	doc := loadPortSpec(t)
	create := requestSchema(t, doc, "/v1/blueprints")
	raw, err := PortBlueprints()
	if err != nil {
		t.Fatal(err)
	}
	for id, b := range raw {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		if err := create.VisitJSON(v, openapi3.DisablePatternValidation(), openapi3.MultiErrors()); err != nil {
			t.Errorf("blueprint %s is not a valid create-blueprint body: %v", id, err)
		}
	}
	// The check has teeth: a property type Port does not know is refused.
	var bad any
	if err := json.Unmarshal([]byte(`{"identifier":"x","title":"X","schema":{"properties":{"a":{"type":"integer"}}}}`), &bad); err != nil {
		t.Fatal(err)
	}
	if create.VisitJSON(bad, openapi3.DisablePatternValidation()) == nil {
		t.Error("a blueprint with an integer property validated")
	}
}

// TestMappedEntitiesMatchPortAPI validates the default mapping's entities,
// stream by stream, as the body of Port's bulk upsert.
func TestMappedEntitiesMatchPortAPI(t *testing.T) {
	doc := loadPortSpec(t)
	bulk := requestSchema(t, doc, "/v1/blueprints/{blueprint_identifier}/entities/bulk")
	entries := loadDefaultMapping(t)
	for _, name := range streams.Names() {
		var ents []any
		for _, rec := range loadRecords(t, name) {
			for _, e := range entries {
				ent, ok, err := mapRecord(e, portEvent(name, rec))
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					continue
				}
				// Round-trip so the validator sees plain JSON values.
				b, err := json.Marshal(map[string]any{
					"identifier": ent.Identifier, "title": ent.Title,
					"properties": ent.Properties, "relations": ent.Relations,
				})
				if err != nil {
					t.Fatal(err)
				}
				var v any
				if err := json.Unmarshal(b, &v); err != nil {
					t.Fatal(err)
				}
				if m := v.(map[string]any); m["relations"] == nil {
					delete(m, "relations")
				}
				ents = append(ents, v)
			}
		}
		body := map[string]any{"entities": ents}
		if err := bulk.VisitJSON(body, openapi3.DisablePatternValidation(), openapi3.MultiErrors()); err != nil {
			t.Errorf("%s: entities are not a valid bulk upsert body: %v", name, err)
		}
	}
}
