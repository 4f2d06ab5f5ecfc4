package schemas

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/itchyny/gojq"
	"github.com/oktalake/oktalake/streams"
)

func TestDefaultMappingShape(t *testing.T) {
	bps := loadBlueprints(t)
	entries := loadDefaultMapping(t)
	if len(entries) == 0 {
		t.Fatal("default mapping is empty")
	}
	for i, e := range entries {
		t.Run(fmt.Sprintf("%d_%s", i, e.Blueprint), func(t *testing.T) {
			if e.Operation != "create" {
				t.Errorf("operation = %q, want create", e.Operation)
			}
			if e.Entity.Identifier == "" {
				t.Error("no identifier expression")
			}
			checkEntryKeys(t, bps, e)
			exprs := []string{e.Filter, e.Entity.Identifier, e.Entity.Title}
			for _, x := range e.Entity.Properties {
				exprs = append(exprs, x)
			}
			for _, x := range e.Entity.Relations {
				exprs = append(exprs, x)
			}
			for _, x := range exprs {
				q, err := gojq.Parse(x)
				if err == nil {
					_, err = gojq.Compile(q)
				}
				if err != nil {
					t.Errorf("jq %q: %v", x, err)
				}
			}
			// Choose by the object key's stream segment, never by ID prefix.
			if !strings.HasPrefix(e.Filter, `.body._PORT_SOURCE_OBJECT_KEY | split("/") | .[2] == "`) {
				t.Errorf("filter %q does not choose by stream name", e.Filter)
			}
		})
	}
	for _, name := range streams.Names() {
		found := false
		for _, e := range entries {
			found = found || strings.Contains(e.Filter, `"`+name+`"`)
		}
		if !found {
			t.Errorf("no mapping entry's filter names stream %q", name)
		}
	}
}

