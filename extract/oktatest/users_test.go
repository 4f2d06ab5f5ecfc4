package oktatest

import (
	"net/url"
	"testing"
	"time"
)

func statusCounts(recs []map[string]any) map[string]int {
	out := map[string]int{}
	for _, r := range recs {
		out[r["status"].(string)]++
	}
	return out
}

// TestUsersDeprovisioned checks Okta's rule: a plain list omits
// DEPROVISIONED users, a filter or search returns every status.
func TestUsersDeprovisioned(t *testing.T) {
	s, _ := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	all := o.Count("users")
	deprov := 0
	for i := 0; i < all; i++ {
		if u, _ := o.user(i); u.status == "DEPROVISIONED" {
			deprov++
		}
	}
	if deprov == 0 {
		t.Fatal("the test org has no DEPROVISIONED users")
	}
	tests := []struct {
		query      string
		wantTotal  int
		wantDeprov int
	}{
		{"", all - deprov, 0},
		{"filter=" + url.QueryEscape(`lastUpdated gt "2000-01-01T00:00:00.000Z"`), all, deprov},
		{"search=" + url.QueryEscape(`lastUpdated gt "2000-01-01T00:00:00.000Z"`), all, deprov},
		{"filter=" + url.QueryEscape(`status eq "DEPROVISIONED"`), deprov, deprov},
		{"search=" + url.QueryEscape(`status eq "DEPROVISIONED" or status eq "ACTIVE"`), deprov + statusTotal(o, "ACTIVE"), deprov},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			recs := collect(t, s, "/api/v1/users?limit=17&"+tc.query, "", false, nil)
			if len(recs) != tc.wantTotal || statusCounts(recs)["DEPROVISIONED"] != tc.wantDeprov {
				t.Fatalf("got %d users (%v), want %d with %d DEPROVISIONED", len(recs), statusCounts(recs), tc.wantTotal, tc.wantDeprov)
			}
		})
	}
}

func statusTotal(o *Org, status string) int {
	n := 0
	for i := 0; i < o.Count("users"); i++ {
		if u, _ := o.user(i); u.status == status {
			n++
		}
	}
	return n
}

// TestUsersLastUpdatedFilter checks gt/ge/lt/le and "and" against a brute
// force count, and that overlay mutations move users in and out.
func TestUsersLastUpdatedFilter(t *testing.T) {
	s, _ := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	cut := testNow.Add(-60 * day).Truncate(time.Millisecond)
	// Put one user exactly on the cut to tell gt from ge.
	onCut := o.UserID(7)
	if err := o.TouchUser(onCut, cut); err != nil {
		t.Fatal(err)
	}
	brute := func(pred func(time.Time) bool) int {
		n := 0
		for i := 0; i < o.Count("users"); i++ {
			if u, _ := o.user(i); pred(u.lastUpdated) {
				n++
			}
		}
		return n
	}
	c := ts(cut)
	tests := []struct {
		expr string
		want int
	}{
		{`lastUpdated gt "` + c + `"`, brute(func(t time.Time) bool { return t.After(cut) })},
		{`lastUpdated ge "` + c + `"`, brute(func(t time.Time) bool { return !t.Before(cut) })},
		{`lastUpdated lt "` + c + `"`, brute(func(t time.Time) bool { return t.Before(cut) })},
		{`lastUpdated le "` + c + `"`, brute(func(t time.Time) bool { return !t.After(cut) })},
		{`lastUpdated ge "` + c + `" and lastUpdated le "` + c + `"`, 1},
		{`(lastUpdated gt "` + c + `") and status eq "ACTIVE"`, -1},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			recs := collect(t, s, "/api/v1/users?limit=50&filter="+url.QueryEscape(tc.expr), "", false, nil)
			if tc.want >= 0 && len(recs) != tc.want {
				t.Fatalf("got %d users, want %d", len(recs), tc.want)
			}
			if tc.want < 0 && (len(recs) == 0 || len(statusCounts(recs)) != 1) {
				t.Fatalf("got %v, want only ACTIVE users", statusCounts(recs))
			}
		})
	}
	t.Run("mutations", func(t *testing.T) {
		later := testNow.Add(time.Minute)
		f := "/api/v1/users?filter=" + url.QueryEscape(`lastUpdated gt "`+ts(testNow)+`"`)
		if n := len(collect(t, s, f, "", false, nil)); n != 0 {
			t.Fatalf("%d users updated after now before any mutation", n)
		}
		if err := o.UpdateUser(o.UserID(3), later, UserChange{Status: "DEPROVISIONED", Department: "Gone"}); err != nil {
			t.Fatal(err)
		}
		added := o.AddUser("", later)
		recs := collect(t, s, f, "", false, nil)
		if len(recs) != 2 || recs[0]["id"] != o.UserID(3) || recs[1]["id"] != added || recs[0]["status"] != "DEPROVISIONED" {
			t.Fatalf("after mutations got %v", recs)
		}
		if o.Count("users") != testOrgConfig().Users+1 {
			t.Fatalf("Count(users) = %d after AddUser", o.Count("users"))
		}
		everyone := collect(t, s, "/api/v1/groups/"+o.GroupID(0)+"/users", "", false, nil)
		if everyone[len(everyone)-1]["id"] != added {
			t.Fatal("added user is not the last member of Everyone")
		}
		if err := o.UpdateUser("00unosuchuser00000000", later, UserChange{}); err == nil {
			t.Fatal("UpdateUser of an unknown ID succeeded")
		}
	})
	t.Run("bad expressions", func(t *testing.T) {
		for _, e := range []string{`lastUpdated gt "yesterday"`, `profile.city eq "Paris"`, `status eq`, `(status eq "ACTIVE"`} {
			if r := get(t, s, "/api/v1/users?filter="+url.QueryEscape(e)); r.status != 400 {
				t.Errorf("filter %q: status %d, want 400", e, r.status)
			}
		}
		if r := get(t, s, "/api/v1/users?search="+url.QueryEscape(`profile.city eq "Paris"`)); r.status != 200 {
			t.Errorf("search on profile.city: status %d, want 200", r.status)
		}
	})
}

// TestGroupsFilterAndStats checks lastUpdated filtering, TouchGroup and the
// stats embedded by expand=stats.
func TestGroupsFilterAndStats(t *testing.T) {
	s, _ := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	if err := o.TouchGroup(o.GroupID(5), testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	recs := collect(t, s, "/api/v1/groups?filter="+url.QueryEscape(`lastUpdated gt "`+ts(testNow)+`"`), "", false, nil)
	if len(recs) != 1 || recs[0]["id"] != o.GroupID(5) {
		t.Fatalf("filter after TouchGroup returned %v", recs)
	}
	groups := collect(t, s, "/api/v1/groups?expand=stats", "", false, nil)
	empty := 0
	for _, g := range groups {
		stats := g["_embedded"].(map[string]any)["stats"].(map[string]any)
		n := int(stats["usersCount"].(float64))
		members := collect(t, s, "/api/v1/groups/"+g["id"].(string)+"/users", "", false, nil)
		if n != len(members) {
			t.Errorf("group %s: usersCount %d, %d members listed", g["id"], n, len(members))
		}
		if n == 0 {
			empty++
		}
	}
	if empty == 0 || empty == len(groups) {
		t.Errorf("%d of %d groups empty; want some but not all", empty, len(groups))
	}
	if r := get(t, s, "/api/v1/groups"); len(r.records(t, "")) != len(groups) || r.records(t, "")[0]["_embedded"] != nil {
		t.Error("groups without expand=stats embed stats or differ in number")
	}
}
