package oktatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/streams"
)

func recIDs(recs []map[string]any) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r["id"].(string))
	}
	return out
}

// eventsOfType returns the served events of the given types published
// since since, in published order, as a client reads them.
func eventsOfType(t *testing.T, s *Server, since time.Time, types ...string) []map[string]any {
	t.Helper()
	var f []string
	for _, typ := range types {
		f = append(f, `eventType eq "`+typ+`"`)
	}
	return collect(t, s, "/api/v1/logs?filter="+url.QueryEscape(strings.Join(f, " or "))+
		"&since="+url.QueryEscape(ts(since))+"&until="+url.QueryEscape(ts(since.Add(day))), "", false, nil)
}

func typesOf(evs []map[string]any) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e["eventType"].(string))
	}
	return out
}

// targets returns "type:id" of each target of an event.
func targets(e map[string]any) []string {
	var out []string
	for _, t := range e["target"].([]any) {
		m := t.(map[string]any)
		out = append(out, m["type"].(string)+":"+m["id"].(string))
	}
	return out
}

// memberGroup returns a non-Everyone group holding user i.
func memberGroup(t *testing.T, o *Org, i int) group {
	t.Helper()
	for g := 1; g < o.cfg.Groups; g++ {
		if gr, _ := o.group(g); gr.members.has(i) {
			return gr
		}
	}
	t.Fatalf("user %d is in no group", i)
	return group{}
}

func usersCount(t *testing.T, s *Server, groupID string) int {
	t.Helper()
	r := get(t, s, "/api/v1/groups/"+groupID+"?expand=stats")
	var g groupJSON
	if err := json.Unmarshal(r.body, &g); err != nil || g.Embedded == nil {
		t.Fatalf("group %s: %d %.200s", groupID, r.status, r.body)
	}
	return g.Embedded.Stats.UsersCount
}

