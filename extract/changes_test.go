package extract

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// trackedStreams are the catalog's streams that keep a key index.
func trackedStreams() []string {
	var out []string
	for _, st := range streams.All() {
		if !st.AppendOnly {
			out = append(out, st.Name)
		}
	}
	return out
}

// grantAny grants the first standard role the holder does not hold yet.
func grantAny(t *testing.T, grant func(role string) error) {
	t.Helper()
	for _, role := range []string{"REPORT_ADMIN", "READ_ONLY_ADMIN", "HELP_DESK_ADMIN", "API_ACCESS_MANAGEMENT_ADMIN"} {
		if grant(role) == nil {
			return
		}
	}
	t.Fatal("no role left to grant")
}

// revokeAny revokes the first standard role the holder holds.
func revokeAny(t *testing.T, revoke func(role string) error) {
	t.Helper()
	for _, role := range []string{"SUPER_ADMIN", "ORG_ADMIN", "APP_ADMIN", "USER_ADMIN", "HELP_DESK_ADMIN", "READ_ONLY_ADMIN", "REPORT_ADMIN", "GROUP_MEMBERSHIP_ADMIN", "API_ACCESS_MANAGEMENT_ADMIN"} {
		if revoke(role) == nil {
			return
		}
	}
	t.Fatal("no role to revoke")
}

// mutate changes the org as an admin would, half an hour before the
// clock's present: users deleted (one an admin and a group member), one
// deprovisioned (a status, not a delete), a group deleted, memberships
// removed and added, an app unassigned, roles granted and revoked, a
// profile changed.
// It returns the ids it deleted and deprovisioned.
func mutate(t *testing.T, org *oktatest.Org, now time.Time) (deletedUser, deprovisioned, deletedGroup string) {
	t.Helper()
	at := now.Add(-30 * time.Minute)
	admin := org.AdminIDs()[1]
	goneGroup, _ := childOf(t, org, "group_role_assignments", org.GroupID(0))
	if goneGroup == "" {
		goneGroup, _ = childOf(t, org, "group_members", org.GroupID(0))
	}
	group, member := childOf(t, org, "group_members", org.GroupID(0), goneGroup, admin)
	app, appUser := childOf(t, org, "application_users", admin, member)
	other := org.UserID(7)
	if other == admin || other == member || other == appUser {
		other = org.UserID(8)
	}
	steps := []error{
		org.DeleteUser(admin, at),
		org.DeleteUser(org.UserID(3), at),
		org.UpdateUser(org.UserID(5), at, oktatest.UserChange{Status: "DEPROVISIONED"}),
		org.DeleteGroup(goneGroup, at),
		org.RemoveGroupMember(group, member, at),
		org.UnassignUserFromApp(app, appUser, at),
		org.UpdateUser(other, at, oktatest.UserChange{Department: "Renamed"}),
	}
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
	// An addition to a group the user is not in yet.
	for i := 1; i < 10; i++ {
		if org.AddGroupMember(org.GroupID(i), other, at) == nil {
			break
		}
	}
	grantAny(t, func(role string) error { return org.GrantUserRole(org.AdminIDs()[0], role, at) })
	revokeAny(t, func(role string) error { return org.RevokeUserRole(org.AdminIDs()[2], role, at) })
	grantAny(t, func(role string) error { return org.GrantGroupRole(group, role, at) })
	return admin, org.UserID(5), goneGroup
}