// TestDefaultMappingEntities maps every fixture record with the default
// mapping and checks each entity as Port would: identifier rule, blueprint
// schema, relation shapes, and that related entities exist.
func TestDefaultMappingEntities(t *testing.T) {
	bps := loadBlueprints(t)
	entries := loadDefaultMapping(t)
	schemas := map[string]interface{ Validate(any) error }{}
	for id, bp := range bps {
		schemas[id] = compileJSONSchema(t, "blueprint_"+id, propertySchema(t, bp))
	}
	type ref struct{ from, relation, target, id string }
	var refs []ref
	seen := map[string]map[string]bool{} // blueprint -> identifiers
	for _, name := range streams.Names() {
		var golden []entity
		for i, rec := range loadRecords(t, name) {
			event := portEvent(name, rec)
			var got []entity
			for _, e := range entries {
				ent, ok, err := mapRecord(e, event)
				if err != nil {
					t.Errorf("%s record %d: %v", name, i, err)
					continue
				}
				if ok {
					if !strings.Contains(e.Filter, `"`+name+`"`) {
						t.Errorf("%s record %d matched the entry for %s", name, i, e.Filter)
					}
					got = append(got, ent)
				}
			}
			if len(got) != 1 {
				t.Errorf("%s record %d made %d entities, want 1", name, i, len(got))
				continue
			}
			ent := got[0]
			golden = append(golden, ent)
			bp := bps[ent.Blueprint]
			where := fmt.Sprintf("%s record %d (%s)", name, i, ent.Blueprint)
			id, _ := ent.Identifier.(string)
			if !validPortIdentifier(id) {
				t.Errorf("%s: identifier %v breaks Port's rule", where, ent.Identifier)
			}
			if seen[ent.Blueprint] == nil {
				seen[ent.Blueprint] = map[string]bool{}
			}
			if seen[ent.Blueprint][id] {
				t.Errorf("%s: identifier %q made twice: one record would overwrite another", where, id)
			}
			seen[ent.Blueprint][id] = true
			if title, _ := ent.Title.(string); title == "" {
				t.Errorf("%s: title %v is not a non-empty string", where, ent.Title)
			}
			if err := schemas[ent.Blueprint].Validate(withoutNulls(ent.Properties)); err != nil {
				t.Errorf("%s: Port would reject the properties: %v", where, err)
			}
			for rel, v := range ent.Relations {
				r := bp.Relations[rel]
				var ids []string
				switch v := v.(type) {
				case nil:
					if r.Required {
						t.Errorf("%s: required relation %s is null", where, rel)
					}
				case string:
					if r.Many {
						t.Errorf("%s: many-relation %s got a single value", where, rel)
					}
					ids = []string{v}
				case []any:
					if !r.Many {
						t.Errorf("%s: relation %s got an array", where, rel)
					}
					for _, x := range v {
						s, _ := x.(string)
						ids = append(ids, s)
					}
				default:
					t.Errorf("%s: relation %s = %v (%T)", where, rel, v, v)
				}
				for _, x := range ids {
					if !validPortIdentifier(x) {
						t.Errorf("%s: relation %s value %q breaks Port's identifier rule", where, rel, x)
					}
					refs = append(refs, ref{where, ent.Blueprint + "." + rel, r.Target, x})
				}
			}
		}
		b, err := json.MarshalIndent(golden, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		writeOrCompareGolden(t, filepath.Join("testdata", "entities", name+".json"), append(b, '\n'))
	}
	// Every related entity exists among the mapped ones, except an event's
	// actor when it is not a user (apps, system principals): loading those
	// needs create_missing_related_entities, as Port's own guide does.
	missing := 0
	for _, r := range refs {
		if seen[r.target][r.id] {
			continue
		}
		if r.relation == "okta_event.OktaUser" && !strings.HasPrefix(r.id, "00u") {
			missing++
			continue
		}
		t.Errorf("%s: relation %s points at %s %q, which no record makes", r.from, r.relation, r.target, r.id)
	}
	if missing != 1 {
		t.Errorf("%d events point at a non-user actor, want 1 (the fixture's app actor)", missing)
	}
}

// TestDefaultMappingKeepsEveryMembership shows why memberships and
// assignments are entities of their own: a user in two groups makes two
// entities, where a relation array on the user would keep only the last.
func TestDefaultMappingKeepsEveryMembership(t *testing.T) {
	entries := loadDefaultMapping(t)
	tests := []struct {
		stream string
		perID  string // record field shared by several records
	}{
		{"group_members", "id"},
		{"user_role_assignments", "id"},
		{"application_users", "appId"},
	}
	for _, tt := range tests {
		t.Run(tt.stream, func(t *testing.T) {
			recs := loadRecords(t, tt.stream)
			ids := map[any]bool{}
			shared := map[any]int{}
			for _, rec := range recs {
				shared[rec[tt.perID]]++
				for _, e := range entries {
					ent, ok, err := mapRecord(e, portEvent(tt.stream, rec))
					if err != nil {
						t.Fatal(err)
					}
					if ok {
						ids[ent.Identifier] = true
					}
				}
			}
			repeated := false
			for _, n := range shared {
				repeated = repeated || n > 1
			}
			if !repeated {
				t.Fatalf("fixture has no two records sharing %s; the test proves nothing", tt.perID)
			}
			if len(ids) != len(recs) {
				t.Errorf("%d records made %d distinct entities", len(recs), len(ids))
			}
		})
	}
}

// TestCatalogReferencesFollowTheDefaultMapping holds the catalog's load
// dependencies (Parent and References) to the relations the default mapping
// fills: every stream whose entities a stream's relations point at loads
// before it, and the catalog names no dependency the mapping does not use.
func TestCatalogReferencesFollowTheDefaultMapping(t *testing.T) {
	bps := loadBlueprints(t)
	entries := loadDefaultMapping(t)
	streamOf := func(e mappingEntry) string {
		_, rest, _ := strings.Cut(e.Filter, `== "`)
		name, _, _ := strings.Cut(rest, `"`)
		return name
	}
	makers := map[string][]string{} // blueprint → streams whose entities it holds
	for _, e := range entries {
		makers[e.Blueprint] = append(makers[e.Blueprint], streamOf(e))
	}
	want := map[string]map[string]bool{} // stream → streams its relations point at
	for _, e := range entries {
		s := streamOf(e)
		if want[s] == nil {
			want[s] = map[string]bool{}
		}
		for rel := range e.Entity.Relations {
			for _, target := range makers[bps[e.Blueprint].Relations[rel].Target] {
				if target != s {
					want[s][target] = true
				}
			}
		}
	}
	for _, st := range streams.All() {
		got := map[string]bool{}
		for _, d := range st.References {
			got[d] = true
		}
		if st.Parent != "" {
			got[st.Parent] = true
		}
		if !maps.Equal(got, want[st.Name]) {
			t.Errorf("%s: the catalog has it depend on %v (Parent and References), the default mapping's relations point at %v",
				st.Name, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want[st.Name])))
		}
	}
}
