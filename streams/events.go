package streams

import "sort"

// EventHookStream is the live stream: the System Log events Okta delivers
// to `oktalake serve` through an Event Hook, one record per event, keyed by
// uuid and never changed (append-only).
const EventHookStream = "event_hook_events"

// live holds the streams written by serve, not read from an endpoint:
// extract never lists them, load reads them like any stream.
var live = []Stream{
	{Name: EventHookStream, PrimaryKey: []string{"uuid"}, AppendOnly: true, Live: true,
		References: []string{"users"}, Scope: "okta.eventHooks.manage",
		Description: "System Log events delivered by an Okta Event Hook (oktalake serve)"},
}

// Live returns the live streams (written by serve from Event Hook deliveries).
func Live() []Stream {
	out := make([]Stream, len(live))
	copy(out, live)
	return out
}

// EventAction is what serve does with an event of a handled type.
type EventAction int

const (
	// EventRefresh fetches the current object named by the event's target
	// of type Target and writes it to Stream (a 404 writes its tombstone).
	EventRefresh EventAction = iota
	// EventDelete writes the tombstone of the object named by the target.
	EventDelete
	// EventMemberAdd writes the membership record of the Member target
	// under the Target (its parent) to Stream.
	EventMemberAdd
	// EventMemberRemove writes the tombstone of that membership record.
	EventMemberRemove
)

// Okta's System Log target types (the target[].type of an event).
const (
	TargetUser  = "User"
	TargetGroup = "UserGroup"
	TargetApp   = "AppInstance"
)

// EventType is one System Log event type serve handles: the stream it
// changes, how, and which of the event's targets names the object.
type EventType struct {
	// Type is Okta's eventType, as its Event Types catalog names it.
	Type string
	// Stream is the stream the event changes.
	Stream string
	// Action is what serve does.
	Action EventAction
	// Target is the target type naming the object (the parent for
	// memberships).
	Target string
	// Member is the target type naming the member (memberships only).
	Member string
	// Fetch is the endpoint reading the record as it is now, {id} standing
	// for the object's (or member's) id and {parent} for the parent's: the
	// members listing returns User objects, so a membership is its user's
	// record. "" for deletes and removals, which need no read.
	Fetch string
}

// The single-object reads of the Users, Groups and Apps APIs.
const (
	fetchUser    = "/api/v1/users/{id}"
	fetchGroup   = "/api/v1/groups/{id}?expand=stats" // as the groups stream lists them
	fetchApp     = "/api/v1/apps/{id}"
	fetchAppUser = "/api/v1/apps/{parent}/users/{id}"
)

// eventTypes are the event types Port's Okta Ocean integration listens to
// (its docs' "Live events" lists: user and group lifecycle, profile and
// membership events, application lifecycle and assignments), plus the
// lifecycle events Okta writes for the same changes under other names
// (a deletion is user.lifecycle.delete.initiated and .completed, a group
// profile change group.profile.update, a reactivation or a lock changes
// the user's status).
var eventTypes = []EventType{
	{Type: "user.lifecycle.create", Stream: "users", Action: EventRefresh, Target: TargetUser, Fetch: fetchUser},
	{Type: "user.lifecycle.activate", Stream: "users", Action: EventRefresh, Target: TargetUser, Fetch: fetchUser},
	{Type: "user.lifecycle.reactivate", Stream: "users", Action: EventRefresh, Target: TargetUser, Fetch: fetchUser},
	{Type: "user.lifecycle.deactivate", Stream: "users", Action: EventRefresh, Target: TargetUser, Fetch: fetchUser},
	{Type: "user.lifecycle.suspend", Stream: "users", Action: EventRefresh, Target: TargetUser, Fetch: fetchUser},
	{Type: "user.lifecycle.unsuspend", Stream: "users", Action: EventRefresh, Target: TargetUser, Fetch: fetchUser},
	{Type: "user.account.lock", Stream: "users", Action: EventRefresh, Target: TargetUser, Fetch: fetchUser},
	{Type: "user.account.unlock", Stream: "users", Action: EventRefresh, Target: TargetUser, Fetch: fetchUser},
	{Type: "user.account.update_profile", Stream: "users", Action: EventRefresh, Target: TargetUser, Fetch: fetchUser},
	{Type: "user.lifecycle.delete", Stream: "users", Action: EventDelete, Target: TargetUser},
	{Type: "user.lifecycle.delete.initiated", Stream: "users", Action: EventDelete, Target: TargetUser},
	{Type: "user.lifecycle.delete.completed", Stream: "users", Action: EventDelete, Target: TargetUser},
	{Type: "group.lifecycle.create", Stream: "groups", Action: EventRefresh, Target: TargetGroup, Fetch: fetchGroup},
	{Type: "group.lifecycle.update", Stream: "groups", Action: EventRefresh, Target: TargetGroup, Fetch: fetchGroup},
	{Type: "group.profile.update", Stream: "groups", Action: EventRefresh, Target: TargetGroup, Fetch: fetchGroup},
	{Type: "group.lifecycle.delete", Stream: "groups", Action: EventDelete, Target: TargetGroup},
	{Type: "group.user_membership.add", Stream: "group_members", Action: EventMemberAdd, Target: TargetGroup, Member: TargetUser, Fetch: fetchUser},
	{Type: "group.user_membership.remove", Stream: "group_members", Action: EventMemberRemove, Target: TargetGroup, Member: TargetUser},
	{Type: "application.lifecycle.create", Stream: "applications", Action: EventRefresh, Target: TargetApp, Fetch: fetchApp},
	{Type: "application.lifecycle.update", Stream: "applications", Action: EventRefresh, Target: TargetApp, Fetch: fetchApp},
	{Type: "application.lifecycle.activate", Stream: "applications", Action: EventRefresh, Target: TargetApp, Fetch: fetchApp},
	{Type: "application.lifecycle.deactivate", Stream: "applications", Action: EventRefresh, Target: TargetApp, Fetch: fetchApp},
	{Type: "application.lifecycle.delete", Stream: "applications", Action: EventDelete, Target: TargetApp},
	{Type: "application.user_membership.add", Stream: "application_users", Action: EventMemberAdd, Target: TargetApp, Member: TargetUser, Fetch: fetchAppUser},
	{Type: "application.user_membership.remove", Stream: "application_users", Action: EventMemberRemove, Target: TargetApp, Member: TargetUser},
}

// EventTypes returns every event type serve handles, in catalog order.
func EventTypes() []EventType {
	out := make([]EventType, len(eventTypes))
	copy(out, eventTypes)
	return out
}

// EventTypeNames returns the handled event types' names, sorted: what an
// Event Hook subscribes to.
func EventTypeNames() []string {
	out := make([]string, len(eventTypes))
	for i, e := range eventTypes {
		out[i] = e.Type
	}
	sort.Strings(out)
	return out
}

// LookupEventType returns the handling of an event type.
func LookupEventType(name string) (EventType, bool) {
	for _, e := range eventTypes {
		if e.Type == name {
			return e, true
		}
	}
	return EventType{}, false
}
