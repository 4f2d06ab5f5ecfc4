package oktatest

import "strings"

// Rate-limit buckets the simulator counts requests against (Options.Limits,
// Stats.Requests). Okta's "Management rate limits" page
// (https://developer.okta.com/docs/reference/rl-global-mgmt/) gives the
// users, groups, apps and System Log endpoint families limits of their own;
// every other endpoint oktalake reads shares one here.
const (
	BucketUsers  = "users"
	BucketGroups = "groups"
	BucketApps   = "apps"
	BucketLogs   = "logs"
	BucketOther  = "other"
)

// BucketFor is the simulator's own classification of a request path into
// its rate-limit bucket, by the resource segment after /api/v1/. It is
// written apart from the client's on purpose, so the two can disagree.
func BucketFor(path string) string {
	path, _, _ = strings.Cut(path, "?")
	path, _, _ = strings.Cut(path, "#")
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(segs) < 3 || segs[0] != "api" || segs[1] != "v1" {
		return BucketOther
	}
	switch segs[2] {
	case "users":
		return BucketUsers
	case "groups":
		return BucketGroups
	case "apps":
		return BucketApps
	case "logs":
		return BucketLogs
	}
	return BucketOther
}
