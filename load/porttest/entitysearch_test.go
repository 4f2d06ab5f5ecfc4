package porttest

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"testing"
)

// searchAll pages POST .../entities/search with body (limit and from
// added) until no next, and returns the identifiers in order.
func (c *client) searchAll(bp string, body map[string]any) []string {
	c.t.Helper()
	var ids []string
	req := map[string]any{}
	for k, v := range body {
		req[k] = v
	}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			c.t.Fatal("search did not end")
		}
		status, out := c.call(http.MethodPost, "/v1/blueprints/"+bp+"/entities/search", req, nil)
		if status != http.StatusOK {
			c.t.Fatalf("search %v: %d %v", req, status, out)
		}
		for _, e := range out["entities"].([]any) {
			ids = append(ids, e.(map[string]any)["identifier"].(string))
		}
		next, _ := out["next"].(string)
		if next == "" {
			return ids
		}
		req["from"] = next
	}
}

func rule(prop, op string, value any) map[string]any {
	return map[string]any{"property": prop, "operator": op, "value": value}
}

// seedProbes stores probes p00…p(n-1): score i, status ACTIVE for even i.
func seedProbes(t *testing.T, c *client, n int) {
	t.Helper()
	var batch []any
	for i := range n {
		status := "SUSPENDED"
		if i%2 == 0 {
			status = "ACTIVE"
		}
		batch = append(batch, probe(fmt.Sprintf("p%02d", i), map[string]any{"score": float64(i), "status": status}))
		if len(batch) == 20 || i == n-1 {
			if st, body := c.bulk("probe", "upsert=true", batch...); st != http.StatusOK {
				t.Fatalf("seeding: %d %+v", st, body)
			}
			batch = nil
		}
	}
}

func probeIDs(pred func(i int) bool, n int) []string {
	var out []string
	for i := range n {
		if pred(i) {
			out = append(out, fmt.Sprintf("p%02d", i))
		}
	}
	return out
}

// TestSearchEntities follows Port's "Search a blueprint's entities": a
// query of rules under and/or (absent or empty: every entity), paged by
// limit and from/next.
func TestSearchEntities(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	const n = 45
	seedProbes(t, c, n)
	c.bulk("okta_user", "upsert=true", user("u1"))
	all := func(int) bool { return true }
	tests := []struct {
		name  string
		query any // nil: no query
		want  []string
	}{
		{"no query", nil, probeIDs(all, n)},
		{"empty rules", map[string]any{"combinator": "and", "rules": []any{}}, probeIDs(all, n)},
		{"property =", map[string]any{"combinator": "and", "rules": []any{rule("status", "=", "ACTIVE")}}, probeIDs(func(i int) bool { return i%2 == 0 }, n)},
		{"$identifier in", map[string]any{"combinator": "and", "rules": []any{rule("$identifier", "in", []any{"p03", "p07", "nope"})}}, []string{"p03", "p07"}},
		{"$blueprint = this one", map[string]any{"combinator": "and", "rules": []any{rule("$blueprint", "=", "probe")}}, probeIDs(all, n)},
		{"$blueprint = another", map[string]any{"combinator": "and", "rules": []any{rule("$blueprint", "=", "okta_user")}}, nil},
		{"nested or", map[string]any{"combinator": "and", "rules": []any{
			rule("status", "=", "SUSPENDED"),
			map[string]any{"combinator": "or", "rules": []any{rule("score", "=", 1.0), rule("$identifier", "=", "p09"), rule("$identifier", "=", "p10")}},
		}}, []string{"p01", "p09"}},
		{"!= and notIn", map[string]any{"combinator": "and", "rules": []any{rule("status", "!=", "ACTIVE"), rule("$identifier", "notIn", []any{"p01", "p03"})}},
			probeIDs(func(i int) bool { return i%2 == 1 && i != 1 && i != 3 }, n)},
		{"beginsWith", map[string]any{"combinator": "or", "rules": []any{rule("$identifier", "beginsWith", "p4")}}, probeIDs(func(i int) bool { return i >= 40 }, n)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"limit": 7}
			if tt.query != nil {
				body["query"] = tt.query
			}
			got := c.searchAll("probe", body)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	requireNoViolations(t, srv)
}

// TestSearchPaging checks the default page of 200, the 1..1000 bounds, and
// that paging stays stable while entities change: no entity is returned
// twice, and every one that exists throughout is returned.
func TestSearchPaging(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	seedProbes(t, c, 230)
	status, page := c.call(http.MethodPost, "/v1/blueprints/probe/entities/search", map[string]any{}, nil)
	if status != http.StatusOK || len(page["entities"].([]any)) != 200 || page["next"] == nil {
		t.Fatalf("default page: %d, %d entities, next %v", status, len(page["entities"].([]any)), page["next"])
	}
	for _, limit := range []any{0, 1001, "ten"} {
		if status, body := c.call(http.MethodPost, "/v1/blueprints/probe/entities/search", map[string]any{"limit": limit}, nil); status != http.StatusUnprocessableEntity {
			t.Errorf("limit %v: %d %v, want 422", limit, status, body)
		}
	}
	if status, _ := c.call(http.MethodPost, "/v1/blueprints/probe/entities/search", map[string]any{"from": "garbage"}, nil); status != http.StatusUnprocessableEntity {
		t.Errorf("from garbage: %d, want 422", status)
	}

	status, first := c.call(http.MethodPost, "/v1/blueprints/probe/entities/search", map[string]any{"limit": 50}, nil)
	if status != http.StatusOK {
		t.Fatal(status)
	}
	var got []string
	for _, e := range first["entities"].([]any) {
		got = append(got, e.(map[string]any)["identifier"].(string))
	}
	// Between pages: delete one already returned and one not yet, add one
	// before the cursor and one after it.
	c.call(http.MethodPost, "/v1/blueprints/probe/bulk/entities/delete?delete_dependents=false", map[string]any{"entities": []string{"p00", "p90"}}, nil)
	c.bulk("probe", "upsert=true", probe("p00a", nil), probe("p999", nil))
	got = append(got, c.searchAll("probe", map[string]any{"limit": 50, "from": first["next"]})...)
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("%s returned twice", id)
		}
		seen[id] = true
	}
	for i := range 230 {
		id := fmt.Sprintf("p%02d", i)
		if id != "p90" && !seen[id] {
			t.Errorf("%s existed throughout but was not returned", id)
		}
	}
	if !slices.Contains(got[:50], "p00") || seen["p90"] || !seen["p999"] || seen["p00a"] || !sort.StringsAreSorted(got) {
		t.Errorf("p00 on the first page %v, deleted p90 returned %v, later p999 returned %v, p00a (before the cursor) returned %v, sorted %v",
			slices.Contains(got[:50], "p00"), seen["p90"], seen["p999"], seen["p00a"], sort.StringsAreSorted(got))
	}
	// The limit and from probes break the request schema on purpose; the
	// responses are still checked when the server closes (newServer).
}

