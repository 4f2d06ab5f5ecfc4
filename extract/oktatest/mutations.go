package oktatest

import (
	"fmt"
	"time"
)

// The mutation methods change the org the way an admin would through
// Okta's API, at a given time: every change is visible through the HTTP
// API at once and writes the System Log events Okta writes for it, visible
// once persisted (a second or two after at). Errors name what is missing.

// DeleteUser deletes a user for good, as Okta's "Delete a user" does when
// called until it succeeds ("a user that hasn't been deactivated is
// deactivated; a second delete deletes it"): a user that is not
// DEPROVISIONED is deactivated first (user.lifecycle.deactivate), then deleted
// (user.lifecycle.delete.initiated, user.lifecycle.delete.completed). The
// user leaves /users, every group, app and role assignment, and /users/{id}
// answers 404. Its groups' lastMembershipUpdated does not move and no
// membership events are written: Okta documents neither for a deletion, so
// a client must not count on them.
func (o *Org) DeleteUser(id string, at time.Time) error {
	i := parseID(id, "00u", o.cfg.Seed, kindUser)
	o.mu.Lock()
	defer o.mu.Unlock()
	u, ok := o.userLocked(i)
	if !ok {
		return fmt.Errorf("deleting user %s: no such user", id)
	}
	uri := "/api/v1/users/" + id
	if u.status != "DEPROVISIONED" {
		o.logLocked(at, "user.lifecycle.deactivate", uri+"/lifecycle/deactivate", o.userTarget(u))
	}
	o.logLocked(at, "user.lifecycle.delete.initiated", uri, o.userTarget(u))
	o.deletedUsers[i] = true
	o.logLocked(at, "user.lifecycle.delete.completed", uri, o.userTarget(u))
	return nil
}

// DeleteGroup deletes a group (group.lifecycle.delete): it leaves /groups,
// and its memberships, app assignments and role assignments vanish with
// it. Everyone, a BUILT_IN group, cannot be deleted (Groups API: only
// OKTA_GROUP groups are managed through it).
func (o *Org) DeleteGroup(id string, at time.Time) error {
	g := parseID(id, "00g", o.cfg.Seed, kindGroup)
	o.mu.Lock()
	defer o.mu.Unlock()
	gr, ok := o.groupLocked(g)
	if !ok {
		return fmt.Errorf("deleting group %s: no such group", id)
	}
	if gr.kind == "BUILT_IN" {
		return fmt.Errorf("deleting group %s: %s is built in", id, gr.name)
	}
	o.deletedGroups[g] = true
	o.logLocked(at, "group.lifecycle.delete", "/api/v1/groups/"+id, groupTarget(gr))
	return nil
}

// DeleteApp deletes an application. Okta's "Delete an application" takes
// only inactive apps, so an ACTIVE one is deactivated first (application.lifecycle.deactivate), then
// deleted (application.lifecycle.delete); its user and group assignments
// vanish with it.
func (o *Org) DeleteApp(id string, at time.Time) error {
	a := parseID(id, "0oa", o.cfg.Seed, kindApp)
	o.mu.Lock()
	defer o.mu.Unlock()
	ap, ok := o.appLocked(a)
	if !ok {
		return fmt.Errorf("deleting app %s: no such app", id)
	}
	uri := "/api/v1/apps/" + id
	if ap.status == "ACTIVE" {
		o.logLocked(at, "application.lifecycle.deactivate", uri+"/lifecycle/deactivate", appTarget(ap))
	}
	o.deletedApps[a] = true
	o.logLocked(at, "application.lifecycle.delete", uri, appTarget(ap))
	return nil
}

