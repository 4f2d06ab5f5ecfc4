package schemas

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"testing"
)

// seedBlueprintIDs are the blueprints Port's guide (seed 003) publishes; we
// ship them verbatim apart from added optional relations.
var seedBlueprintIDs = []string{"okta_user", "okta_role_assignment", "okta_event", "okta_role", "okta_permission"}

// relaxedSeedRelations are the seed relations we ship with "required"
// false and nothing else changed: an event outlives its actor in Okta, and
// a required relation would make Port refuse to delete the actor.
var relaxedSeedRelations = []struct{ blueprint, relation string }{
	{"okta_event", "OktaUser"},
}

// seedJSONBlocks returns the ```json blocks of Port's Okta/Airbyte guide,
// kept verbatim under testdata.
func seedJSONBlocks(t *testing.T) []json.RawMessage {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("testdata", "port_seed_003.md"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)```json showLineNumbers\n(.*?)\n```")
	var out []json.RawMessage
	for _, m := range re.FindAllSubmatch(text, -1) {
		if !json.Valid(m[1]) {
			t.Fatalf("seed block is not valid JSON:\n%s", m[1])
		}
		out = append(out, json.RawMessage(m[1]))
	}
	return out
}

func seedBlueprints(t *testing.T) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, b := range seedJSONBlocks(t) {
		var obj map[string]any
		if json.Unmarshal(b, &obj) != nil {
			continue // the mapping is an array
		}
		if id, _ := obj["identifier"].(string); slices.Contains(seedBlueprintIDs, id) {
			out[id] = obj
		}
	}
	if len(out) != len(seedBlueprintIDs) {
		t.Fatalf("found %d seed blueprints in the guide, want %d", len(out), len(seedBlueprintIDs))
	}
	return out
}

func relaxed(blueprint, relation string) bool {
	for _, r := range relaxedSeedRelations {
		if r.blueprint == blueprint && r.relation == relation {
			return true
		}
	}
	return false
}

