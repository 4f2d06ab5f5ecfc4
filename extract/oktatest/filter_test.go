package oktatest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// TestListFiltersAcceptOnlyWhatOktaAllows follows "List all users" and
// "List all groups" (Okta management API, filter parameter): users filter
// on status, lastUpdated, id and four profile attributes with eq only,
// except lastUpdated, which also takes gt, ge, lt and le; groups filter on
// id, type, lastUpdated and lastMembershipUpdated. and/or and parentheses
// combine; not, sw, co, pr and other attributes answer 400 E0000031.
func TestListFiltersAcceptOnlyWhatOktaAllows(t *testing.T) {
	s, _ := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	day := `"2025-06-01T00:00:00.000Z"`
	tests := []struct {
		path, filter string
		ok           bool
	}{
		{"users", `status eq "ACTIVE"`, true},
		{"users", `id eq "` + o.UserID(3) + `"`, true},
		{"users", `profile.login eq "x@example.com" or profile.email eq "y@example.com"`, true},
		{"users", `profile.firstName eq "Ada" and profile.lastName eq "Lovelace"`, true},
		{"users", `lastUpdated gt ` + day + ` and (status eq "LOCKED_OUT" or status eq "RECOVERY")`, true},
		{"users", `lastUpdated ge ` + day, true},
		{"users", `lastUpdated lt ` + day, true},
		{"users", `lastUpdated le ` + day, true},
		{"users", `lastUpdated eq ` + day, true},
		{"users", `LASTUPDATED gt ` + day, false}, // property names are case-sensitive
		{"users", `lastUpdated GT ` + day, true},  // operators are not
		{"users", `status sw "ACT"`, false},
		{"users", `status pr`, false},
		{"users", `profile.login co "ada"`, false},
		{"users", `status gt "A"`, false},
		{"users", `status ne "ACTIVE"`, false},
		{"users", `not (status eq "ACTIVE")`, false},
		{"users", `created gt ` + day, false},
		{"users", `profile.department eq "Sales"`, false},
		{"groups", `type eq "OKTA_GROUP"`, true},
		{"groups", `id eq "` + o.GroupID(2) + `"`, true},
		{"groups", `lastMembershipUpdated gt ` + day, true},
		{"groups", `type eq "OKTA_GROUP" and (lastUpdated lt ` + day + ` or lastMembershipUpdated lt ` + day + `)`, true},
		{"groups", `lastUpdated ge ` + day + ` and lastUpdated le "2026-01-01T00:00:00.000Z"`, true},
		{"groups", `type sw "OKTA"`, false},
		{"groups", `type gt "A"`, false},
		{"groups", `profile.name eq "Everyone"`, false},
		{"groups", `created gt ` + day, false},
		{"groups", `lastMembershipUpdated gt "last week"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.path+"?filter="+tc.filter, func(t *testing.T) {
			r := get(t, s, "/api/v1/"+tc.path+"?filter="+url.QueryEscape(tc.filter))
			if tc.ok {
				if r.status != http.StatusOK {
					t.Fatalf("status %d, want 200: %.300s", r.status, r.body)
				}
				return
			}
			var e oktaError
			if err := json.Unmarshal(r.body, &e); err != nil || r.status != http.StatusBadRequest || e.ErrorCode != codeBadSearch {
				t.Fatalf("got %d %.200s, want 400 %s", r.status, r.body, codeBadSearch)
			}
		})
	}
}

// TestGroupsFilterSelectsByTime checks that each group filter returns
// exactly the groups a brute-force evaluation selects.
func TestGroupsFilterSelectsByTime(t *testing.T) {
	s, _ := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	var all []group
	for g := 0; g < o.cfg.Groups; g++ {
		gr, _ := o.group(g)
		all = append(all, gr)
	}
	cut := all[len(all)/2].lastMembershipUpdated
	c := `"` + ts(cut) + `"`
	tests := []struct {
		filter string
		want   func(group) bool
	}{
		{`lastMembershipUpdated gt ` + c, func(g group) bool { return g.lastMembershipUpdated.After(cut) }},
		{`lastMembershipUpdated ge ` + c, func(g group) bool { return !g.lastMembershipUpdated.Before(cut) }},
		{`lastUpdated lt ` + c + ` or type eq "BUILT_IN"`, func(g group) bool { return g.lastUpdated.Before(cut) || g.kind == "BUILT_IN" }},
		{`type eq "OKTA_GROUP" and lastMembershipUpdated le ` + c, func(g group) bool { return g.kind == "OKTA_GROUP" && !g.lastMembershipUpdated.After(cut) }},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			var want []string
			for _, g := range all {
				if tc.want(g) {
					want = append(want, g.id)
				}
			}
			got := collect(t, s, "/api/v1/groups?limit=3&filter="+url.QueryEscape(tc.filter), "", false, nil)
			if len(got) != len(want) || len(want) == 0 || len(want) == len(all) {
				t.Fatalf("got %d groups, want %d of %d (a cut that selects some but not all)", len(got), len(want), len(all))
			}
			for i, g := range got {
				if g["id"] != want[i] {
					t.Fatalf("group %d = %v, want %s", i, g["id"], want[i])
				}
			}
		})
	}
}