// TestSearchIncludeExclude: include keeps only the named fields ($-prefixed
// meta-properties, properties and relations), exclude drops them.
func TestSearchIncludeExclude(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	c.bulk("okta_user", "upsert=true", user("u1"))
	e := probe("x", map[string]any{"score": 3.0, "status": "ACTIVE"})
	e["title"] = "X"
	e["relations"] = map[string]any{"owner": "u1"}
	c.bulk("probe", "upsert=true", e)
	tests := []struct {
		name string
		body map[string]any
		want map[string]any
	}{
		{"include", map[string]any{"include": []string{"$identifier", "score", "owner"}},
			map[string]any{"identifier": "x", "properties": map[string]any{"score": 3.0}, "relations": map[string]any{"owner": "u1"}}},
		{"include meta only", map[string]any{"include": []string{"$identifier", "$title"}},
			map[string]any{"identifier": "x", "title": "X"}},
		{"exclude", map[string]any{"exclude": []string{"$title", "name", "status", "owner"}},
			map[string]any{"identifier": "x", "properties": map[string]any{"score": 3.0}, "relations": map[string]any{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := c.call(http.MethodPost, "/v1/blueprints/probe/entities/search", tt.body, nil)
			if status != http.StatusOK || len(out["entities"].([]any)) != 1 {
				t.Fatalf("%d %v", status, out)
			}
			if got := out["entities"].([]any)[0]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("entity %v, want %v", got, tt.want)
			}
		})
	}
	requireNoViolations(t, srv)
}

// TestSearchAndCountErrors: unknown blueprints are 404, operators the
// simulator does not evaluate are refused with 422 (never answered
// wrongly), and entities-count counts.
func TestSearchAndCountErrors(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	seedProbes(t, c, 5)
	if status, body := c.call(http.MethodPost, "/v1/blueprints/nope/entities/search", map[string]any{}, nil); status != http.StatusNotFound || body["error"] != "not_found" {
		t.Errorf("unknown blueprint: %d %v", status, body)
	}
	q := map[string]any{"query": map[string]any{"combinator": "and", "rules": []any{map[string]any{"property": "seen", "operator": "between", "value": map[string]any{"preset": "lastWeek"}}}}}
	if status, body := c.call(http.MethodPost, "/v1/blueprints/probe/entities/search", q, nil); status != http.StatusUnprocessableEntity {
		t.Errorf("between: %d %v, want 422", status, body)
	}
	if status, body := c.call(http.MethodGet, "/v1/blueprints/probe/entities-count", nil, nil); status != http.StatusOK || body["count"] != 5.0 {
		t.Errorf("entities-count: %d %v", status, body)
	}
	if status, _ := c.call(http.MethodGet, "/v1/blueprints/nope/entities-count", nil, nil); status != http.StatusNotFound {
		t.Errorf("entities-count of an unknown blueprint: %d", status)
	}
	// Responses are checked against the spec when the server closes (newServer).
}
