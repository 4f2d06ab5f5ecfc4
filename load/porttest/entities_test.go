package porttest

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func probe(id string, props map[string]any) map[string]any {
	p := map[string]any{"name": "n-" + id}
	for k, v := range props {
		p[k] = v
	}
	return map[string]any{"identifier": id, "properties": p}
}

// routeError marks a request Port refuses as a whole with 422.
const routeError = "route"

func TestBulkUpsertValidation(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	tests := []struct {
		name      string
		entity    map[string]any
		wantError string // "" means accepted
	}{
		{"minimal", probe("ok-1", nil), ""},
		{"all types", probe("ok-2", map[string]any{
			"status": "ACTIVE", "email": "a@example.com", "homepage": "https://example.com/x", "seen": "2024-05-06T07:08:09.123Z",
			"score": 1.5, "admin": true, "tags": []any{"a", "b"}, "profile": map[string]any{"phone": nil, "age": 42},
		}), ""},
		{"union accepts string", probe("ok-3", map[string]any{"profile": map[string]any{"phone": "+1 555"}}), ""},
		{"top-level null clears", probe("ok-4", map[string]any{"email": nil}), ""},
		{"unicode identifier", probe("Ünïcödé@x_y.z+1:a/b=c-d\\e", nil), ""},
		{"missing required", map[string]any{"identifier": "bad-1", "properties": map[string]any{"score": 1}}, "missing_required_properties"},
		{"required null", probe("bad-2", map[string]any{"name": nil}), "missing_required_properties"},
		{"wrong type", probe("bad-3", map[string]any{"score": "high"}), "invalid_property_value"},
		{"enum", probe("bad-4", map[string]any{"status": "DELETED"}), "invalid_property_value"},
		{"email format", probe("bad-5", map[string]any{"email": "not-an-email"}), "invalid_property_value"},
		{"url format", probe("bad-6", map[string]any{"homepage": "example.com"}), "invalid_property_value"},
		{"date-time format", probe("bad-7", map[string]any{"seen": "yesterday"}), "invalid_property_value"},
		{"nested null not in type", probe("bad-8", map[string]any{"profile": map[string]any{"phone": "x", "age": nil}}), "invalid_property_value"},
		{"nested integer", probe("bad-9", map[string]any{"profile": map[string]any{"phone": "x", "age": 1.5}}), "invalid_property_value"},
		{"nested required", probe("bad-10", map[string]any{"profile": map[string]any{"age": 3}}), "invalid_property_value"},
		{"array items", probe("bad-11", map[string]any{"tags": []any{"a", 2}}), "invalid_property_value"},
		{"unknown property", probe("bad-12", map[string]any{"nope": 1}), "unknown_property"},
		// Identifiers are checked by Port's route schema, which refuses the whole request.
		{"identifier with space", probe("bad id", nil), routeError},
		{"identifier dot", probe(".", nil), routeError},
		{"identifier dotdot", probe("..", nil), routeError},
		{"identifier too long", probe(strings.Repeat("a", 1001), nil), routeError},
		{"title not a string", map[string]any{"identifier": "bad-13", "title": 5, "properties": map[string]any{"name": "x"}}, routeError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := c.bulk("probe", "upsert=true&merge=true", tt.entity)
			id := tt.entity["identifier"].(string)
			_, stored := srv.Entity("probe", id)
			if tt.wantError == "" {
				if status != http.StatusOK || len(body.Entities) != 1 || !body.Entities[0].Created || !stored {
					t.Fatalf("status %d body %+v stored %v", status, body, stored)
				}
				return
			}
			if tt.wantError == routeError {
				if status != http.StatusUnprocessableEntity || body.Error != "invalid_request" || stored {
					t.Fatalf("status %d body %+v stored %v", status, body, stored)
				}
				return
			}
			if status != http.StatusMultiStatus || len(body.Errors) != 1 || stored {
				t.Fatalf("status %d body %+v stored %v", status, body, stored)
			}
			e := body.Errors[0]
			if e.Error != tt.wantError || e.StatusCode != 422 || e.Index != 0 || e.Identifier != id || e.Message == "" {
				t.Errorf("error %+v, want %s", e, tt.wantError)
			}
		})
	}
}

func TestBulkPartial(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	status, body := c.bulk("probe", "upsert=true&merge=true",
		probe("a", nil), probe("b", map[string]any{"score": "x"}), probe("c", nil), probe("d", map[string]any{"status": "NO"}))
	if status != http.StatusMultiStatus {
		t.Fatalf("status %d", status)
	}
	var okIdx, errIdx []int
	for _, e := range body.Entities {
		okIdx = append(okIdx, e.Index)
	}
	for _, e := range body.Errors {
		errIdx = append(errIdx, e.Index)
	}
	if !reflect.DeepEqual(okIdx, []int{0, 2}) || !reflect.DeepEqual(errIdx, []int{1, 3}) {
		t.Errorf("ok %v errors %v", okIdx, errIdx)
	}
	if got := len(srv.Entities("probe")); got != 2 {
		t.Errorf("stored %d entities, want 2", got)
	}
	requireNoViolations(t, srv)
}

