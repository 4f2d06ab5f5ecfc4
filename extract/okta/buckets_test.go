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