// UpdateGroup changes a group's profile and sets its lastUpdated to at
// (group.profile.update). Empty fields are left unchanged.
func (o *Org) UpdateGroup(id string, at time.Time, ch GroupChange) error {
	g := parseID(id, "00g", o.cfg.Seed, kindGroup)
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.groupLocked(g); !ok {
		return fmt.Errorf("updating group %s: no such group", id)
	}
	e := o.groupEdits[g]
	if ch.Name != "" {
		e.name = ch.Name
	}
	if ch.Description != "" {
		e.description = ch.Description
	}
	e.lastUpdated = at.UTC()
	o.groupEdits[g] = e
	gr, _ := o.groupLocked(g)
	o.logLocked(at, "group.profile.update", "/api/v1/groups/"+id, groupTarget(gr))
	return nil
}

// GroupChange is a mutation of one group's profile; empty fields are left
// unchanged.
type GroupChange struct {
	Name, Description string
}

// AddGroupMember adds a user to a group (group.user_membership.add, with
// the User and the UserGroup as targets) and sets the group's
// lastMembershipUpdated to at; its stats' usersCount follows. Everyone's
// membership is Okta's to manage and cannot be changed.
func (o *Org) AddGroupMember(groupID, userID string, at time.Time) error {
	return o.editMembership(groupID, userID, at, true)
}

// RemoveGroupMember removes a user from a group
// (group.user_membership.remove) and sets its lastMembershipUpdated to at.
func (o *Org) RemoveGroupMember(groupID, userID string, at time.Time) error {
	return o.editMembership(groupID, userID, at, false)
}

func (o *Org) editMembership(groupID, userID string, at time.Time, add bool) error {
	verb := map[bool]string{true: "adding", false: "removing"}[add]
	o.mu.Lock()
	defer o.mu.Unlock()
	g, u, err := o.groupAndUserLocked(groupID, userID)
	if err != nil {
		return fmt.Errorf("%s %s to group %s: %w", verb, userID, groupID, err)
	}
	if g.kind == "BUILT_IN" {
		return fmt.Errorf("%s %s to group %s: the membership of %s is managed by Okta", verb, userID, groupID, g.name)
	}
	base := o.groupLayout(g.idx, o.cfg.Users+len(o.addedUsers))
	e := editsFor(o.members, g.idx)
	if add && !e.add(base, u.idx, at.UTC()) {
		return fmt.Errorf("adding %s to group %s: already a member", userID, groupID)
	}
	if !add && !e.remove(base, u.idx) {
		return fmt.Errorf("removing %s from group %s: not a member", userID, groupID)
	}
	ge := o.groupEdits[g.idx]
	ge.lastMembershipUpdated = at.UTC()
	o.groupEdits[g.idx] = ge
	typ := map[bool]string{true: "group.user_membership.add", false: "group.user_membership.remove"}[add]
	o.logLocked(at, typ, "/api/v1/groups/"+groupID+"/users/"+userID, o.userTarget(u), groupTarget(g))
	return nil
}

// AssignUserToApp assigns a user to an application
// (application.user_membership.add, with the AppUser, the AppInstance and
// the User as targets).
func (o *Org) AssignUserToApp(appID, userID string, at time.Time) error {
	return o.editAppUser(appID, userID, at, true)
}

// UnassignUserFromApp removes a user's assignment to an application
// (application.user_membership.remove).
func (o *Org) UnassignUserFromApp(appID, userID string, at time.Time) error {
	return o.editAppUser(appID, userID, at, false)
}

func (o *Org) editAppUser(appID, userID string, at time.Time, add bool) error {
	verb := map[bool]string{true: "assigning", false: "unassigning"}[add]
	o.mu.Lock()
	defer o.mu.Unlock()
	ap, ok := o.appLocked(parseID(appID, "0oa", o.cfg.Seed, kindApp))
	if !ok {
		return fmt.Errorf("%s %s to app %s: no such app", verb, userID, appID)
	}
	u, ok := o.userLocked(parseID(userID, "00u", o.cfg.Seed, kindUser))
	if !ok {
		return fmt.Errorf("%s %s to app %s: no such user", verb, userID, appID)
	}
	base := o.appUserLayout(ap.idx)
	e := editsFor(o.appUsers, ap.idx)
	if add && !e.add(base, u.idx, at.UTC()) {
		return fmt.Errorf("assigning %s to app %s: already assigned", userID, appID)
	}
	if !add && !e.remove(base, u.idx) {
		return fmt.Errorf("unassigning %s from app %s: not assigned", userID, appID)
	}
	typ := map[bool]string{true: "application.user_membership.add", false: "application.user_membership.remove"}[add]
	o.logLocked(at, typ, "/api/v1/apps/"+appID+"/users/"+userID, o.appUserTarget(ap, u), appTarget(ap), o.userTarget(u))
	return nil
}