func TestSeedBlueprintsVerbatim(t *testing.T) {
	seed := seedBlueprints(t)
	raw, err := PortBlueprints()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range seedBlueprintIDs {
		t.Run(id, func(t *testing.T) {
			b, ok := raw[id]
			if !ok {
				t.Fatalf("blueprint %s is not shipped", id)
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			want := seed[id]
			for _, k := range []string{"identifier", "title", "icon", "description", "schema",
				"mirrorProperties", "calculationProperties", "aggregationProperties"} {
				if !reflect.DeepEqual(got[k], want[k]) {
					t.Errorf("%s differs from the seed", k)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("top-level key %q is not in the seed", k)
				}
			}
			gotRel, _ := got["relations"].(map[string]any)
			wantRel, _ := want["relations"].(map[string]any)
			for name, r := range wantRel {
				if relaxed(id, name) {
					r = maps.Clone(r.(map[string]any))
					r.(map[string]any)["required"] = false
				}
				if !reflect.DeepEqual(gotRel[name], r) {
					t.Errorf("seed relation %s changed: got %v, want %v", name, gotRel[name], r)
				}
			}
			// Additions must not make seed 003's mapping fail: optional only.
			for name, r := range gotRel {
				if _, seeded := wantRel[name]; seeded {
					continue
				}
				if req, _ := r.(map[string]any)["required"].(bool); req {
					t.Errorf("added relation %s is required; additions must be optional", name)
				}
			}
		})
	}
}

// TestSeedMappingFitsBlueprints checks seed 003's own mapping still names only
// properties and relations our blueprints have.
func TestSeedMappingFitsBlueprints(t *testing.T) {
	bps := loadBlueprints(t)
	var mapping []mappingEntry
	for _, b := range seedJSONBlocks(t) {
		if json.Unmarshal(b, &mapping) == nil {
			break
		}
	}
	if len(mapping) != 5 {
		t.Fatalf("seed mapping has %d entries, want 5", len(mapping))
	}
	for _, e := range mapping {
		checkEntryKeys(t, bps, e)
	}
}

func checkEntryKeys(t *testing.T, bps map[string]blueprint, e mappingEntry) {
	t.Helper()
	bp, ok := bps[e.Blueprint]
	if !ok {
		t.Errorf("mapping names blueprint %q, not shipped", e.Blueprint)
		return
	}
	for k := range e.Entity.Properties {
		if _, ok := bp.Schema.Properties[k]; !ok {
			t.Errorf("%s: mapped property %q is not in the blueprint", e.Blueprint, k)
		}
	}
	for k := range e.Entity.Relations {
		if _, ok := bp.Relations[k]; !ok {
			t.Errorf("%s: mapped relation %q is not in the blueprint", e.Blueprint, k)
		}
	}
	for _, k := range bp.Schema.Required {
		if _, ok := e.Entity.Properties[k]; !ok {
			t.Errorf("%s: required property %q is not mapped", e.Blueprint, k)
		}
	}
	for k, r := range bp.Relations {
		if _, ok := e.Entity.Relations[k]; r.Required && !ok {
			t.Errorf("%s: required relation %q is not mapped", e.Blueprint, k)
		}
	}
}

// portPropertyTypes and portFormats are the values Port's blueprint API
// accepts for a property's type and format.
var (
	portPropertyTypes = []string{"string", "number", "boolean", "object", "array"}
	portFormats       = []string{"date-time", "url", "email", "idn-email", "ipv4", "ipv6", "markdown",
		"yaml", "user", "blueprints", "team", "timer", "proto", "labeled-url"}
)

func TestBlueprintsConsistent(t *testing.T) {
	bps := loadBlueprints(t)
	if len(bps) < len(seedBlueprintIDs) {
		t.Fatalf("%d blueprints shipped, want at least the %d seed ones", len(bps), len(seedBlueprintIDs))
	}
	for id, bp := range bps {
		t.Run(id, func(t *testing.T) {
			if _, err := files.ReadFile("port/blueprints/" + id + ".json"); err != nil {
				t.Errorf("blueprint %s is not in %s.json", id, id)
			}
			if !portNamePattern.MatchString(id) {
				t.Errorf("identifier %q breaks Port's rule", id)
			}
			if bp.Title == "" {
				t.Error("no title")
			}
			if len(bp.Schema.Properties) == 0 {
				t.Error("no schema.properties")
			}
			for name, p := range bp.Schema.Properties {
				if !portNamePattern.MatchString(name) {
					t.Errorf("property identifier %q breaks Port's rule", name)
				}
				var def struct {
					Type   any    `json:"type"`
					Format string `json:"format"`
				}
				if err := json.Unmarshal(p, &def); err != nil {
					t.Errorf("property %s: %v", name, err)
					continue
				}
				if typ, _ := def.Type.(string); !slices.Contains(portPropertyTypes, typ) {
					t.Errorf("property %s: type %v is not one Port accepts", name, def.Type)
				}
				if def.Format != "" && !slices.Contains(portFormats, def.Format) {
					t.Errorf("property %s: format %q is not one Port accepts", name, def.Format)
				}
			}
			for _, r := range bp.Schema.Required {
				if _, ok := bp.Schema.Properties[r]; !ok {
					t.Errorf("required property %q is not defined", r)
				}
			}
			// The property schema must compile as JSON schema: Port validates with it.
			compileJSONSchema(t, "blueprint_"+id, propertySchema(t, bp))
			for name, r := range bp.Relations {
				if !portNamePattern.MatchString(name) {
					t.Errorf("relation identifier %q breaks Port's rule", name)
				}
				if r.Title == "" {
					t.Errorf("relation %s has no title", name)
				}
				if _, ok := bps[r.Target]; !ok {
					t.Errorf("relation %s targets %q, not shipped", name, r.Target)
				}
			}
		})
	}
}
