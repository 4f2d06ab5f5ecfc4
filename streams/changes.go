package streams

// ChangeRule is a System Log event type that changes a stream's records,
// named in Okta's Event Types catalog
// (https://developer.okta.com/docs/reference/api/event-types/), and what
// it says about them.
type ChangeRule struct {
	// EventType is Okta's eventType, e.g. "group.user_membership.add".
	EventType string
	// TargetType is the type of the event's target entry holding the id
	// the rule acts on ("User", "UserGroup", "AppInstance").
	TargetType string
	// Relist says the target is a parent whose children changed: re-list
	// them. Otherwise the target was deleted for good and every record
	// whose key field Field equals its id is gone.
	Relist bool
	Field  string
}

// ChangeFeed says how a stream learns what changed since its last run.
type ChangeFeed struct {
	// Rules are the System Log events the stream follows.
	Rules []ChangeRule
	// ParentsChangedField, for a fan-out stream, is a timestamp of its
	// parent records that Okta's filter can compare, newer when the
	// parent's children changed (groups' lastMembershipUpdated): the
	// parents to re-list come from that filter.
	ParentsChangedField string
}

// Hard deletes that lastUpdated never shows: the Users API's "Delete a
// user" writes user.lifecycle.delete.completed (a DEPROVISIONED user is a
// status, not a delete), the Groups API's "Delete a group"
// group.lifecycle.delete, the Apps API's "Delete an application"
// application.lifecycle.delete.
var (
	userDeleted  = "user.lifecycle.delete.completed"
	groupDeleted = "group.lifecycle.delete"
	appDeleted   = "application.lifecycle.delete"
)

// changeFeeds are the streams that follow the System Log, by name. The
// event types and their targets are those of Okta's Event Types catalog:
// group.user_membership.add/remove (User, UserGroup),
// application.user_membership.add/remove (AppUser, AppInstance, User),
// group.application_assignment.add/remove (AppInstance, UserGroup),
// user.account.privilege.grant/revoke (User), group.privilege.grant/revoke
// (UserGroup).
var changeFeeds = map[string]ChangeFeed{
	"users":  {Rules: []ChangeRule{{EventType: userDeleted, TargetType: "User", Field: "id"}}},
	"groups": {Rules: []ChangeRule{{EventType: groupDeleted, TargetType: "UserGroup", Field: "id"}}},
	// Membership changes move the group's lastMembershipUpdated; a user's
	// deletion does not (Okta documents no membership event for it).
	"group_members": {ParentsChangedField: "lastMembershipUpdated", Rules: []ChangeRule{
		{EventType: groupDeleted, TargetType: "UserGroup", Field: "groupId"},
		{EventType: userDeleted, TargetType: "User", Field: "id"},
	}},
	"application_users": {Rules: []ChangeRule{
		{EventType: "application.user_membership.add", TargetType: "AppInstance", Relist: true},
		{EventType: "application.user_membership.remove", TargetType: "AppInstance", Relist: true},
		{EventType: appDeleted, TargetType: "AppInstance", Field: "appId"},
		{EventType: userDeleted, TargetType: "User", Field: "id"},
	}},
	"application_groups": {Rules: []ChangeRule{
		{EventType: "group.application_assignment.add", TargetType: "AppInstance", Relist: true},
		{EventType: "group.application_assignment.remove", TargetType: "AppInstance", Relist: true},
		{EventType: appDeleted, TargetType: "AppInstance", Field: "appId"},
		{EventType: groupDeleted, TargetType: "UserGroup", Field: "id"},
	}},
	"user_role_assignments": {Rules: []ChangeRule{
		{EventType: "user.account.privilege.grant", TargetType: "User", Relist: true},
		{EventType: "user.account.privilege.revoke", TargetType: "User", Relist: true},
		{EventType: userDeleted, TargetType: "User", Field: "userId"},
	}},
	"group_role_assignments": {Rules: []ChangeRule{
		{EventType: "group.privilege.grant", TargetType: "UserGroup", Relist: true},
		{EventType: "group.privilege.revoke", TargetType: "UserGroup", Relist: true},
		{EventType: groupDeleted, TargetType: "UserGroup", Field: "groupId"},
	}},
}

// Changes is how the stream follows changes between full passes; ok is
// false for a stream re-read in full every run (or append-only).
func (s Stream) Changes() (ChangeFeed, bool) {
	f, ok := changeFeeds[s.Name]
	return f, ok
}

// ChangeDriven reports whether a fan-out stream re-lists only the parents
// that changed between full passes.
func (s Stream) ChangeDriven() bool {
	f, ok := s.Changes()
	if !ok || s.Parent == "" {
		return false
	}
	if f.ParentsChangedField != "" {
		return true
	}
	for _, r := range f.Rules {
		if r.Relist {
			return true
		}
	}
	return false
}