// Between reconciles, users and groups learn hard deletes from the System
// Log, and fan-out streams re-list only the parents that changed (groups by
// lastMembershipUpdated, the rest named by the log), as per-parent
// snapshots; the lake's current state still equals the org's.
func TestChangeDrivenRun(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	clk := f.clock.(*oktatest.ManualClock)
	names := trackedStreams()
	cfg := f.config(names...)
	mustRun(t, cfg)
	before := map[string]int{}
	for _, n := range names {
		before[n] = len(streamLines(t, f.store, n))
	}
	clk.Advance(time.Hour)
	deletedUser, deprovisioned, deletedGroup := mutate(t, f.org, clk.Now())
	full := f.srv.Stats().Paths
	mustRun(t, cfg)
	for _, n := range names {
		if got := currentKeys(t, f.store, n); !slices.Equal(got, orgKeys(f.org, n)) {
			t.Errorf("%s after the change-driven run:%s", n, diffKeys(got, orgKeys(f.org, n)))
		}
	}
	users := tombstonesBy(streamLines(t, f.store, "users"), before["users"])
	if !slices.Contains(users[lake.DeletedByEventPrefix+"user.lifecycle.delete.completed"], deletedUser) {
		t.Errorf("users: no event tombstone of deleted %s: %v", deletedUser, users)
	}
	for _, keys := range users {
		if slices.Contains(keys, deprovisioned) {
			t.Errorf("users: DEPROVISIONED %s tombstoned", deprovisioned)
		}
	}
	if groups := tombstonesBy(streamLines(t, f.store, "groups"), before["groups"]); !slices.Contains(groups[lake.DeletedByEventPrefix+"group.lifecycle.delete"], deletedGroup) {
		t.Errorf("groups: no event tombstone of deleted %s: %v", deletedGroup, groups)
	}
	for _, n := range []string{"group_members", "application_users", "user_role_assignments", "group_role_assignments"} {
		m, _ := manifestOf(t, f.store, n)
		if !m.Complete || m.Kind != lake.ManifestPerParent || len(m.Parents) == 0 {
			t.Errorf("%s: manifest %+v, want a complete per-parent snapshot naming its parents", n, m)
		}
	}
	// Only changed parents were re-listed: far fewer member listings than a full run.
	now := f.srv.Stats().Paths
	if got, all := now["/api/v1/groups/{id}/users"]-full["/api/v1/groups/{id}/users"], full["/api/v1/groups/{id}/users"]; got == 0 || got*3 > all {
		t.Errorf("the change-driven run listed the members of %d groups (a full run %d)", got, all)
	}
}

// An unchanged org costs about one request per stream: the change feed and
// a listing that comes back empty.
func TestUnchangedRunRequests(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	clk := f.clock.(*oktatest.ManualClock)
	cfg := f.config()
	mustRun(t, cfg)
	clk.Advance(time.Hour)
	mustRun(t, cfg)
	clk.Advance(time.Hour)
	// The client's counts add up over runs: this run's are the difference.
	prev := f.client.TagStats()
	sum := mustRun(t, cfg)
	for _, ss := range sum.Streams {
		ss.Okta.Requests -= prev[ss.Stream].Requests
		// applications, custom_roles and resource_sets are re-read in
		// full (a page each here); permissions fans out over the 3 roles.
		limit := int64(2)
		if ss.Stream == "permissions" {
			limit = 3
		}
		if ss.Okta.Requests > limit {
			t.Errorf("%s: %d requests in an unchanged run, want at most %d", ss.Stream, ss.Okta.Requests, limit)
		}
	}
	for _, p := range sum.Parents {
		p.Okta.Requests -= prev[p.Name].Requests
		if p.Okta.Requests > 0 && strings.Contains(p.Name, "groups") || strings.Contains(p.Name, "applications") || strings.Contains(p.Name, "admins") {
			t.Errorf("parent listing %s ran (%d requests) in an unchanged run", p.Name, p.Okta.Requests)
		}
	}
}

// A reconcile interval past the System Log's retention would leave the
// change feed's cursor where Okta no longer answers: refused up front.
func TestReconcileEveryBeyondRetentionRefused(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	cfg := f.config("users")
	cfg.ReconcileEvery = LogRetention + time.Hour
	cfg.SetDefaults()
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "extract.Config.ReconcileEvery") {
		t.Fatalf("Validate = %v, want an error naming extract.Config.ReconcileEvery", err)
	}
}

// A change feed cursor in state that points anywhere but the System Log on
// the configured origin fails the stream, naming the state and the cursor,
// before any request goes there.
func TestStoredChangeFeedCursorRefused(t *testing.T) {
	for name, link := range map[string]string{
		"users endpoint": "/api/v1/users?limit=200",
		"another host":   "https://attacker.example.com/api/v1/logs?limit=1000",
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, fixtureOptions{})
			mustRun(t, f.config("application_users"))
			st := loadState(t, f.store)
			ss := st.Streams["application_users"]
			ss.Changes = link
			st.Streams["application_users"] = ss
			writeState(t, f.store, st)
			usersBefore := f.srv.Stats().Paths["/api/v1/users"]
			sum, err := Run(context.Background(), f.config("application_users"))
			if err == nil {
				err = sum.Err()
			}
			if err == nil || !containsAll(err.Error(), stateKey, "application_users", "change feed", "/api/v1/logs") {
				t.Fatalf("err = %v, want an error naming the state, the stream, its change feed and /api/v1/logs", err)
			}
			if got := f.srv.Stats().Paths["/api/v1/users"] - usersBefore; got != 0 {
				t.Errorf("the users endpoint was requested %d times", got)
			}
		})
	}
}
