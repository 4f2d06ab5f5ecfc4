package oktatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/streams"
)

// pagingOrg is big enough that every capped endpoint has more than one
// full page.
func pagingOrg() OrgConfig {
	cfg := testOrgConfig()
	cfg.Users, cfg.Admins, cfg.Groups, cfg.Apps = 1500, 9, 30, 210
	cfg.ResourceSets, cfg.CustomRoles = 230, 4
	return cfg
}

// extractStream walks one catalog stream the way an extractor does (fan-out
// over parents, following next links) with the given page size (0: none)
// and returns its records, each tagged with its parent ID.
func extractStream(t *testing.T, s *Server, st streams.Stream, limit int) []map[string]any {
	t.Helper()
	query := url.Values{}
	for k, v := range st.Query {
		query.Set(k, v)
	}
	if limit > 0 && (st.PageSize > 0 || st.Name == "user_role_assignments") {
		query.Set("limit", fmt.Sprint(limit))
	}
	if st.Name == "users" {
		query.Set("search", `status pr`) // every status, DEPROVISIONED included
	}
	if st.Object {
		r := get(t, s, st.Path)
		var rec map[string]any
		if err := json.Unmarshal(r.body, &rec); err != nil || r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %.200s (%v)", st.Path, r.status, r.body, err)
		}
		return []map[string]any{rec}
	}
	if st.Parent == "" {
		return collect(t, s, st.Path+"?"+query.Encode(), st.ItemsField, st.BodyNext, nil)
	}
	var parents []string
	if src := st.ParentSource; src != nil {
		for _, p := range collect(t, s, src.Path, src.ItemsField, src.BodyNext, nil) {
			parents = append(parents, p["id"].(string))
		}
	} else {
		parent, _ := streams.Lookup(st.Parent)
		for _, p := range extractStream(t, s, parent, 0) {
			parents = append(parents, p["id"].(string))
		}
	}
	var out []map[string]any
	for _, id := range parents {
		path := strings.Replace(st.Path, "{id}", id, 1) + "?" + query.Encode()
		for _, rec := range collect(t, s, path, st.ItemsField, st.BodyNext, nil) {
			rec[st.ParentIDField] = id
			out = append(out, rec)
		}
	}
	return out
}

// TestExtractMatchesCount walks every catalog stream but logs at several
// page sizes: each record must arrive exactly once, and the total must be
// what Org.Count promises.
func TestExtractMatchesCount(t *testing.T) {
	s, _ := startServer(t, pagingOrg(), Options{})
	for _, st := range streams.All() {
		if st.Name == "logs" {
			continue // polling never ends; see the log tests
		}
		for _, limit := range []int{0, 7, st.PageSize, 100 * st.PageSize} {
			if limit == 0 && st.PageSize == 0 && st.Name != "user_role_assignments" {
				continue
			}
			t.Run(fmt.Sprintf("%s/limit=%d", st.Name, limit), func(t *testing.T) {
				recs := extractStream(t, s, st, limit)
				seen := map[string]bool{}
				for _, rec := range recs {
					key := ""
					for _, f := range st.PrimaryKey {
						key += fmt.Sprint(rec[f]) + "/"
					}
					if seen[key] {
						t.Fatalf("record %s returned twice", key)
					}
					seen[key] = true
				}
				if want := s.Org().Count(st.Name); len(recs) != want || want == 0 {
					t.Fatalf("extracted %d records, Org.Count says %d", len(recs), want)
				}
			})
		}
	}
}

// TestPageLimits checks Okta's page size rules: a limit above the maximum is
// capped silently, app groups never page below 20, and the log endpoint
// rejects a limit above 1000.
func TestPageLimits(t *testing.T) {
	s, _ := startServer(t, pagingOrg(), Options{})
	o := s.Org()
	tests := []struct {
		path       string
		wantStatus int
		wantLen    int
	}{
		{"/api/v1/users?search=" + url.QueryEscape("status pr") + "&limit=5000", http.StatusOK, 200},
		{"/api/v1/users?limit=3", http.StatusOK, 3},
		{"/api/v1/users", http.StatusOK, 200},
		{"/api/v1/apps?limit=5000", http.StatusOK, 200},
		{"/api/v1/apps", http.StatusOK, 20},
		{"/api/v1/groups/" + o.GroupID(0) + "/users?limit=100000", http.StatusOK, 1000},
		{"/api/v1/groups/" + o.GroupID(0) + "/users", http.StatusOK, 1000},
		{"/api/v1/groups?limit=4", http.StatusOK, 4},
		{"/api/v1/iam/resource-sets", http.StatusOK, 100},
		{"/api/v1/logs?limit=1000", http.StatusOK, -1},
		{"/api/v1/logs?limit=1001", http.StatusBadRequest, -1},
		{"/api/v1/users?limit=ten", http.StatusBadRequest, -1},
		{"/api/v1/users?after=00unotacursor00000000", http.StatusBadRequest, -1},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			r := get(t, s, tc.path)
			if r.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tc.wantStatus, r.body)
			}
			if tc.wantLen < 0 {
				return
			}
			field := ""
			if strings.Contains(tc.path, "resource-sets") {
				field = "resource-sets"
			}
			if got := len(r.records(t, field)); got != tc.wantLen {
				t.Fatalf("page holds %d records, want %d", got, tc.wantLen)
			}
		})
	}
	t.Run("app groups page at least 20", func(t *testing.T) {
		for a := 0; a < o.cfg.Apps; a++ {
			want := len(o.appGroupIndexes(a))
			r := get(t, s, "/api/v1/apps/"+o.AppID(a)+"/groups?limit=1")
			if got := len(r.records(t, "")); got != want || r.links()["next"] != "" {
				t.Fatalf("app %d: page of %d with next %q, want all %d in one page", a, got, r.links()["next"], want)
			}
		}
	})
}

// TestLinks checks the shape of Okta's Link headers: absolute URLs on the
// request's origin, self echoing the request, next keeping the other
// parameters, no next on the last page.
func TestLinks(t *testing.T) {
	s, _ := startServer(t, testOrgConfig(), Options{})
	r := get(t, s, "/api/v1/groups?expand=stats&limit=10")
	raw := strings.Join(r.header.Values("Link"), ", ")
	links := r.links()
	if links["self"] != s.URL+"/api/v1/groups?expand=stats&limit=10" {
		t.Errorf("self = %q (Link: %s)", links["self"], raw)
	}
	next, err := url.Parse(links["next"])
	if err != nil || next.Scheme+"://"+next.Host != s.URL || next.Path != "/api/v1/groups" {
		t.Fatalf("next = %q, want an absolute URL on %s", links["next"], s.URL)
	}
	if q := next.Query(); q.Get("expand") != "stats" || q.Get("limit") != "10" || q.Get("after") == "" {
		t.Errorf("next query %v lost parameters or has no after", q)
	}
	last := get(t, s, "/api/v1/groups?limit=25")
	if last.links()["next"] != "" {
		t.Errorf("last page has next %q", last.links()["next"])
	}
	rs := get(t, s, "/api/v1/iam/resource-sets")
	if len(rs.header.Values("Link")) != 0 || rs.bodyNext(t) != "" {
		t.Errorf("single resource-set page: Link %v, body next %q; want neither", rs.header.Values("Link"), rs.bodyNext(t))
	}
}