func TestBulkLimits(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	var many []any
	for i := range 21 {
		many = append(many, probe("e"+string(rune('a'+i)), nil))
	}
	if status, body := c.bulk("probe", "upsert=true", many...); status != http.StatusUnprocessableEntity || body.Error != "invalid_request" {
		t.Errorf("21 entities: %d %+v", status, body)
	}
	if status, body := c.bulk("nope", "upsert=true", probe("a", nil)); status != http.StatusNotFound || body.Error != "not_found" {
		t.Errorf("unknown blueprint: %d %+v", status, body)
	}
	if status, _ := c.bulk("probe", "upsert=true", many[:20]...); status != http.StatusOK {
		t.Errorf("20 entities: %d", status)
	}
	if got := srv.Stats().MaxBulkEntities; got != 20 {
		t.Errorf("MaxBulkEntities = %d", got)
	}
}

func TestMergeAndReplace(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	c.bulk("probe", "upsert=true", map[string]any{"identifier": "m", "title": "M", "properties": map[string]any{"name": "m", "score": 1, "admin": true}})
	tests := []struct {
		name, query string
		entity      map[string]any
		want        map[string]any
		wantTitle   string
	}{
		{"merge keeps other properties", "upsert=true&merge=true",
			map[string]any{"identifier": "m", "properties": map[string]any{"score": 2}},
			map[string]any{"name": "m", "score": 2.0, "admin": true}, "M"},
		{"merge null removes", "upsert=true&merge=true",
			map[string]any{"identifier": "m", "properties": map[string]any{"admin": nil}},
			map[string]any{"name": "m", "score": 2.0}, "M"},
		{"replace drops everything else", "upsert=true&merge=false",
			map[string]any{"identifier": "m", "title": "New", "properties": map[string]any{"name": "n"}},
			map[string]any{"name": "n"}, "New"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := c.bulk("probe", tt.query, tt.entity)
			if status != http.StatusOK || body.Entities[0].Created {
				t.Fatalf("status %d %+v", status, body)
			}
			e, _ := srv.Entity("probe", "m")
			if !reflect.DeepEqual(e.Properties, tt.want) || e.Title != tt.wantTitle {
				t.Errorf("entity %+v, want properties %v title %q", e, tt.want, tt.wantTitle)
			}
		})
	}
	status, body := c.bulk("probe", "upsert=false", probe("m", nil))
	if status != http.StatusMultiStatus || body.Errors[0].StatusCode != http.StatusConflict {
		t.Errorf("upsert=false on existing: %d %+v", status, body)
	}
	requireNoViolations(t, srv)
}

func TestRelations(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	c.bulk("okta_user", "upsert=true", user("u1"))
	tests := []struct {
		name, query string
		relations   map[string]any
		wantError   string
		wantStubs   int
	}{
		{"existing target", "upsert=true", map[string]any{"owner": "u1", "members": []any{"u1"}}, "", 0},
		{"missing target", "upsert=true", map[string]any{"owner": "ghost"}, "related_entity_not_found", 0},
		{"missing target created", "upsert=true&create_missing_related_entities=true", map[string]any{"owner": "ghost", "members": []any{"g2", "u1"}}, "", 2},
		{"one relation given array", "upsert=true", map[string]any{"owner": []any{"u1"}}, "invalid_relation_value", 0},
		{"many relation given string", "upsert=true", map[string]any{"members": "u1"}, "invalid_relation_value", 0},
		{"unknown relation", "upsert=true", map[string]any{"boss": "u1"}, "unknown_relation", 0},
		{"null clears", "upsert=true", map[string]any{"owner": nil}, "", 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.Stats().StubsCreated
			e := probe("r", nil)
			e["relations"] = tt.relations
			status, body := c.bulk("probe", tt.query+"&merge=true", e)
			if tt.wantError != "" {
				if status != http.StatusMultiStatus || body.Errors[0].Error != tt.wantError {
					t.Fatalf("case %d: status %d %+v, want %s", i, status, body, tt.wantError)
				}
				return
			}
			if status != http.StatusOK {
				t.Fatalf("status %d %+v", status, body)
			}
			if got := srv.Stats().StubsCreated - before; got != tt.wantStubs {
				t.Errorf("stubs created %d, want %d", got, tt.wantStubs)
			}
		})
	}
	stub, ok := srv.Entity("okta_user", "ghost")
	if !ok || stub.Title != "" || len(stub.Properties) != 0 {
		t.Errorf("stub %+v %v, want identifier only", stub, ok)
	}
	if e, _ := srv.Entity("probe", "r"); e.Relations["owner"] != nil || !reflect.DeepEqual(e.Relations["members"], []any{"g2", "u1"}) {
		t.Errorf("relations %v", e.Relations)
	}
	requireNoViolations(t, srv)
}