// AssignGroupToApp assigns a group to an application
// (group.application_assignment.add, with the AppInstance and the
// UserGroup as targets).
func (o *Org) AssignGroupToApp(appID, groupID string, at time.Time) error {
	return o.editAppGroup(appID, groupID, at, true)
}

// UnassignGroupFromApp removes a group's assignment to an application
// (group.application_assignment.remove).
func (o *Org) UnassignGroupFromApp(appID, groupID string, at time.Time) error {
	return o.editAppGroup(appID, groupID, at, false)
}

func (o *Org) editAppGroup(appID, groupID string, at time.Time, add bool) error {
	verb := map[bool]string{true: "assigning", false: "unassigning"}[add]
	o.mu.Lock()
	defer o.mu.Unlock()
	ap, ok := o.appLocked(parseID(appID, "0oa", o.cfg.Seed, kindApp))
	if !ok {
		return fmt.Errorf("%s group %s to app %s: no such app", verb, groupID, appID)
	}
	g, ok := o.groupLocked(parseID(groupID, "00g", o.cfg.Seed, kindGroup))
	if !ok {
		return fmt.Errorf("%s group %s to app %s: no such group", verb, groupID, appID)
	}
	base := sortedIndexes(o.appGroupIndexes(ap.idx))
	e := editsFor(o.appGroups, ap.idx)
	if add && !e.add(base, g.idx, at.UTC()) {
		return fmt.Errorf("assigning group %s to app %s: already assigned", groupID, appID)
	}
	if !add && !e.remove(base, g.idx) {
		return fmt.Errorf("unassigning group %s from app %s: not assigned", groupID, appID)
	}
	typ := map[bool]string{true: "group.application_assignment.add", false: "group.application_assignment.remove"}[add]
	o.logLocked(at, typ, "/api/v1/apps/"+appID+"/groups/"+groupID, appTarget(ap), groupTarget(g))
	return nil
}

// GrantUserRole assigns a standard admin role (SUPER_ADMIN, ORG_ADMIN,
// APP_ADMIN …) to a user (user.account.privilege.grant). A user gaining a
// first role joins /api/v1/iam/assignees/users.
func (o *Org) GrantUserRole(userID, roleType string, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, ok := o.userLocked(parseID(userID, "00u", o.cfg.Seed, kindUser))
	if !ok {
		return fmt.Errorf("granting %s to user %s: no such user", roleType, userID)
	}
	a, err := o.grantLocked(o.userRolesLocked(u.idx), editsForRoles(o.userGrants, u.idx), roleType, at)
	if err != nil {
		return fmt.Errorf("granting %s to user %s: %w", roleType, userID, err)
	}
	o.logPrivilegeLocked(at, "user.account.privilege.grant", "/api/v1/users/"+userID+"/roles", a.label, o.userTarget(u))
	return nil
}

// RevokeUserRole removes every assignment of roleType from a user
// (user.account.privilege.revoke). A user losing its last role leaves
// /api/v1/iam/assignees/users.
func (o *Org) RevokeUserRole(userID, roleType string, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, ok := o.userLocked(parseID(userID, "00u", o.cfg.Seed, kindUser))
	if !ok {
		return fmt.Errorf("revoking %s from user %s: no such user", roleType, userID)
	}
	if err := revokeLocked(o.generatedUserRoles(u.idx), editsForRoles(o.userGrants, u.idx), roleType); err != nil {
		return fmt.Errorf("revoking %s from user %s: %w", roleType, userID, err)
	}
	o.logLocked(at, "user.account.privilege.revoke", "/api/v1/users/"+userID+"/roles", o.userTarget(u))
	return nil
}

