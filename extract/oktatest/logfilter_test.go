package oktatest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// eventsWhere returns the uuids of the org's visible events in published
// order that satisfy pred, decoded the way a client sees them.
func eventsWhere(t *testing.T, s *Server, pred func(map[string]any) bool) []string {
	t.Helper()
	all := collect(t, s, "/api/v1/logs?limit=1000&since="+url.QueryEscape(ts(testNow.Add(-7*day)))+"&until="+url.QueryEscape(ts(testNow.Add(time.Millisecond))), "", false, nil)
	var out []string
	for _, e := range all {
		if pred(e) {
			out = append(out, e["uuid"].(string))
		}
	}
	return out
}

func str(e map[string]any, path ...string) string {
	var v any = e
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

func targetHas(e map[string]any, field, value string) bool {
	for _, t := range e["target"].([]any) {
		if t.(map[string]any)[field] == value {
			return true
		}
	}
	return false
}

// TestLogsFilter follows "System Log API: filter": a SCIM filter over the
// event's attributes (dotted, any element of target matching), every
// operator but [ ], combined with and, or and parentheses. The filtered
// walk must return exactly what a brute-force pass over every event keeps,
// in both polling and bounded modes and across pages.
func TestLogsFilter(t *testing.T) {
	cfg := testOrgConfig()
	cfg.LogEvents = 2000
	s, _ := startServer(t, cfg, Options{})
	o := s.Org()
	g, _ := o.group(3)
	actor := o.UserID(0)
	tests := []struct {
		filter string
		want   func(map[string]any) bool
	}{
		{`eventType eq "group.user_membership.add"`, func(e map[string]any) bool { return e["eventType"] == "group.user_membership.add" }},
		{`eventType eq "group.user_membership.add" or eventType eq "application.user_membership.add"`, func(e map[string]any) bool {
			return e["eventType"] == "group.user_membership.add" || e["eventType"] == "application.user_membership.add"
		}},
		{`eventType sw "user.session."`, func(e map[string]any) bool { return strings.HasPrefix(e["eventType"].(string), "user.session.") }},
		{`target.id eq "` + g.id + `"`, func(e map[string]any) bool { return targetHas(e, "id", g.id) }},
		{`target.type eq "AppInstance" and outcome.result eq "FAILURE"`, func(e map[string]any) bool {
			return targetHas(e, "type", "AppInstance") && str(e, "outcome", "result") == "FAILURE"
		}},
		{`actor.id eq "` + actor + `"`, func(e map[string]any) bool { return str(e, "actor", "id") == actor }},
		{`(eventType eq "user.session.start" or eventType eq "user.session.end") and client.geographicalContext.city eq "Berlin"`, func(e map[string]any) bool {
			return (e["eventType"] == "user.session.start" || e["eventType"] == "user.session.end") && str(e, "client", "geographicalContext", "city") == "Berlin"
		}},
		{`outcome.result ne "SUCCESS"`, func(e map[string]any) bool { return str(e, "outcome", "result") != "SUCCESS" }},
		{`displayMessage co "MFA"`, func(e map[string]any) bool { return strings.Contains(strings.ToLower(e["displayMessage"].(string)), "mfa") }},
		{`securityContext.asNumber eq 3320`, func(e map[string]any) bool { return e["securityContext"].(map[string]any)["asNumber"] == 3320.0 }},
		{`legacyEventType pr and severity eq "WARN"`, func(e map[string]any) bool { return e["legacyEventType"] != nil && e["severity"] == "WARN" }},
	}
	since := url.QueryEscape(ts(testNow.Add(-7 * day)))
	until := url.QueryEscape(ts(testNow.Add(time.Millisecond)))
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			want := eventsWhere(t, s, tc.want)
			if len(want) == 0 || len(want) > cfg.LogEvents/2 {
				t.Fatalf("brute force keeps %d of %d events: the case selects nothing or too much", len(want), cfg.LogEvents)
			}
			f := url.QueryEscape(tc.filter)
			bounded := uuids(collect(t, s, "/api/v1/logs?limit=7&filter="+f+"&since="+since+"&until="+until, "", false, nil))
			if !slices.Equal(bounded, want) {
				t.Fatalf("bounded: %d events, want %d", len(bounded), len(want))
			}
			polled, _ := pollUntilEmpty(t, s, "/api/v1/logs?limit=7&filter="+f+"&since="+since)
			p := uuids(polled)
			slices.Sort(p)
			w := slices.Clone(want)
			slices.Sort(w)
			if !slices.Equal(p, w) {
				t.Fatalf("polling: %d events, want %d", len(p), len(w))
			}
		})
	}
}

