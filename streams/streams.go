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

// CursorKind says how a stream is read incrementally; extract runs each
// kind its own way and never asks for a stream by name.
type CursorKind int

const (
	// CursorNone: every run reads the whole stream (full refresh).
	CursorNone CursorKind = iota
	// CursorLastUpdated: Okta's filter `lastUpdated gt "<cursor>"`, which also
	// returns DEPROVISIONED users; the cursor is the newest lastUpdated read,
	// kept behind the run's start.
	CursorLastUpdated
	// CursorLogPolling: the System Log's polling mode (since, ascending, no
	// until); the cursor is the next link of the last page read, because
	// events are persisted out of published order. Backfill reads the same
	// stream in bounded since/until windows.
	CursorLogPolling
)

// Enrichment is a list that Port's Okta Ocean integration adds to each
// record of a stream when a selector option asks for it, and that a
// stream of the lake holds one element per record of: include_groups adds
// to each user its groups (from group_members), include_members to each
// group its members (group_members), include_applications to each user its
// applications (application_users).
type Enrichment struct {
	// Option is the Ocean selector option, such as "include_groups".
	Option string
	// Default is the option's value when the selector does not set it.
	Default bool
	// Target is the stream whose records get the list; Field the list's name.
	Target, Field string
	// Source is the stream holding one record per element (the stream
	// whose catalog entry declares the enrichment).
	Source string
	// TargetKey is the Source record's field equal to the target record's
	// primary key (group_members' "id" is the user's id).
	TargetKey string
	// ValueFrom is the stream whose record, found by the Source record's
	// ValueKey, is the element (the group of a membership); "" makes the
	// Source record itself the element (the member of a group).
	ValueFrom, ValueKey string
}

// Enrichments returns every enrichment the catalog declares, in catalog order.
func Enrichments() []Enrichment {
	var out []Enrichment
	for _, s := range catalog {
		for _, e := range s.Enriches {
			e.Source = s.Name
			out = append(out, e)
		}
	}
	return out
}

// Source is an endpoint that lists records: its path, fixed query and how
// its pages come.
type Source struct {
	// Path is the endpoint; for fan-out streams it holds {id}, replaced by each parent's id.
	Path string
	// Query holds fixed query parameters (besides limit and the cursor filter).
	Query map[string]string
	// PageSize is the endpoint's maximum page size (0: the endpoint takes no limit).
	PageSize int
	// ItemsField names the body field holding the records when the body is an
	// object ("roles", "permissions", "resource-sets"); "" when it is an array.
	ItemsField string
	// BodyNext says the next page is in the body's _links.next.href, not in a Link header.
	BodyNext bool
	// Object says the body is one record, an object, not a list.
	Object bool
	// Name names a parent listing in the run summary, as "<parent> (<Name>)"
	// ("" is "parents").
	Name string
}

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
	// CursorKind is how the stream reads incrementally (CursorNone for full refresh).
	CursorKind CursorKind
	// PageSize is the endpoint's maximum page size (0: the endpoint takes no limit).
	PageSize int
	// ItemsField names the body field holding the records when the body is an
	// object ("roles", "permissions", "resource-sets"); "" when it is an array.
	ItemsField string
	// BodyNext says the next page is in the body's _links.next.href, not in a Link header.
	BodyNext bool
	// Object says the body is one record, an object, not a list
	// (/api/v1/meta/schemas/user/default).
	Object bool
	// Parent is the stream whose records fan out into this one ("" for none).
	Parent string
	// ParentSource is the endpoint listing the parents when it differs from the
	// parent stream's own (user_role_assignments lists only admins); nil
	// lists the parent stream's endpoint.
	ParentSource *Source
	// ParentIDField is the field added to each child record with its parent's id.
	ParentIDField string
	// SkipParentIfZero is the dotted path of a count in the parent record
	// that, when 0, says the parent has no children here, so it costs no
	// request ("" asks every parent).
	SkipParentIfZero string
	// References are the streams, besides Parent, whose entities this
	// stream's entities point at (the default mapping's relation targets):
	// they load first.
	References []string
	// AppendOnly streams hold events that never change and are never
	// deleted (the System Log): readers need not track their keys.
	AppendOnly bool
	// Live streams are written by `oktalake serve` from Okta Event Hook
	// deliveries, never read from an endpoint: extract skips them (All and
	// Names leave them out), load reads them like any stream.
	Live bool
	// OceanKinds are the kinds of Port's Okta Ocean integration that name
	// this stream in an Ocean-dialect mapping (besides the stream name).
	OceanKinds []string
	// Enriches are the lists this stream's records add to another stream's
	// records when an Ocean mapping's selector asks for them (Ocean makes
	// extra Okta calls; the loader joins them from the lake).
	Enriches []Enrichment
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