// GrantGroupRole assigns a standard admin role to a group (group.privilege.grant).
func (o *Org) GrantGroupRole(groupID, roleType string, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	g, ok := o.groupLocked(parseID(groupID, "00g", o.cfg.Seed, kindGroup))
	if !ok {
		return fmt.Errorf("granting %s to group %s: no such group", roleType, groupID)
	}
	a, err := o.grantLocked(o.groupRolesLocked(g.idx), editsForRoles(o.groupGrants, g.idx), roleType, at)
	if err != nil {
		return fmt.Errorf("granting %s to group %s: %w", roleType, groupID, err)
	}
	o.logPrivilegeLocked(at, "group.privilege.grant", "/api/v1/groups/"+groupID+"/roles", a.label, groupTarget(g))
	return nil
}

// RevokeGroupRole removes every assignment of roleType from a group
// (group.privilege.revoke).
func (o *Org) RevokeGroupRole(groupID, roleType string, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	g, ok := o.groupLocked(parseID(groupID, "00g", o.cfg.Seed, kindGroup))
	if !ok {
		return fmt.Errorf("revoking %s from group %s: no such group", roleType, groupID)
	}
	if err := revokeLocked(o.generatedGroupRoles(g.idx), editsForRoles(o.groupGrants, g.idx), roleType); err != nil {
		return fmt.Errorf("revoking %s from group %s: %w", roleType, groupID, err)
	}
	o.logLocked(at, "group.privilege.revoke", "/api/v1/groups/"+groupID+"/roles", groupTarget(g))
	return nil
}

func editsForRoles(m map[int]*roleEdits, key int) *roleEdits {
	e := m[key]
	if e == nil {
		e = &roleEdits{revoked: map[string]bool{}}
		m[key] = e
	}
	return e
}

// grantLocked adds a standard role to held (Okta refuses a role already
// held) and returns the new assignment.
func (o *Org) grantLocked(held []roleAssignment, e *roleEdits, roleType string, at time.Time) (roleAssignment, error) {
	label := ""
	for _, r := range standardRoles {
		if r.typ == roleType {
			label = r.label
		}
	}
	if label == "" {
		return roleAssignment{}, fmt.Errorf("%q is not a standard role type", roleType)
	}
	for _, a := range held {
		if a.typ == roleType {
			return roleAssignment{}, fmt.Errorf("role already assigned (%s)", a.id)
		}
	}
	at = at.UTC().Truncate(time.Millisecond)
	a := roleAssignment{id: makeID("ra1", o.cfg.Seed, kindGrant, o.grants), typ: roleType, label: label, created: at, lastUpdated: at}
	o.grants++
	e.granted = append(e.granted, a)
	return a, nil
}

// revokeLocked removes every assignment of roleType, generated or granted.
func revokeLocked(generated []roleAssignment, e *roleEdits, roleType string) error {
	n := 0
	for _, a := range generated {
		if a.typ == roleType && !e.revoked[a.id] {
			e.revoked[a.id] = true
			n++
		}
	}
	kept := e.granted[:0:0]
	for _, a := range e.granted {
		if a.typ == roleType {
			n++
			continue
		}
		kept = append(kept, a)
	}
	e.granted = kept
	if n == 0 {
		return fmt.Errorf("no %s assignment", roleType)
	}
	return nil
}

// groupAndUserLocked resolves a group and a user that both exist.
func (o *Org) groupAndUserLocked(groupID, userID string) (group, user, error) {
	g, ok := o.groupLocked(parseID(groupID, "00g", o.cfg.Seed, kindGroup))
	if !ok {
		return group{}, user{}, fmt.Errorf("no such group")
	}
	u, ok := o.userLocked(parseID(userID, "00u", o.cfg.Seed, kindUser))
	if !ok {
		return group{}, user{}, fmt.Errorf("no such user")
	}
	return g, u, nil
}
