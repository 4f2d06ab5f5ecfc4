package oktatest

import (
	"fmt"
	"time"
)

// Event is a System Log event one of the Org's mutation methods wrote.
type Event struct {
	// UUID is the event's uuid, as /api/v1/logs serves it.
	UUID string
	// EventType is Okta's event type, e.g. "group.user_membership.add".
	EventType string
	// Published is when the change happened; Persisted is when the event
	// becomes visible to /api/v1/logs (shortly after, as in Okta).
	Published, Persisted time.Time
	// Targets are the event's target[] entries, in order.
	Targets []EventTarget

	key logKey // where the event sits in the log, to render it
}

// EventTarget is one entry of an event's target[].
type EventTarget struct {
	// ID and Type identify the target, e.g. a "User" or a "UserGroup".
	ID, Type string
	// AlternateID and DisplayName are the names Okta shows for it.
	AlternateID, DisplayName string
}

// Events returns the System Log events the mutation methods wrote, in the
// order they were written.
func (o *Org) Events() []Event {
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := make([]Event, len(o.events))
	for i, e := range o.events {
		out[i] = e
		out[i].Targets = append([]EventTarget(nil), e.Targets...)
	}
	return out
}

// mutationEvent is what a mutation's event says, over the generated
// client, request and transaction context of its ordinal.
type mutationEvent struct {
	eventType, display, legacy string
	requestURI                 string
	privilege                  string // debugData.privilegeGranted or privilegeRevoked
	actor                      logEntity
	targets                    []logEntity
}

// mutationEventTypes are the event types the mutations write (names from
// Okta's "Event Types" catalog) with a displayMessage in Okta's wording and
// a legacyEventType only where the catalog's mapping is known to us; the
// rest leave it out, as Okta does for types with no legacy equivalent.
// Clients must key on eventType, never on the message.
var mutationEventTypes = map[string]struct{ display, legacy string }{
	"user.lifecycle.create":                {"Create Okta user", "core.user.config.user_creation.success"},
	"user.lifecycle.activate":              {"Activate Okta user", "core.user.config.user_activated"},
	"user.lifecycle.reactivate":            {"Reactivate Okta user", ""},
	"user.lifecycle.deactivate":            {"Deactivate Okta user", "core.user.config.user_deactivated"},
	"user.lifecycle.suspend":               {"Suspend Okta user", "core.user.config.user_suspended"},
	"user.lifecycle.unsuspend":             {"Unsuspend Okta user", "core.user.config.user_unsuspended"},
	"user.lifecycle.password_mark_expired": {"Expire user password", ""},
	"user.lifecycle.delete.initiated":      {"Delete Okta user initiated", ""},
	"user.lifecycle.delete.completed":      {"Delete Okta user completed", ""},
	"user.account.lock":                    {"Max sign in attempts exceeded", ""},
	"user.account.unlock":                  {"Unlock user account", ""},
	"user.account.reset_password":          {"Reset user password", ""},
	"user.account.update_profile":          {"Update user profile for Okta", "core.user.config.profile_update.success"},
	"user.account.privilege.grant":         {"Grant user privilege", ""},
	"user.account.privilege.revoke":        {"Revoke user privilege", ""},
	"group.user_membership.add":            {"Add user to group membership", "group.user_membership.add"},
	"group.user_membership.remove":         {"Remove user from group membership", "group.user_membership.remove"},
	"group.profile.update":                 {"Update Okta group profile", ""},
	"group.lifecycle.delete":               {"Delete Okta group", ""},
	"group.privilege.grant":                {"Group Privilege granted", "group.privilege.grant"},
	"group.privilege.revoke":               {"Group Privilege revoked", ""},
	"group.application_assignment.add":     {"Add assigned application to group", ""},
	"group.application_assignment.remove":  {"Remove assigned application from group", ""},
	"application.user_membership.add":      {"Add user to application membership", "app.generic.provision.assign_user_to_app"},
	"application.user_membership.remove":   {"Remove user from application membership", ""},
	"application.lifecycle.deactivate":     {"Deactivate application", ""},
	"application.lifecycle.delete":         {"Delete application", ""},
}