// Source is the stream's own endpoint.
func (s Stream) Source() Source {
	return Source{Path: s.Path, Query: s.Query, PageSize: s.PageSize, ItemsField: s.ItemsField, BodyNext: s.BodyNext, Object: s.Object}
}

// ParentListing is the endpoint listing a fan-out stream's parents: its
// ParentSource, else the parent stream's own endpoint. Parents are listed
// in full (no cursor filter), whatever the parent stream's cursor.
func (s Stream) ParentListing() (Source, bool) {
	if s.Parent == "" {
		return Source{}, false
	}
	if s.ParentSource != nil {
		return *s.ParentSource, true
	}
	p, ok := Lookup(s.Parent)
	if !ok {
		return Source{}, false
	}
	return p.Source(), true
}

// catalog is every stream, parents before their children. References follow
// the relations the default mapping (schemas/mappings/default.json) gives.
var catalog = []Stream{
	{Name: "users", Path: "/api/v1/users", PrimaryKey: []string{"id"}, Cursor: "lastUpdated", CursorKind: CursorLastUpdated, PageSize: 200,
		OceanKinds: []string{"okta-user"}, Scope: "okta.users.read",
		Description: "Users of every status, DEPROVISIONED included"},
	{Name: "groups", Path: "/api/v1/groups", Query: map[string]string{"expand": "stats"}, PrimaryKey: []string{"id"}, Cursor: "lastUpdated", CursorKind: CursorLastUpdated, PageSize: 200,
		OceanKinds: []string{"okta-group"}, Scope: "okta.groups.read",
		Description: "Groups, with member counts from expand=stats"},
	// expand=stats on the groups listing gives each group's usersCount:
	// an empty group costs no member request.
	{Name: "group_members", Path: "/api/v1/groups/{id}/users", PrimaryKey: []string{"groupId", "id"}, PageSize: 1000,
		Parent: "groups", ParentIDField: "groupId", SkipParentIfZero: "_embedded.stats.usersCount", References: []string{"users"}, Scope: "okta.groups.read",
		// Port's Okta page (seed 000) maps .groups[]?.id on users and
		// .users[]?.id on groups; its okta-group selector sets no option,
		// so include_members is on unless turned off.
		Enriches: []Enrichment{
			{Option: "include_groups", Target: "users", Field: "groups", TargetKey: "id", ValueFrom: "groups", ValueKey: "groupId"},
			{Option: "include_members", Default: true, Target: "groups", Field: "users", TargetKey: "groupId"},
		},
		Description: "Members of each non-empty group"},
	{Name: "applications", Path: "/api/v1/apps", PrimaryKey: []string{"id"}, PageSize: 200,
		OceanKinds: []string{"okta-application"}, Scope: "okta.apps.read",
		Description: "Applications"},
	{Name: "application_users", Path: "/api/v1/apps/{id}/users", PrimaryKey: []string{"appId", "id"}, PageSize: 500,
		Parent: "applications", ParentIDField: "appId", References: []string{"users"}, Scope: "okta.apps.read",
		Enriches: []Enrichment{
			{Option: "include_applications", Target: "users", Field: "applications", TargetKey: "id", ValueFrom: "applications", ValueKey: "appId"},
		},
		Description: "Users assigned to each application"},
	{Name: "application_groups", Path: "/api/v1/apps/{id}/groups", PrimaryKey: []string{"appId", "id"}, PageSize: 200,
		Parent: "applications", ParentIDField: "appId", References: []string{"groups"}, Scope: "okta.apps.read",
		Description: "Groups assigned to each application"},
	{Name: "custom_roles", Path: "/api/v1/iam/roles", PrimaryKey: []string{"id"}, ItemsField: "roles", BodyNext: true, Scope: "okta.roles.read",
		Description: "Custom admin roles"},
	{Name: "permissions", Path: "/api/v1/iam/roles/{id}/permissions", PrimaryKey: []string{"roleId", "label"}, ItemsField: "permissions",
		Parent: "custom_roles", ParentIDField: "roleId", Scope: "okta.roles.read",
		Description: "Permissions of each custom role"},
	// /api/v1/iam/assignees/users lists only the users holding admin roles
	// (100 a page at most, body paging), so role fan-out costs one request
	// per admin, not one per user of the org.
	{Name: "user_role_assignments", Path: "/api/v1/users/{id}/roles", PrimaryKey: []string{"userId", "id"},
		Parent: "users", ParentSource: &Source{Path: "/api/v1/iam/assignees/users", PageSize: 100, ItemsField: "value", BodyNext: true, Name: "admins"},
		ParentIDField: "userId", References: []string{"custom_roles", "resource_sets"}, Scope: "okta.roles.read",
		Description: "Admin roles assigned to users (admins only, from /iam/assignees/users)"},
	{Name: "group_role_assignments", Path: "/api/v1/groups/{id}/roles", PrimaryKey: []string{"groupId", "id"},
		Parent: "groups", ParentIDField: "groupId", References: []string{"custom_roles", "resource_sets"}, Scope: "okta.roles.read",
		Description: "Admin roles assigned to groups"},
	{Name: "resource_sets", Path: "/api/v1/iam/resource-sets", PrimaryKey: []string{"id"}, ItemsField: "resource-sets", BodyNext: true, Scope: "okta.roles.read",
		Description: "Resource sets of custom admin roles"},
	// Group rules page with Link headers (limit defaults to 50; 200 a page).
	{Name: "group_rules", Path: "/api/v1/groups/rules", PrimaryKey: []string{"id"}, PageSize: 200,
		References: []string{"groups"}, Scope: "okta.groups.read",
		Description: "Group rules: the expressions that assign users to groups"},
	// User types, authenticators and the user schema come in one response: no paging.
	{Name: "user_types", Path: "/api/v1/meta/types/user", PrimaryKey: []string{"id"}, Scope: "okta.userTypes.read",
		Description: "User types (the default one and the org's own)"},
	// One record: the default user type's schema. Its id is a URL on the
	// org's domain; its name ("user") keys it.
	{Name: "user_schema", Path: "/api/v1/meta/schemas/user/default", PrimaryKey: []string{"name"}, Object: true, Scope: "okta.schemas.read",
		Description: "The user profile schema, the org's custom attributes included (one record)"},
	{Name: "devices", Path: "/api/v1/devices", PrimaryKey: []string{"id"}, PageSize: 200, Scope: "okta.devices.read",
		Description: "Devices registered with Okta (Identity Engine)"},
	{Name: "authenticators", Path: "/api/v1/authenticators", PrimaryKey: []string{"id"}, Scope: "okta.authenticators.read",
		Description: "Authenticators (email, password, Okta Verify, ...)"},
	{Name: "logs", Path: "/api/v1/logs", PrimaryKey: []string{"uuid"}, Cursor: "published", CursorKind: CursorLogPolling, PageSize: 1000, AppendOnly: true,
		References: []string{"users"}, Scope: "okta.logs.read",
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

// Lookup returns the named stream, extracted or live.
func Lookup(name string) (Stream, bool) {
	for _, s := range catalog {
		if s.Name == name {
			return s, true
		}
	}
	for _, s := range live {
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
		if s, ok := Lookup(n); !ok || s.Live {
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

// logsScope is the System Log's scope.
const logsScope = "okta.logs.read"

// Scopes returns the OAuth scopes the streams need, sorted and deduplicated.
func Scopes(ss []Stream) []string {
	seen := map[string]bool{}
	var out []string
	add := func(scope string) {
		if scope != "" && !seen[scope] {
			seen[scope] = true
			out = append(out, scope)
		}
	}
	for _, s := range ss {
		add(s.Scope)
		if _, ok := s.Changes(); ok {
			add(logsScope) // the change feed reads the System Log
		}
	}
	sort.Strings(out)
	return out
}

// WithCursor returns the streams read with cursor kind k, in catalog order.
func WithCursor(k CursorKind) []Stream {
	var out []Stream
	for _, s := range catalog {
		if s.CursorKind == k {
			out = append(out, s)
		}
	}
	return out
}

// ByOceanKind returns the stream an Ocean kind names.
func ByOceanKind(kind string) (Stream, bool) {
	for _, s := range catalog {
		for _, k := range s.OceanKinds {
			if k == kind {
				return s, true
			}
		}
	}
	return Stream{}, false
}

// OceanKinds returns every Ocean kind the catalog knows, sorted.
func OceanKinds() []string {
	var out []string
	for _, s := range catalog {
		out = append(out, s.OceanKinds...)
	}
	sort.Strings(out)
	return out
}