func TestSearchQueries(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	u := user("u1")
	u["properties"].(map[string]any)["profile"].(map[string]any)["email"] = "ada@example.com"
	c.bulk("okta_user", "upsert=true", u, user("u2"))
	c.bulk("probe", "upsert=true", probe("p", nil))
	byStatus := func(v string) map[string]any {
		return map[string]any{"combinator": "and", "rules": []any{map[string]any{"property": "status", "operator": "=", "value": v}}}
	}
	byID := map[string]any{"combinator": "and", "rules": []any{map[string]any{"property": "$identifier", "operator": "=", "value": "u1"}}}
	contains := map[string]any{"combinator": "and", "rules": []any{map[string]any{"property": "status", "operator": "contains", "value": "ACT"}}}
	tests := []struct {
		name      string
		entity    map[string]any
		wantError string
		check     func(Entity) bool
	}{
		{"relation by identifier rule", map[string]any{"identifier": "p", "relations": map[string]any{"owner": byID}}, "",
			func(e Entity) bool { return e.Relations["owner"] == "u1" }},
		{"many relation by property", map[string]any{"identifier": "p", "relations": map[string]any{"members": byStatus("ACTIVE")}}, "",
			func(e Entity) bool { return reflect.DeepEqual(e.Relations["members"], []any{"u1", "u2"}) }},
		{"one relation ambiguous", map[string]any{"identifier": "p", "relations": map[string]any{"owner": byStatus("ACTIVE")}}, "related_entity_not_found", nil},
		{"unresolvable kept", map[string]any{"identifier": "p", "relations": map[string]any{"owner": contains}}, "",
			func(e Entity) bool { return reflect.DeepEqual(e.Relations["owner"], contains) }},
		{"identifier query", map[string]any{"identifier": map[string]any{"combinator": "and", "rules": []any{map[string]any{"property": "name", "operator": "=", "value": "n-p"}}}, "title": "found"}, "",
			func(e Entity) bool { return e.Title == "found" }},
		{"identifier query no match", map[string]any{"identifier": byStatus("GONE")}, "entity_not_found", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := c.bulk("probe", "upsert=true&merge=true", tt.entity)
			if tt.wantError != "" {
				if status != http.StatusMultiStatus || body.Errors[0].Error != tt.wantError {
					t.Fatalf("status %d %+v, want %s", status, body, tt.wantError)
				}
				return
			}
			if status != http.StatusOK {
				t.Fatalf("status %d %+v", status, body)
			}
			if e, _ := srv.Entity("probe", "p"); !tt.check(e) {
				t.Errorf("entity %+v", e)
			}
		})
	}
	st := srv.Stats()
	if st.SearchQueries != 6 || len(st.UnresolvedQueries) != 1 || !strings.Contains(st.UnresolvedQueries[0], "contains") {
		t.Errorf("SearchQueries %d Unresolved %q", st.SearchQueries, st.UnresolvedQueries)
	}
	requireNoViolations(t, srv)
}

func TestEntityRoutes(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	id := "https://dev.okta.com/api/v1/iam/roles/cr0/permissions/okta.users.read"
	c.bulk("probe", "upsert=true", probe(id, nil), probe("b", nil))
	status, body := c.call(http.MethodGet, "/v1/blueprints/probe/entities", nil, nil)
	if status != http.StatusOK || len(body["entities"].([]any)) != 2 {
		t.Fatalf("list: %d %v", status, body)
	}
	path := "/v1/blueprints/probe/entities/" + strings.ReplaceAll(id, "/", "%2F")
	status, body = c.call(http.MethodGet, path, nil, nil)
	if status != http.StatusOK || body["entity"].(map[string]any)["identifier"] != id {
		t.Fatalf("get: %d %v", status, body)
	}
	if status, _ = c.call(http.MethodGet, "/v1/blueprints/probe/entities/nope", nil, nil); status != http.StatusNotFound {
		t.Errorf("get missing: %d", status)
	}
	requireNoViolations(t, srv)
}

// TestRouteSchemaWithoutSpec checks the simulator refuses what Port's route
// schema refuses even when no OpenAPI document is loaded.
func TestRouteSchemaWithoutSpec(t *testing.T) {
	srv := NewServer(Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	defer srv.Close()
	c := newClient(t, srv)
	bad := probe("ok", map[string]any{})
	bad["relations"] = map[string]any{"members": []any{"a b"}}
	tests := []struct {
		name   string
		entity map[string]any
	}{
		{"identifier", probe("a b", nil)},
		{"dotdot", probe("..", nil)},
		{"relation item", bad},
		{"identifier type", map[string]any{"identifier": 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := c.bulk("probe", "upsert=true", probe("fine", nil), tt.entity); status != http.StatusUnprocessableEntity || body.Error != "invalid_request" {
				t.Errorf("status %d %+v", status, body)
			}
		})
	}
	if n := len(srv.Entities("probe")); n != 0 {
		t.Errorf("%d entities stored from refused requests", n)
	}
}