// statusEventType is the event Okta writes when a user goes from one
// status to another (Users API lifecycle operations).
func statusEventType(from, to string) string {
	switch to {
	case "DEPROVISIONED":
		return "user.lifecycle.deactivate"
	case "SUSPENDED":
		return "user.lifecycle.suspend"
	case "LOCKED_OUT":
		return "user.account.lock"
	case "PASSWORD_EXPIRED":
		return "user.lifecycle.password_mark_expired"
	case "RECOVERY":
		return "user.account.reset_password"
	}
	switch from { // to ACTIVE or PROVISIONED
	case "SUSPENDED":
		return "user.lifecycle.unsuspend"
	case "DEPROVISIONED":
		return "user.lifecycle.reactivate"
	case "LOCKED_OUT":
		return "user.account.unlock"
	}
	return "user.lifecycle.activate"
}

// logLocked writes one mutation's event, published at at and persisted a
// few hundred milliseconds to two seconds later like most of Okta's
// events (the caller holds mu). The actor is the org's first super admin.
func (o *Org) logLocked(at time.Time, eventType, requestURI string, targets ...logEntity) string {
	return o.logPrivilegeLocked(at, eventType, requestURI, "", targets...)
}

func (o *Org) logPrivilegeLocked(at time.Time, eventType, requestURI, privilege string, targets ...logEntity) string {
	meta, ok := mutationEventTypes[eventType]
	if !ok {
		panic(fmt.Sprintf("oktatest: no catalog entry for event type %s", eventType)) // our own table
	}
	ord := o.cfg.LogEvents + len(o.addedLogs)
	lag := 100 + int64(hash64(o.cfg.Seed, kindLog, ord, 7)>>20%2000)
	published := at.UTC().Truncate(time.Millisecond)
	k, uuid := o.insertLogLocked(published, published.Add(time.Duration(lag)*time.Millisecond))
	ev := &mutationEvent{eventType: eventType, display: meta.display, legacy: meta.legacy,
		requestURI: requestURI, privilege: privilege, actor: o.mutationActorLocked(), targets: targets}
	o.logContent[k.ord] = ev
	rec := Event{key: k, UUID: uuid, EventType: eventType, Published: time.UnixMilli(k.published).UTC(), Persisted: time.UnixMilli(k.persisted).UTC()}
	for _, t := range targets {
		rec.Targets = append(rec.Targets, EventTarget{ID: t.ID, Type: t.Type, AlternateID: t.AlternateID, DisplayName: t.DisplayName})
	}
	o.events = append(o.events, rec)
	return uuid
}

// mutationActorLocked is who makes the changes: the first admin while it
// exists, else Okta itself.
func (o *Org) mutationActorLocked() logEntity {
	if o.cfg.Admins > 0 {
		if u, ok := o.userLocked(0); ok {
			return o.userTarget(u)
		}
	}
	return logEntity{ID: o.orgID, Type: "SystemPrincipal", AlternateID: "system@okta.com", DisplayName: "Okta System"}
}

// mutationContent returns the mutation event stored for ordinal ord, if any.
func (o *Org) mutationContent(ord int) *mutationEvent {
	if ord < o.cfg.LogEvents {
		return nil
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.logContent[ord]
}

// userTarget, groupTarget, appTarget and appUserTarget are entities as
// Okta names them in actor and target[].
func (o *Org) userTarget(u user) logEntity {
	return logEntity{ID: u.id, Type: "User", AlternateID: u.login, DisplayName: u.first + " " + u.last}
}

func groupTarget(g group) logEntity {
	return logEntity{ID: g.id, Type: "UserGroup", AlternateID: "unknown", DisplayName: g.name}
}

func appTarget(ap app) logEntity {
	return logEntity{ID: ap.id, Type: "AppInstance", AlternateID: ap.label, DisplayName: ap.label}
}

// appUserTarget is the app user, whose id (0ua…) is not the user's: a
// client must read the User target to learn who was assigned.
func (o *Org) appUserTarget(ap app, u user) logEntity {
	id := makeID("0ua", o.cfg.Seed, kindAppUser, int(hash64(o.cfg.Seed, kindAppUser, ap.idx, u.idx)%idSpace))
	return logEntity{ID: id, Type: "AppUser", AlternateID: u.login, DisplayName: u.first + " " + u.last}
}
