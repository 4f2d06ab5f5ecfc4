package oktatest

import "testing"

func TestBucketForCountsEndpointFamilies(t *testing.T) {
	cases := map[string]string{
		"/api/v1/users":               BucketUsers,
		"/api/v1/users/00u1/roles":    BucketUsers,
		"/api/v1/usersX":              BucketOther,
		"/api/v1/groups?expand=stats": BucketGroups,
		"/api/v1/groups/00g1/users":   BucketGroups,
		"/api/v1/apps/0oa1/groups":    BucketApps,
		"/api/v1/logs":                BucketLogs,
		"/api/v1/iam/assignees/users": BucketOther,
		"/api/v1/iam/resource-sets#x": BucketOther,
		"/oauth2/v1/token":            BucketOther,
		"/api/v2/users":               BucketOther,
		"/":                           BucketOther,
	}
	for path, want := range cases {
		if got := BucketFor(path); got != want {
			t.Errorf("BucketFor(%q) = %q, want %q", path, got, want)
		}
	}
}
