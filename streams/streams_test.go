package streams

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestSelect(t *testing.T) {
	got, err := Select([]string{"logs", " users", ""})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "users" || got[1].Name != "logs" {
		t.Fatalf("Select kept the wrong streams or order: %v", got)
	}
	if _, err := Select([]string{"userz"}); err == nil || !strings.Contains(err.Error(), "users") {
		t.Fatalf("unknown stream error = %v, want it to list the known streams", err)
	}
	all, _ := Select(nil)
	if len(all) != len(Names()) {
		t.Fatalf("empty selection = %d streams, want all %d", len(all), len(Names()))
	}
}

// Fan-out streams come after their parents, name a parent that exists and
// add its id; incremental streams have a cursor.
func TestCatalogConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range All() {
		if seen[s.Name] {
			t.Errorf("%s listed twice", s.Name)
		}
		if s.Parent != "" {
			if !seen[s.Parent] {
				t.Errorf("%s comes before its parent %s", s.Name, s.Parent)
			}
			if s.ParentIDField == "" || !strings.Contains(s.Path, "{id}") {
				t.Errorf("%s fans out without a parent id field or {id} in its path", s.Name)
			}
		}
		for _, ref := range s.References {
			if _, ok := Lookup(ref); !ok || ref == s.Name || ref == s.Parent {
				t.Errorf("%s references %q: want another catalog stream, not itself or its parent", s.Name, ref)
			}
		}
		if s.SkipParentIfZero != "" && s.Parent == "" {
			t.Errorf("%s skips empty parents but has none", s.Name)
		}
		if s.Scope == "" || len(s.PrimaryKey) == 0 {
			t.Errorf("%s lacks a scope or primary key", s.Name)
		}
		seen[s.Name] = true
	}
	if got := Scopes(All()); strings.Join(got, " ") != "okta.apps.read okta.authenticators.read okta.devices.read okta.groups.read okta.logs.read okta.roles.read okta.schemas.read okta.userTypes.read okta.users.read" {
		t.Errorf("scopes = %v", got)
	}
	if s, _ := Lookup("logs"); s.SyncMode() != Incremental {
		t.Error("logs are not incremental")
	}
	if s, _ := Lookup("applications"); s.SyncMode() != FullRefresh {
		t.Error("applications are not full refresh")
	}
}

// The cursor kind and the cursor field say the same thing: lastUpdated
// filtering reads lastUpdated, log polling reads published, full refresh
// has no cursor field.
func TestCursorKindMatchesCursorField(t *testing.T) {
	want := map[CursorKind]string{CursorNone: "", CursorLastUpdated: "lastUpdated", CursorLogPolling: "published"}
	for _, s := range All() {
		if got := s.Cursor; got != want[s.CursorKind] {
			t.Errorf("%s: cursor kind %d with cursor field %q, want %q", s.Name, s.CursorKind, got, want[s.CursorKind])
		}
	}
	if got := WithCursor(CursorLogPolling); len(got) != 1 || got[0].Name != "logs" {
		t.Errorf("WithCursor(CursorLogPolling) = %v, want the logs stream alone", got)
	}
}

func TestParentListing(t *testing.T) {
	tests := []struct {
		stream string
		want   Source
		ok     bool
	}{
		{"group_members", Source{Path: "/api/v1/groups", Query: map[string]string{"expand": "stats"}, PageSize: 200}, true},
		{"permissions", Source{Path: "/api/v1/iam/roles", ItemsField: "roles", BodyNext: true}, true},
		{"user_role_assignments", Source{Path: "/api/v1/iam/assignees/users", PageSize: 100, ItemsField: "value", BodyNext: true, Name: "admins"}, true},
		{"users", Source{}, false},
	}
	for _, tt := range tests {
		s, _ := Lookup(tt.stream)
		got, ok := s.ParentListing()
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s.ParentListing() = %+v, %v; want %+v, %v", tt.stream, got, ok, tt.want, tt.ok)
		}
	}
}

// The shipped catalog loads level by level: streams no entity points from,
// then the fan-out and link streams, in catalog order within a level.
func TestLoadOrderOfTheCatalog(t *testing.T) {
	want := []string{
		"users", "groups", "applications", "custom_roles", "resource_sets",
		"user_types", "user_schema", "devices", "authenticators",
		"group_members", "application_users", "application_groups", "permissions",
		"user_role_assignments", "group_role_assignments", "group_rules", "logs", "event_hook_events",
	}
	got := LoadOrder()
	if !slices.Equal(got, want) {
		t.Fatalf("LoadOrder() = %v\nwant          %v", got, want)
	}
	pos := map[string]int{}
	for i, n := range got {
		pos[n] = i
	}
	for _, s := range All() {
		for _, dep := range dependencies(s) {
			if pos[dep] >= pos[s.Name] {
				t.Errorf("%s loads before %s, which it points at", s.Name, dep)
			}
		}
	}
}

func TestLoadOrderLevelsAndTies(t *testing.T) {
	tests := []struct {
		name    string
		streams []Stream
		want    []string
		err     string
	}{
		{"catalog order within a level", []Stream{{Name: "b"}, {Name: "a"}, {Name: "c", Parent: "a"}}, []string{"b", "a", "c"}, ""},
		{"a dependency listed later loads first", []Stream{{Name: "x", References: []string{"y"}}, {Name: "y"}}, []string{"y", "x"}, ""},
		{"deeper levels last", []Stream{{Name: "c", Parent: "b"}, {Name: "b", Parent: "a"}, {Name: "a"}, {Name: "d", References: []string{"a"}}}, []string{"a", "b", "d", "c"}, ""},
		{"cycle", []Stream{{Name: "a", References: []string{"b"}}, {Name: "b", Parent: "a"}}, nil, "dependency cycle: a → b → a"},
		{"unknown dependency", []Stream{{Name: "a", References: []string{"nope"}}}, nil, `a depends on "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadOrder(tt.streams)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("loadOrder = %v, %v; want an error with %q", got, err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("loadOrder = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestOceanKinds(t *testing.T) {
	for kind, stream := range map[string]string{"okta-user": "users", "okta-group": "groups", "okta-application": "applications"} {
		if s, ok := ByOceanKind(kind); !ok || s.Name != stream {
			t.Errorf("ByOceanKind(%q) = %q, %v; want %q", kind, s.Name, ok, stream)
		}
	}
	if s, ok := ByOceanKind("users"); ok {
		t.Errorf("ByOceanKind(\"users\") = %q: a stream name is not an Ocean kind", s.Name)
	}
	if got := strings.Join(OceanKinds(), ","); got != "okta-application,okta-group,okta-user" {
		t.Errorf("OceanKinds() = %s", got)
	}
}
