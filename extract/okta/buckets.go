package okta

import "strings"

// Rate-limit buckets: Okta counts requests per endpoint family, so the
// governor paces each one separately, and Stats reports them by these names.
const (
	BucketUsers  = "users"
	BucketGroups = "groups"
	BucketApps   = "apps"
	BucketLogs   = "logs"
	BucketOther  = "other"
)

// BucketFor classifies an API path into the Okta rate-limit bucket its
// requests count against.
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