// TestDeleteUser follows "Delete a user": a user not yet DEPROVISIONED is
// deactivated first, then deleted, and disappears from every listing.
func TestDeleteUser(t *testing.T) {
	s, clk := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	admin := o.AdminIDs()[1]
	ai := parseID(admin, "00u", o.cfg.Seed, kindUser)
	g := memberGroup(t, o, ai)
	var appID string
	for a := 0; a < o.cfg.Apps; a++ {
		if ap, _ := o.app(a); ap.users.has(ai) {
			appID = ap.id
		}
	}
	if appID == "" {
		if err := o.AssignUserToApp(o.AppID(0), admin, testNow.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		appID = o.AppID(0)
	}
	users, members, everyone := o.Count("users"), usersCount(t, s, g.id), usersCount(t, s, o.GroupID(0))
	roles := o.Count("user_role_assignments") - len(o.userRoles(ai))
	at := testNow.Add(time.Minute)
	if err := o.DeleteUser(admin, at); err != nil {
		t.Fatal(err)
	}
	clk.Set(at.Add(3 * time.Second))

	if r := get(t, s, "/api/v1/users/"+admin); r.status != http.StatusNotFound || !strings.Contains(string(r.body), codeNotFound) {
		t.Errorf("GET the deleted user: %d %.200s, want 404 %s", r.status, r.body, codeNotFound)
	}
	if r := get(t, s, "/api/v1/users/"+admin+"/roles"); r.status != http.StatusNotFound {
		t.Errorf("GET the deleted user's roles: %d, want 404", r.status)
	}
	for _, path := range []string{
		"/api/v1/users?limit=33",
		"/api/v1/users?filter=" + url.QueryEscape(`id eq "`+admin+`"`),
		"/api/v1/users?search=" + url.QueryEscape(`status pr`),
		"/api/v1/groups/" + g.id + "/users",
		"/api/v1/groups/" + o.GroupID(0) + "/users?limit=17",
		"/api/v1/apps/" + appID + "/users",
	} {
		if ids := recIDs(collect(t, s, path, "", false, nil)); slices.Contains(ids, admin) {
			t.Errorf("%s still lists the deleted user", path)
		}
	}
	assignees := recIDs(collect(t, s, "/api/v1/iam/assignees/users?limit=2", "value", true, nil))
	if slices.Contains(assignees, admin) || len(assignees) != o.cfg.Admins-1 {
		t.Errorf("assignees after deleting an admin: %d, deleted one listed %v", len(assignees), slices.Contains(assignees, admin))
	}
	if got := o.Count("users"); got != users-1 {
		t.Errorf("Count(users) = %d, want %d", got, users-1)
	}
	if got := o.Count("user_role_assignments"); got != roles {
		t.Errorf("Count(user_role_assignments) = %d, want %d", got, roles)
	}
	if got := usersCount(t, s, g.id); got != members-1 {
		t.Errorf("usersCount of %s = %d, want %d", g.id, got, members-1)
	}
	if got := usersCount(t, s, o.GroupID(0)); got != everyone-1 {
		t.Errorf("usersCount of Everyone = %d, want %d", got, everyone-1)
	}
	evs := eventsOfType(t, s, at, "user.lifecycle.deactivate", "user.lifecycle.delete.initiated", "user.lifecycle.delete.completed")
	if want := []string{"user.lifecycle.deactivate", "user.lifecycle.delete.initiated", "user.lifecycle.delete.completed"}; !slices.Equal(typesOf(evs), want) {
		t.Fatalf("events %v, want %v", typesOf(evs), want)
	}
	for _, e := range evs {
		if !slices.Equal(targets(e), []string{"User:" + admin}) || e["outcome"].(map[string]any)["result"] != "SUCCESS" || e["published"] != ts(at) {
			t.Errorf("%s: targets %v outcome %v published %v", e["eventType"], targets(e), e["outcome"], e["published"])
		}
	}
	if err := o.DeleteUser(admin, at); err == nil {
		t.Error("deleting a deleted user succeeded")
	}

	// A DEPROVISIONED user is deleted at once: no second deactivation.
	var deprov string
	for i := 0; i < o.cfg.Users; i++ {
		if u, _ := o.user(i); u.status == "DEPROVISIONED" {
			deprov = u.id
			break
		}
	}
	later := at.Add(time.Hour)
	if err := o.DeleteUser(deprov, later); err != nil {
		t.Fatal(err)
	}
	clk.Set(later.Add(3 * time.Second))
	evs = eventsOfType(t, s, later, "user.lifecycle.deactivate", "user.lifecycle.delete.initiated", "user.lifecycle.delete.completed")
	if want := []string{"user.lifecycle.delete.initiated", "user.lifecycle.delete.completed"}; !slices.Equal(typesOf(evs), want) {
		t.Errorf("deleting a DEPROVISIONED user wrote %v, want %v", typesOf(evs), want)
	}
}

// TestDeleteGroupAndApp: a deleted group leaves /groups with its members,
// app assignments and roles; a deleted app leaves /apps with its
// assignments, an ACTIVE one being deactivated first.
func TestDeleteGroupAndApp(t *testing.T) {
	cfg := testOrgConfig()
	cfg.Groups = 40
	s, clk := startServer(t, cfg, Options{})
	o := s.Org()
	// A group with members, an app assignment and a role.
	var g group
	for i := 1; i < cfg.Groups; i++ {
		gr, _ := o.group(i)
		if gr.members.count() > 0 && len(o.groupRoles(i)) > 0 && o.appsCount(i) > 0 {
			g = gr
			break
		}
	}
	if g.id == "" {
		t.Fatal("no group with members, apps and roles in the test org")
	}
	before := map[string]int{}
	for _, st := range []string{"groups", "group_members", "application_groups", "group_role_assignments"} {
		before[st] = o.Count(st)
	}
	at := testNow.Add(time.Minute)
	if err := o.DeleteGroup(g.id, at); err != nil {
		t.Fatal(err)
	}
	if err := o.DeleteGroup(o.GroupID(0), at); err == nil {
		t.Error("deleting Everyone succeeded")
	}
	clk.Set(at.Add(3 * time.Second))
	if slices.Contains(recIDs(collect(t, s, "/api/v1/groups?limit=7", "", false, nil)), g.id) {
		t.Error("/groups still lists the deleted group")
	}
	for _, path := range []string{"/api/v1/groups/" + g.id, "/api/v1/groups/" + g.id + "/users", "/api/v1/groups/" + g.id + "/roles"} {
		if r := get(t, s, path); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}
	for a := 0; a < cfg.Apps; a++ {
		if slices.Contains(recIDs(collect(t, s, "/api/v1/apps/"+o.AppID(a)+"/groups", "", false, nil)), g.id) {
			t.Errorf("app %d still lists the deleted group", a)
		}
	}
	wantDrop := map[string]int{"groups": 1, "group_members": g.members.count(), "application_groups": o.appsCount(g.idx), "group_role_assignments": len(o.generatedGroupRoles(g.idx))}
	for st, drop := range wantDrop {
		if got := o.Count(st); got != before[st]-drop {
			t.Errorf("Count(%s) = %d, want %d", st, got, before[st]-drop)
		}
	}
	if evs := eventsOfType(t, s, at, "group.lifecycle.delete"); len(evs) != 1 || !slices.Equal(targets(evs[0]), []string{"UserGroup:" + g.id}) {
		t.Errorf("group.lifecycle.delete events %v", evs)
	}

	// Apps: one ACTIVE, one INACTIVE.
	var active, inactive app
	for a := 0; a < cfg.Apps; a++ {
		ap, _ := o.app(a)
		if ap.status == "ACTIVE" && active.id == "" && ap.users.count() > 0 {
			active = ap
		}
		if ap.status == "INACTIVE" && inactive.id == "" {
			inactive = ap
		}
	}
	if inactive.id == "" {
		if err := o.DeleteApp(active.id, at); err != nil {
			t.Fatal(err)
		}
		t.Fatal("the test org has no INACTIVE app")
	}
	apps, appUsers := o.Count("applications"), o.Count("application_users")
	later := at.Add(time.Hour)
	for _, ap := range []app{active, inactive} {
		if err := o.DeleteApp(ap.id, later); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(later.Add(3 * time.Second))
	listed := recIDs(collect(t, s, "/api/v1/apps?limit=3", "", false, nil))
	if slices.Contains(listed, active.id) || slices.Contains(listed, inactive.id) || len(listed) != apps-2 {
		t.Errorf("/apps lists %d apps after two deletions of %d", len(listed), apps)
	}
	if r := get(t, s, "/api/v1/apps/"+active.id+"/users"); r.status != http.StatusNotFound {
		t.Errorf("GET a deleted app's users: %d, want 404", r.status)
	}
	if got, want := o.Count("application_users"), appUsers-active.users.count()-inactive.users.count(); got != want {
		t.Errorf("Count(application_users) = %d, want %d", got, want)
	}
	evs := eventsOfType(t, s, later, "application.lifecycle.deactivate", "application.lifecycle.delete")
	want := []string{"application.lifecycle.deactivate", "application.lifecycle.delete", "application.lifecycle.delete"}
	if !slices.Equal(typesOf(evs), want) || !slices.Equal(targets(evs[0]), []string{"AppInstance:" + active.id}) || !slices.Equal(targets(evs[2]), []string{"AppInstance:" + inactive.id}) {
		t.Errorf("app deletion events %v, want %v with the apps as targets", typesOf(evs), want)
	}
}

// TestGroupMembership: adding and removing members moves the group's
// lastMembershipUpdated (not lastUpdated) and usersCount, and a client
// filtering on lastMembershipUpdated finds exactly the changed groups.
func TestGroupMembership(t *testing.T) {
	s, clk := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	g := memberGroup(t, o, 5)
	outsider := -1
	for i := 0; i < o.cfg.Users; i++ {
		if !g.members.has(i) {
			outsider = i
			break
		}
	}
	members, total := g.members.count(), o.Count("group_members")
	at := testNow.Add(time.Minute)
	steps := []struct {
		name string
		do   func() error
	}{
		{"add", func() error { return o.AddGroupMember(g.id, o.UserID(outsider), at) }},
		{"remove", func() error { return o.RemoveGroupMember(g.id, o.UserID(5), at.Add(time.Second)) }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	clk.Set(at.Add(5 * time.Second))
	listed := recIDs(collect(t, s, "/api/v1/groups/"+g.id+"/users?limit=2", "", false, nil))
	if !slices.Contains(listed, o.UserID(outsider)) || slices.Contains(listed, o.UserID(5)) || len(listed) != members {
		t.Errorf("members after add and remove: %d (want %d), outsider listed %v, removed listed %v",
			len(listed), members, slices.Contains(listed, o.UserID(outsider)), slices.Contains(listed, o.UserID(5)))
	}
	if got := usersCount(t, s, g.id); got != members {
		t.Errorf("usersCount = %d, want %d", got, members)
	}
	if got := o.Count("group_members"); got != total {
		t.Errorf("Count(group_members) = %d, want %d (one in, one out)", got, total)
	}
	r := get(t, s, "/api/v1/groups/"+g.id)
	var gj groupJSON
	_ = json.Unmarshal(r.body, &gj)
	if gj.LastMembershipUpdated != ts(at.Add(time.Second)) || gj.LastUpdated != ts(g.lastUpdated) {
		t.Errorf("lastMembershipUpdated %s lastUpdated %s, want %s and the untouched %s", gj.LastMembershipUpdated, gj.LastUpdated, ts(at.Add(time.Second)), ts(g.lastUpdated))
	}
	changed := recIDs(collect(t, s, "/api/v1/groups?filter="+url.QueryEscape(`lastMembershipUpdated gt "`+ts(testNow)+`"`), "", false, nil))
	if !slices.Equal(changed, []string{g.id}) {
		t.Errorf("lastMembershipUpdated filter found %v, want only %s", changed, g.id)
	}
	if n := len(collect(t, s, "/api/v1/groups?filter="+url.QueryEscape(`lastUpdated gt "`+ts(testNow)+`"`), "", false, nil)); n != 0 {
		t.Errorf("a membership change moved lastUpdated of %d groups", n)
	}
	evs := eventsOfType(t, s, at, "group.user_membership.add", "group.user_membership.remove")
	if !slices.Equal(typesOf(evs), []string{"group.user_membership.add", "group.user_membership.remove"}) ||
		!slices.Equal(targets(evs[0]), []string{"User:" + o.UserID(outsider), "UserGroup:" + g.id}) ||
		!slices.Equal(targets(evs[1]), []string{"User:" + o.UserID(5), "UserGroup:" + g.id}) {
		t.Errorf("membership events %v", evs)
	}
	for _, bad := range []func() error{
		func() error { return o.AddGroupMember(g.id, o.UserID(outsider), at) },     // already a member
		func() error { return o.RemoveGroupMember(g.id, o.UserID(5), at) },         // not a member
		func() error { return o.AddGroupMember(o.GroupID(0), o.UserID(1), at) },    // Everyone
		func() error { return o.AddGroupMember(g.id, "00unosuchuser0000000", at) }, // unknown user
	} {
		if err := bad(); err == nil {
			t.Error("an impossible membership change succeeded")
		}
	}
}

// TestAppAssignments: user and group assignments come and go through the
// app's listings, the group's appsCount and Count.
func TestAppAssignments(t *testing.T) {
	s, clk := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	ap, _ := o.app(2)
	var inUser, outUser int = -1, -1
	for i := 0; i < o.cfg.Users; i++ {
		switch {
		case ap.users.has(i) && inUser < 0:
			inUser = i
		case !ap.users.has(i) && outUser < 0:
			outUser = i
		}
	}
	groups := o.appGroupSet(2)
	var inGroup, outGroup = -1, -1
	for g := 1; g < o.cfg.Groups; g++ {
		switch {
		case groups.has(g) && inGroup < 0:
			inGroup = g
		case !groups.has(g) && outGroup < 0:
			outGroup = g
		}
	}
	if inUser < 0 || outUser < 0 || outGroup < 0 {
		t.Fatal("app 2 does not have the assignments the test needs")
	}
	counts := map[string]int{"application_users": o.Count("application_users"), "application_groups": o.Count("application_groups")}
	appsOut := o.appsCount(outGroup)
	at := testNow.Add(time.Minute)
	mustDo(t, o.AssignUserToApp(ap.id, o.UserID(outUser), at))
	mustDo(t, o.UnassignUserFromApp(ap.id, o.UserID(inUser), at))
	mustDo(t, o.AssignGroupToApp(ap.id, o.GroupID(outGroup), at))
	clk.Set(at.Add(3 * time.Second))
	users := collect(t, s, "/api/v1/apps/"+ap.id+"/users?limit=3", "", false, nil)
	if ids := recIDs(users); !slices.Contains(ids, o.UserID(outUser)) || slices.Contains(ids, o.UserID(inUser)) {
		t.Errorf("app users after assign and unassign: assigned listed %v, unassigned listed %v", slices.Contains(ids, o.UserID(outUser)), slices.Contains(ids, o.UserID(inUser)))
	}
	for _, u := range users {
		if u["id"] == o.UserID(outUser) && u["created"] != ts(at) {
			t.Errorf("new assignment created %v, want %s", u["created"], ts(at))
		}
	}
	if ids := recIDs(collect(t, s, "/api/v1/apps/"+ap.id+"/groups", "", false, nil)); !slices.Contains(ids, o.GroupID(outGroup)) {
		t.Error("the assigned group is not listed")
	}
	if got := o.appsCount(outGroup); got != appsOut+1 {
		t.Errorf("appsCount of the assigned group = %d, want %d", got, appsOut+1)
	}
	if got := o.Count("application_users"); got != counts["application_users"] {
		t.Errorf("Count(application_users) = %d, want %d", got, counts["application_users"])
	}
	if got := o.Count("application_groups"); got != counts["application_groups"]+1 {
		t.Errorf("Count(application_groups) = %d, want %d", got, counts["application_groups"]+1)
	}
	evs := eventsOfType(t, s, at, "application.user_membership.add", "application.user_membership.remove", "group.application_assignment.add")
	if len(evs) != 3 {
		t.Fatalf("assignment events %v", typesOf(evs))
	}
	add := targets(evs[0])
	if len(add) != 3 || !strings.HasPrefix(add[0], "AppUser:0ua") || add[1] != "AppInstance:"+ap.id || add[2] != "User:"+o.UserID(outUser) {
		t.Errorf("application.user_membership.add targets %v, want AppUser (0ua…), AppInstance, User", add)
	}
	if got := targets(evs[2]); !slices.Equal(got, []string{"AppInstance:" + ap.id, "UserGroup:" + o.GroupID(outGroup)}) {
		t.Errorf("group.application_assignment.add targets %v", got)
	}
	mustDo(t, o.UnassignGroupFromApp(ap.id, o.GroupID(outGroup), at.Add(time.Minute)))
	if got := o.appsCount(outGroup); got != appsOut {
		t.Errorf("appsCount after unassigning = %d, want %d", got, appsOut)
	}
	if err := o.UnassignGroupFromApp(ap.id, o.GroupID(outGroup), at); err == nil {
		t.Error("unassigning an unassigned group succeeded")
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestRoleGrants: a user granted a first role joins the assignees, one
// revoked its last leaves them; groups gain hasAdminPrivilege.
func TestRoleGrants(t *testing.T) {
	s, clk := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	plain := o.UserID(1) // not an admin
	admin := o.AdminIDs()[2]
	at := testNow.Add(time.Minute)
	mustDo(t, o.GrantUserRole(plain, "APP_ADMIN", at))
	if err := o.GrantUserRole(plain, "APP_ADMIN", at); err == nil {
		t.Error("granting a role twice succeeded")
	}
	if err := o.GrantUserRole(plain, "NOT_A_ROLE", at); err == nil {
		t.Error("granting an unknown role succeeded")
	}
	for _, a := range o.userRoles(parseID(admin, "00u", o.cfg.Seed, kindUser)) {
		mustDo(t, o.RevokeUserRole(admin, a.typ, at))
	}
	clk.Set(at.Add(3 * time.Second))
	assignees := recIDs(collect(t, s, "/api/v1/iam/assignees/users?limit=2", "value", true, nil))
	if !slices.Contains(assignees, plain) || slices.Contains(assignees, admin) || len(assignees) != o.cfg.Admins {
		t.Errorf("assignees %v: want the grantee in, the revoked admin out, %d in all", assignees, o.cfg.Admins)
	}
	roles := collect(t, s, "/api/v1/users/"+plain+"/roles", "", false, nil)
	if len(roles) != 1 || roles[0]["type"] != "APP_ADMIN" || roles[0]["label"] != "Application Administrator" || roles[0]["created"] != ts(at) {
		t.Errorf("roles of the grantee: %v", roles)
	}
	if n := len(collect(t, s, "/api/v1/users/"+admin+"/roles", "", false, nil)); n != 0 {
		t.Errorf("the revoked admin still holds %d roles", n)
	}
	var plainGroup group
	for g := 1; g < o.cfg.Groups; g++ {
		if len(o.groupRoles(g)) == 0 {
			plainGroup, _ = o.group(g)
			break
		}
	}
	before := o.Count("group_role_assignments")
	mustDo(t, o.GrantGroupRole(plainGroup.id, "HELP_DESK_ADMIN", at))
	var gj groupJSON
	_ = json.Unmarshal(get(t, s, "/api/v1/groups/"+plainGroup.id+"?expand=stats").body, &gj)
	if !gj.Embedded.Stats.HasAdminPrivilege || o.Count("group_role_assignments") != before+1 {
		t.Errorf("after a group grant: hasAdminPrivilege %v, Count %d (was %d)", gj.Embedded.Stats.HasAdminPrivilege, o.Count("group_role_assignments"), before)
	}
	mustDo(t, o.RevokeGroupRole(plainGroup.id, "HELP_DESK_ADMIN", at.Add(time.Second)))
	clk.Set(at.Add(5 * time.Second))
	evs := eventsOfType(t, s, at, "user.account.privilege.grant", "user.account.privilege.revoke", "group.privilege.grant", "group.privilege.revoke")
	types := typesOf(evs)
	if types[0] != "user.account.privilege.grant" || types[len(types)-1] != "group.privilege.revoke" || !slices.Contains(types, "group.privilege.grant") {
		t.Errorf("privilege events %v", types)
	}
	if dbg := evs[0]["debugContext"].(map[string]any)["debugData"].(map[string]any); dbg["privilegeGranted"] != "Application Administrator" {
		t.Errorf("grant debugData %v, want privilegeGranted", dbg)
	}
}

// TestUpdateUserAndGroupWriteEvents: status changes write Okta's lifecycle
// event for the transition, profile changes user.account.update_profile,
// group changes group.profile.update (moving lastUpdated).
func TestUpdateUserAndGroupWriteEvents(t *testing.T) {
	s, clk := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	var id string // an ACTIVE non-admin: the steps start from ACTIVE
	for i := 1; i < o.cfg.Users && id == ""; i++ {
		if u, _ := o.user(i); u.status == "ACTIVE" && !o.isAdmin(i) {
			id = u.id
		}
	}
	at := testNow.Add(time.Minute)
	steps := []struct {
		ch   UserChange
		want []string
	}{
		{UserChange{Status: "SUSPENDED"}, []string{"user.lifecycle.suspend"}},
		{UserChange{Status: "ACTIVE"}, []string{"user.lifecycle.unsuspend"}},
		{UserChange{Status: "LOCKED_OUT"}, []string{"user.account.lock"}},
		{UserChange{Status: "ACTIVE"}, []string{"user.account.unlock"}},
		{UserChange{Status: "DEPROVISIONED", Department: "Gone"}, []string{"user.lifecycle.deactivate", "user.account.update_profile"}},
		{UserChange{Status: "ACTIVE"}, []string{"user.lifecycle.reactivate"}},
		{UserChange{Status: "ACTIVE"}, nil},
		{UserChange{FirstName: "Grace"}, []string{"user.account.update_profile"}},
		{UserChange{}, nil}, // TouchUser
	}
	for k, st := range steps {
		t.Run(fmt.Sprintf("%d:%+v", k, st.ch), func(t *testing.T) {
			when := at.Add(time.Duration(k) * time.Hour)
			mustDo(t, o.UpdateUser(id, when, st.ch))
			clk.Set(when.Add(3 * time.Second))
			evs := collect(t, s, "/api/v1/logs?filter="+url.QueryEscape(`target.id eq "`+id+`"`)+
				"&since="+url.QueryEscape(ts(when))+"&until="+url.QueryEscape(ts(when.Add(time.Minute))), "", false, nil)
			if !slices.Equal(typesOf(evs), st.want) {
				t.Fatalf("events %v, want %v", typesOf(evs), st.want)
			}
		})
	}
	g := o.GroupID(4)
	mustDo(t, o.UpdateGroup(g, at, GroupChange{Name: "Renamed"}))
	var gj groupJSON
	_ = json.Unmarshal(get(t, s, "/api/v1/groups/"+g).body, &gj)
	if gj.Profile.Name != "Renamed" || gj.LastUpdated != ts(at) {
		t.Errorf("group after UpdateGroup: name %q lastUpdated %s", gj.Profile.Name, gj.LastUpdated)
	}
	evs := eventsOfType(t, s, at, "group.profile.update")
	if len(evs) != 1 || !slices.Equal(targets(evs[0]), []string{"UserGroup:" + g}) {
		t.Errorf("group.profile.update events %v", evs)
	}
}

// TestMutationEventsArePersistedShortlyAfter: an event is invisible until
// persisted, a few hundred milliseconds to two seconds after it happened,
// and Org.Events records what /api/v1/logs serves.
func TestMutationEventsArePersistedShortlyAfter(t *testing.T) {
	s, clk := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	at := testNow.Add(time.Minute)
	mustDo(t, o.AddGroupMember(o.GroupID(3), o.UserID(0), at))
	evs := o.Events()
	if len(evs) != 1 {
		t.Fatalf("Events() = %v", evs)
	}
	e := evs[0]
	if lag := e.Persisted.Sub(e.Published); e.Published != at || lag < 100*time.Millisecond || lag > 2100*time.Millisecond {
		t.Errorf("published %v persisted %v: want published at the change, persisted within about two seconds", e.Published, e.Persisted)
	}
	poll := "/api/v1/logs?filter=" + url.QueryEscape(`eventType eq "group.user_membership.add"`) + "&since=" + url.QueryEscape(ts(at))
	clk.Set(e.Persisted.Add(-time.Millisecond))
	if recs := get(t, s, poll).records(t, ""); len(recs) != 0 {
		t.Fatalf("event visible before it persisted: %v", uuids(recs))
	}
	clk.Set(e.Persisted)
	recs := get(t, s, poll).records(t, "")
	if len(recs) != 1 || recs[0]["uuid"] != e.UUID {
		t.Fatalf("after persistence got %v, want %s", uuids(recs), e.UUID)
	}
	want := []EventTarget{{ID: o.UserID(0), Type: "User"}, {ID: o.GroupID(3), Type: "UserGroup"}}
	for i, tg := range e.Targets {
		if tg.ID != want[i].ID || tg.Type != want[i].Type {
			t.Errorf("Events target %d = %+v, want %+v", i, tg, want[i])
		}
	}
	if actor := recs[0]["actor"].(map[string]any); actor["id"] != o.AdminIDs()[0] || actor["type"] != "User" {
		t.Errorf("actor %v, want the first admin", actor)
	}
}

// TestIDsMatchAFullExtractAfterMutations walks every catalog stream the
// way an extractor does after a mix of mutations: the records' primary
// keys must be exactly Org.IDs, and Count its length.
func TestIDsMatchAFullExtractAfterMutations(t *testing.T) {
	cfg := testOrgConfig()
	cfg.Groups = 40
	s, _ := startServer(t, cfg, Options{})
	o := s.Org()
	at := testNow.Add(-time.Hour) // before Now: Count and IDs look at the org as of its Now
	g := memberGroup(t, o, 7)
	mustDo(t, o.DeleteUser(o.UserID(7), at))
	mustDo(t, o.DeleteUser(o.AdminIDs()[1], at))
	mustDo(t, o.DeleteGroup(o.GroupID(5), at))
	mustDo(t, o.DeleteApp(o.AppID(3), at))
	mustDo(t, o.AddGroupMember(g.id, o.UserID(8), at))
	mustDo(t, o.AssignUserToApp(o.AppID(1), o.UserID(2), at))
	mustDo(t, o.AssignGroupToApp(o.AppID(1), o.GroupID(6), at))
	mustDo(t, o.GrantUserRole(o.UserID(4), "READ_ONLY_ADMIN", at))
	mustDo(t, o.GrantGroupRole(o.GroupID(6), "USER_ADMIN", at))
	o.AddUser("", at)
	for _, st := range streams.All() {
		t.Run(st.Name, func(t *testing.T) {
			var got []string
			if st.Name == "logs" {
				got = uuids(collect(t, s, "/api/v1/logs?limit=1000&since="+url.QueryEscape(ts(testNow.Add(-7*day)))+"&until="+url.QueryEscape(ts(testNow.Add(time.Millisecond))), "", false, nil))
			} else {
				for _, rec := range extractStream(t, s, st, 7) {
					var parts []string
					for _, f := range st.PrimaryKey {
						parts = append(parts, fmt.Sprint(rec[f]))
					}
					got = append(got, strings.Join(parts, "/"))
				}
			}
			want := o.IDs(st.Name)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) || len(want) != o.Count(st.Name) || len(want) == 0 {
				t.Fatalf("extract has %d keys, IDs %d, Count %d (equal sets: %v)", len(got), len(want), o.Count(st.Name), slices.Equal(got, want))
			}
		})
	}
}
