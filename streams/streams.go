// Package streams is the catalog of Okta streams oktalake extracts: for each,
// the endpoint, primary key, cursor, parent stream for fan-out and page size.
// It is pure data; extract runs it and schemas holds each stream's JSON schema.
package streams

import (
	"fmt"
	"sort"
	"strings"
)

// Sync modes, as Airbyte names them.
const (
	FullRefresh = "full_refresh"
	Incremental = "incremental"
)

// Rate-limit buckets: Okta counts requests per endpoint family, so the
// governor paces each one separately.
const (
	BucketUsers  = "users"
	BucketGroups = "groups"
	BucketApps   = "apps"
	BucketLogs   = "logs"
	BucketOther  = "other"
)

// Stream describes one Okta stream.
type Stream struct {
	// Name is the stream name, as Airbyte's Okta source calls it where it has one.
	Name string
	// Path is the endpoint; for fan-out streams it holds {id}, replaced by each parent's id.
	Path string
	// Query holds fixed query parameters (besides limit and the cursor filter).
	Query map[string]string
	// PrimaryKey is the record field (or fields) that identify a record.
	PrimaryKey []string
	// Cursor is the incremental cursor field ("" for full refresh).
	Cursor string
	// PageSize is the endpoint's maximum page size (0: the endpoint takes no limit).
	PageSize int
	// ItemsField names the body field holding the records when the body is an
	// object ("roles", "permissions", "resource-sets"); "" when it is an array.
	ItemsField string
	// BodyNext says the next page is in the body's _links.next.href, not in a Link header.
	BodyNext bool
	// Parent is the stream whose records fan out into this one ("" for none).
	Parent string
	// ParentSource is the endpoint listing the parents when it differs from the
	// parent stream's own (user_role_assignments lists only admins).
	ParentSource string
	// ParentIDField is the field added to each child record with its parent's id.
	ParentIDField string
	// Scope is the OAuth scope the stream needs.
	Scope string
	// Description is one line for `oktalake streams`.
	Description string
}

// SyncMode is Incremental when the stream has a cursor.
func (s Stream) SyncMode() string {
	if s.Cursor != "" {
		return Incremental
	}
	return FullRefresh
}

// Bucket is the Okta rate-limit bucket the stream's requests count against.
func (s Stream) Bucket() string { return BucketFor(s.Path) }

// BucketFor classifies an API path into its Okta rate-limit bucket.
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

var catalog = []Stream{
	{Name: "users", Path: "/api/v1/users", PrimaryKey: []string{"id"}, Cursor: "lastUpdated", PageSize: 200, Scope: "okta.users.read",
		Description: "Users of every status, DEPROVISIONED included"},
	{Name: "groups", Path: "/api/v1/groups", Query: map[string]string{"expand": "stats"}, PrimaryKey: []string{"id"}, Cursor: "lastUpdated", PageSize: 10000, Scope: "okta.groups.read",
		Description: "Groups, with member counts from expand=stats"},
	{Name: "group_members", Path: "/api/v1/groups/{id}/users", PrimaryKey: []string{"groupId", "id"}, PageSize: 1000, Parent: "groups", ParentIDField: "groupId", Scope: "okta.groups.read",
		Description: "Members of each non-empty group"},
	{Name: "applications", Path: "/api/v1/apps", PrimaryKey: []string{"id"}, PageSize: 200, Scope: "okta.apps.read",
		Description: "Applications"},
	{Name: "application_users", Path: "/api/v1/apps/{id}/users", PrimaryKey: []string{"appId", "id"}, PageSize: 500, Parent: "applications", ParentIDField: "appId", Scope: "okta.apps.read",
		Description: "Users assigned to each application"},
	{Name: "application_groups", Path: "/api/v1/apps/{id}/groups", PrimaryKey: []string{"appId", "id"}, PageSize: 200, Parent: "applications", ParentIDField: "appId", Scope: "okta.apps.read",
		Description: "Groups assigned to each application"},
	{Name: "custom_roles", Path: "/api/v1/iam/roles", PrimaryKey: []string{"id"}, ItemsField: "roles", Scope: "okta.roles.read",
		Description: "Custom admin roles"},
	{Name: "permissions", Path: "/api/v1/iam/roles/{id}/permissions", PrimaryKey: []string{"roleId", "label"}, ItemsField: "permissions", Parent: "custom_roles", ParentIDField: "roleId", Scope: "okta.roles.read",
		Description: "Permissions of each custom role"},
	{Name: "user_role_assignments", Path: "/api/v1/users/{id}/roles", PrimaryKey: []string{"userId", "id"}, Parent: "users", ParentSource: "/api/v1/iam/assignees/users", ParentIDField: "userId", Scope: "okta.roles.read",
		Description: "Admin roles assigned to users (admins only, from /iam/assignees/users)"},
	{Name: "group_role_assignments", Path: "/api/v1/groups/{id}/roles", PrimaryKey: []string{"groupId", "id"}, Parent: "groups", ParentIDField: "groupId", Scope: "okta.roles.read",
		Description: "Admin roles assigned to groups"},
	{Name: "resource_sets", Path: "/api/v1/iam/resource-sets", PrimaryKey: []string{"id"}, ItemsField: "resource-sets", BodyNext: true, Scope: "okta.roles.read",
		Description: "Resource sets of custom admin roles"},
	{Name: "logs", Path: "/api/v1/logs", PrimaryKey: []string{"uuid"}, Cursor: "published", PageSize: 1000, Scope: "okta.logs.read",
		Description: "System log events"},
}

// All returns the catalog in extraction order: parents before their children.
func All() []Stream {
	out := make([]Stream, len(catalog))
	copy(out, catalog)
	return out
}

// Names returns every stream name in catalog order.
func Names() []string {
	names := make([]string, len(catalog))
	for i, s := range catalog {
		names[i] = s.Name
	}
	return names
}

// Lookup returns the named stream.
func Lookup(name string) (Stream, bool) {
	for _, s := range catalog {
		if s.Name == name {
			return s, true
		}
	}
	return Stream{}, false
}

// Select resolves a list of names (empty: all) into streams in catalog order,
// rejecting unknown names with the list of known ones.
func Select(names []string) ([]Stream, error) {
	if len(names) == 0 {
		return All(), nil
	}
	want := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if _, ok := Lookup(n); !ok {
			return nil, fmt.Errorf("unknown stream %q (known: %s)", n, strings.Join(Names(), ", "))
		}
		want[n] = true
	}
	var out []Stream
	for _, s := range catalog {
		if want[s.Name] {
			out = append(out, s)
		}
	}
	return out, nil
}

// Scopes returns the OAuth scopes the streams need, sorted and deduplicated.
func Scopes(ss []Stream) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if s.Scope != "" && !seen[s.Scope] {
			seen[s.Scope] = true
			out = append(out, s.Scope)
		}
	}
	sort.Strings(out)
	return out
}
