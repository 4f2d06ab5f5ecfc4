package okta

import "strings"

// Bucket hints: the names Stats reports traffic under, by endpoint family.
// They are hints, not Okta's buckets: the governor learns those from the
// rate-limit headers of each route's responses (governor.go), so a family
// whose endpoints Okta counts in several buckets (the users listing, a user
// by id, a user's roles) is never paced as one.
const (
	BucketUsers  = "users"
	BucketGroups = "groups"
	BucketApps   = "apps"
	BucketLogs   = "logs"
	BucketOther  = "other"
)

// BucketFor names the endpoint family of an API path, the hint Stats counts
// its requests under.
func BucketFor(path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	switch {
	case hasSegmentPrefix(path, "/api/v1/logs"):
		return BucketLogs
	case hasSegmentPrefix(path, "/api/v1/users"):
		return BucketUsers
	case hasSegmentPrefix(path, "/api/v1/groups"):
		return BucketGroups
	case hasSegmentPrefix(path, "/api/v1/apps"):
		return BucketApps
	default:
		return BucketOther
	}
}

func hasSegmentPrefix(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// routeOf is a path's shape, the unit the governor learns buckets for: the
// path with its id segments (any segment after /api/v1/ holding a digit or
// an @, as Okta's ids and logins do) replaced by {id}.
func routeOf(path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if i > 2 && (strings.ContainsAny(s, "0123456789@") || strings.Contains(s, "%40")) {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}
