package oktatest

import "strings"

// Rate-limit buckets the simulator counts requests against (Options.Limits,
// Stats.Requests), one per row of Okta's "Management rate limits" table
// (https://developer.okta.com/docs/reference/rl-global-mgmt/, as published
// in okta/okta-developer-docs, docs/reference/rl-global-mgmt/index.md):
//
//	Create or list applications: /api/v1/apps except /api/v1/apps/{id}
//	Get, update, or delete an application by ID: /api/v1/apps/{id} only
//	Create or list groups: /api/v1/groups except /api/v1/groups/{id}
//	Get, update, or delete a group by ID: /api/v1/groups/{id} only
//	Create or list users: only GET or POST to /api/v1/users
//	Get a user by ID or login: only GET to /api/v1/users/{idOrLogin}
//	Get System Log data: /api/v1/logs
//	OAuth2 requests for the Org Authorization Server: /oauth2/v1 except /oauth2/v1/clients
//	Most other API actions: /api/v1
//
// Endpoints "of the form /api/v1/apps*" that match no row of their own (an
// app's users and groups, a group's members) count in the family's list
// row. Role assignments (/api/v1/users/{id}/roles, /api/v1/groups/{id}/roles),
// a user's other sub-resources and the whole /api/v1/iam API have no row:
// they count in the /api/v1 catch-all. This table is the simulator's own;
// the client learns buckets from the headers and must not share it.
const (
	BucketApps      = "apps"
	BucketAppByID   = "app-by-id"
	BucketGroups    = "groups"
	BucketGroupByID = "group-by-id"
	BucketUsers     = "users"
	BucketUserByID  = "user-by-id"
	BucketLogs      = "logs"
	BucketOAuth2    = "oauth2"
	BucketOther     = "other"
)

// Buckets lists every bucket of the table.
func Buckets() []string {
	return []string{BucketApps, BucketAppByID, BucketGroups, BucketGroupByID, BucketUsers, BucketUserByID,
		BucketLogs, BucketOAuth2, BucketOther}
}

// BucketFor is the simulator's classification of a request path into the
// row of Okta's table it counts against.
func BucketFor(path string) string {
	path, _, _ = strings.Cut(path, "?")
	path, _, _ = strings.Cut(path, "#")
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(segs) >= 2 && segs[0] == "oauth2" && segs[1] == "v1" {
		if len(segs) >= 3 && segs[2] == "clients" {
			return BucketOther
		}
		return BucketOAuth2
	}
	if len(segs) < 3 || segs[0] != "api" || segs[1] != "v1" {
		return BucketOther
	}
	rest := segs[3:]
	switch segs[2] {
	case "apps":
		return listOrByID(rest, BucketApps, BucketAppByID, true)
	case "groups":
		if len(rest) >= 2 && rest[1] == "roles" {
			return BucketOther
		}
		if len(rest) >= 1 && rest[0] == "rules" {
			// Group rules are of the form /api/v1/groups* and no group id:
			// they count in the list row.
			return BucketGroups
		}
		return listOrByID(rest, BucketGroups, BucketGroupByID, true)
	case "users":
		return listOrByID(rest, BucketUsers, BucketUserByID, false)
	case "logs":
		if len(rest) == 0 {
			return BucketLogs
		}
	}
	return BucketOther
}

// listOrByID picks the list row for the collection (and, when subInList,
// for its sub-resources) and the by-id row for one member.
func listOrByID(rest []string, list, byID string, subInList bool) string {
	switch {
	case len(rest) == 0:
		return list
	case len(rest) == 1:
		return byID
	case subInList:
		return list
	}
	return BucketOther
}

// Profile is one Okta edition's per-minute limits, bucket by bucket, and its
// concurrent-request limit. Profiles are values: Limits hands out a copy.
type Profile struct {
	// Edition names the column of Okta's tables.
	Edition string
	// Concurrency is the edition's limit on concurrent requests ("Additional
	// rate limits", https://developer.okta.com/docs/reference/rl-additional-limits/).
	Concurrency int

	apps, appByID, groups, groupByID, users, userByID, logs, oauth2, other int
}

// Limits returns the profile's per-minute limits, for Options.Limits.
func (p Profile) Limits() map[string]int {
	return map[string]int{
		BucketApps: p.apps, BucketAppByID: p.appByID, BucketGroups: p.groups, BucketGroupByID: p.groupByID,
		BucketUsers: p.users, BucketUserByID: p.userByID, BucketLogs: p.logs, BucketOAuth2: p.oauth2, BucketOther: p.other,
	}
}

// The editions of Okta's "Management rate limits" table, column by column
// (rows in the order of the constants above), with the concurrency limits of
// "Additional rate limits".
var (
	// LimitsDeveloperFree is the Developer (free) column.
	LimitsDeveloperFree = Profile{Edition: "Developer (free)", Concurrency: 15,
		apps: 20, appByID: 100, groups: 100, groupByID: 100, users: 100, userByID: 100, logs: 20, oauth2: 300, other: 100}
	// LimitsDeveloperPaid is the Developer (paid) column.
	LimitsDeveloperPaid = Profile{Edition: "Developer (paid)", Concurrency: 35,
		apps: 25, appByID: 300, groups: 300, groupByID: 300, users: 300, userByID: 300, logs: 25, oauth2: 600, other: 300}
	// LimitsOneApp is the One App column.
	LimitsOneApp = Profile{Edition: "One App", Concurrency: 35,
		apps: 25, appByID: 300, groups: 300, groupByID: 300, users: 300, userByID: 300, logs: 25, oauth2: 600, other: 300}
	// LimitsEnterprise is the Enterprise column.
	LimitsEnterprise = Profile{Edition: "Enterprise", Concurrency: 75,
		apps: 100, appByID: 600, groups: 600, groupByID: 600, users: 600, userByID: 1000, logs: 50, oauth2: 1200, other: 600}
	// LimitsWorkforce is the Workforce Identity column.
	LimitsWorkforce = Profile{Edition: "Workforce Identity", Concurrency: 75,
		apps: 100, appByID: 500, groups: 500, groupByID: 1000, users: 600, userByID: 2000, logs: 120, oauth2: 2000, other: 1200}
)

// Profiles returns every edition, smallest first.
func Profiles() []Profile {
	return []Profile{LimitsDeveloperFree, LimitsDeveloperPaid, LimitsOneApp, LimitsEnterprise, LimitsWorkforce}
}
