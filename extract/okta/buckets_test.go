package okta

import "testing"

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

func TestRouteOf(t *testing.T) {
	cases := map[string]string{
		"/api/v1/users?limit=200":              "/api/v1/users",
		"/api/v1/users/00u1ab2":                "/api/v1/users/{id}",
		"/api/v1/users/jane@example.com":       "/api/v1/users/{id}",
		"/api/v1/users/jane%40example.com":     "/api/v1/users/{id}",
		"/api/v1/users/00u1ab2/roles":          "/api/v1/users/{id}/roles",
		"/api/v1/groups/00g9/users?after=x":    "/api/v1/groups/{id}/users",
		"/api/v1/iam/roles/cr0abc/permissions": "/api/v1/iam/roles/{id}/permissions",
		"/api/v1/iam/resource-sets":            "/api/v1/iam/resource-sets",
		"/api/v1/apps/0oa1/groups#x":           "/api/v1/apps/{id}/groups",
		"/oauth2/v1/token":                     "/oauth2/v1/token",
	}
	for path, want := range cases {
		if got := routeOf(path); got != want {
			t.Errorf("routeOf(%q) = %q, want %q", path, got, want)
		}
	}
}