// TestLogsKeywordSearch follows "System Log API: q": every keyword (at most
// ten, each at most 40 characters) must match a word of the event's
// attribute values exactly, ignoring case.
func TestLogsKeywordSearch(t *testing.T) {
	cfg := testOrgConfig()
	cfg.LogEvents = 1000
	s, _ := startServer(t, cfg, Options{})
	words := func(e map[string]any) map[string]bool {
		out := map[string]bool{}
		var walk func(any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				for _, w := range strings.Fields(strings.ToLower(x)) {
					out[w] = true
				}
			case map[string]any:
				for _, c := range x {
					walk(c)
				}
			case []any:
				for _, c := range x {
					walk(c)
				}
			}
		}
		walk(e)
		return out
	}
	since := url.QueryEscape(ts(testNow.Add(-7 * day)))
	until := url.QueryEscape(ts(testNow.Add(time.Millisecond)))
	for _, q := range []string{"Berlin", "san FRANCISCO", "CHROME deutsche", "logout", "Frankfurt"} {
		t.Run(q, func(t *testing.T) {
			want := eventsWhere(t, s, func(e map[string]any) bool {
				ws := words(e)
				for _, k := range strings.Fields(strings.ToLower(q)) {
					if !ws[k] {
						return false
					}
				}
				return true
			})
			if (len(want) == 0) != (q == "Frankfurt") {
				t.Fatalf("brute force keeps %d events for %q: only Frankfurt (no such city) should keep none", len(want), q)
			}
			got := uuids(collect(t, s, "/api/v1/logs?limit=50&q="+url.QueryEscape(q)+"&since="+since+"&until="+until, "", false, nil))
			if !slices.Equal(got, want) {
				t.Fatalf("q=%s: %d events, want %d", q, len(got), len(want))
			}
		})
	}
	if got := uuids(collect(t, s, "/api/v1/logs?q=Berl&since="+since+"&until="+until, "", false, nil)); len(got) != 0 {
		t.Errorf("a partial keyword matched %d events; keywords match whole words", len(got))
	}
}

// TestLogsFilterErrors checks what the System Log refuses: published in a
// filter (since, until and after own it), the [ ] operator, broken
// expressions, and q beyond ten keywords or 40 characters a keyword.
func TestLogsFilterErrors(t *testing.T) {
	s, _ := startServer(t, testOrgConfig(), Options{})
	tests := []struct{ query, code string }{
		{"filter=" + url.QueryEscape(`published gt "2026-03-01T00:00:00.000Z"`), codeBadSearch},
		{"filter=" + url.QueryEscape(`target[type eq "User"].id eq "x"`), codeBadSearch},
		{"filter=" + url.QueryEscape(`eventType eq`), codeBadSearch},
		{"filter=" + url.QueryEscape(`eventType eq "a" and (actor.id eq "b"`), codeBadSearch},
		{"filter=" + url.QueryEscape(`eventType like "a"`), codeBadSearch},
		{"q=" + url.QueryEscape(strings.Repeat("a ", 11)), codeValidation},
		{"q=" + strings.Repeat("k", 41), codeValidation},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			r := get(t, s, "/api/v1/logs?"+tc.query)
			var e oktaError
			if err := json.Unmarshal(r.body, &e); err != nil || r.status != http.StatusBadRequest || e.ErrorCode != tc.code {
				t.Fatalf("got %d %.200s, want 400 %s", r.status, r.body, tc.code)
			}
		})
	}
}
