package oktatest

import "testing"

// TestBucketForFollowsOktasTable checks the classification against the rows
// of Okta's "Management rate limits" table (see buckets.go): list and by-id
// endpoints are separate buckets, and role assignments and the IAM API fall
// in the /api/v1 catch-all.
func TestBucketForFollowsOktasTable(t *testing.T) {
	cases := []struct{ path, want string }{
		{"/api/v1/users", BucketUsers},
		{"/api/v1/users?limit=200&filter=x", BucketUsers},
		{"/api/v1/users/00u1", BucketUserByID},
		{"/api/v1/users/jane%40example.com", BucketUserByID},
		{"/api/v1/users/00u1/roles", BucketOther},
		{"/api/v1/users/00u1/groups", BucketOther},
		{"/api/v1/usersX", BucketOther},
		{"/api/v1/groups?expand=stats", BucketGroups},
		{"/api/v1/groups/00g1", BucketGroupByID},
		{"/api/v1/groups/00g1/users", BucketGroups},
		{"/api/v1/groups/00g1/roles", BucketOther},
		{"/api/v1/groups/rules", BucketGroups}, // "/api/v1/groups except /api/v1/groups/{id}": rules is no id
		{"/api/v1/groups/rules/0pr1", BucketGroups},
		{"/api/v1/devices", BucketOther},
		{"/api/v1/authenticators", BucketOther},
		{"/api/v1/meta/types/user", BucketOther},
		{"/api/v1/apps", BucketApps},
		{"/api/v1/apps/0oa1", BucketAppByID},
		{"/api/v1/apps/0oa1/groups", BucketApps},
		{"/api/v1/apps/0oa1/users", BucketApps},
		{"/api/v1/logs", BucketLogs},
		{"/api/v1/logs/x", BucketOther},
		{"/api/v1/iam/roles", BucketOther},
		{"/api/v1/iam/roles/cr0/permissions", BucketOther},
		{"/api/v1/iam/assignees/users", BucketOther},
		{"/api/v1/iam/resource-sets#x", BucketOther},
		{"/oauth2/v1/token", BucketOAuth2},
		{"/oauth2/v1/clients", BucketOther},
		{"/api/v2/users", BucketOther},
		{"/", BucketOther},
	}
	for _, c := range cases {
		if got := BucketFor(c.path); got != c.want {
			t.Errorf("BucketFor(%q) = %q, want %q", c.path, got, c.want)
		}
	}
}

// TestProfilesFollowOktasTable spot-checks the editions against the table's
// cells, the logs row above all (20, 25, 25, 50, 120).
func TestProfilesFollowOktasTable(t *testing.T) {
	cases := []struct {
		p      Profile
		bucket string
		want   int
	}{
		{LimitsDeveloperFree, BucketLogs, 20},
		{LimitsDeveloperPaid, BucketLogs, 25},
		{LimitsOneApp, BucketLogs, 25},
		{LimitsEnterprise, BucketLogs, 50},
		{LimitsWorkforce, BucketLogs, 120},
		{LimitsEnterprise, BucketApps, 100},
		{LimitsEnterprise, BucketAppByID, 600},
		{LimitsEnterprise, BucketUserByID, 1000},
		{LimitsWorkforce, BucketUserByID, 2000},
		{LimitsWorkforce, BucketGroupByID, 1000},
		{LimitsWorkforce, BucketGroups, 500},
		{LimitsWorkforce, BucketOther, 1200},
		{LimitsDeveloperFree, BucketApps, 20},
		{LimitsDeveloperFree, BucketOAuth2, 300},
	}
	for _, c := range cases {
		if got := c.p.Limits()[c.bucket]; got != c.want {
			t.Errorf("%s %s = %d, want %d", c.p.Edition, c.bucket, got, c.want)
		}
	}
	for _, p := range Profiles() {
		l := p.Limits()
		for _, b := range Buckets() {
			if l[b] <= 0 {
				t.Errorf("%s has no limit for %s", p.Edition, b)
			}
		}
		l[BucketUsers] = -1
		if p.Limits()[BucketUsers] == -1 {
			t.Errorf("%s: Limits hands out its own map", p.Edition)
		}
		if p.Concurrency <= 0 {
			t.Errorf("%s has no concurrency limit", p.Edition)
		}
	}
	if LimitsDeveloperFree.Concurrency != 15 || LimitsEnterprise.Concurrency != 75 {
		t.Errorf("concurrency %d/%d, want 15/75 (Additional limits)", LimitsDeveloperFree.Concurrency, LimitsEnterprise.Concurrency)
	}
}
