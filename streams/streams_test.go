package streams

import (
	"strings"
	"testing"
)

func TestBucketFor(t *testing.T) {
	cases := map[string]string{
		"/api/v1/users":                     BucketUsers,
		"/api/v1/users?limit=200":           BucketUsers,
		"/api/v1/users/00u1/roles":          BucketUsers,
		"/api/v1/usersX":                    BucketOther,
		"/api/v1/groups/00g1/users":         BucketGroups,
		"/api/v1/apps/0oa1/groups":          BucketApps,
		"/api/v1/logs?since=x":              BucketLogs,
		"/api/v1/iam/roles":                 BucketOther,
		"/api/v1/iam/assignees/users":       BucketOther,
		"/api/v1/iam/resource-sets#frag":    BucketOther,
		"/oauth2/v1/token":                  BucketOther,
		"/api/v1/groups":                    BucketGroups,
		"/api/v1/apps?filter=status+eq+%22": BucketApps,
	}
	for path, want := range cases {
		if got := BucketFor(path); got != want {
			t.Errorf("BucketFor(%q) = %q, want %q", path, got, want)
		}
	}
}

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
		if s.Scope == "" || len(s.PrimaryKey) == 0 {
			t.Errorf("%s lacks a scope or primary key", s.Name)
		}
		seen[s.Name] = true
	}
	if got := Scopes(All()); strings.Join(got, " ") != "okta.apps.read okta.groups.read okta.logs.read okta.roles.read okta.users.read" {
		t.Errorf("scopes = %v", got)
	}
	if s, _ := Lookup("logs"); s.SyncMode() != Incremental {
		t.Error("logs are not incremental")
	}
	if s, _ := Lookup("applications"); s.SyncMode() != FullRefresh {
		t.Error("applications are not full refresh")
	}
}
