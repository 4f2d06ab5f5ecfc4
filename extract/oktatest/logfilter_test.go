package oktatest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// allEvents returns the org's visible events in published order, decoded
// the way a client sees them.
func allEvents(t *testing.T, s *Server) []map[string]any {
	t.Helper()
	return collect(t, s, "/api/v1/logs?limit=1000&since="+url.QueryEscape(ts(testNow.Add(-7*day)))+"&until="+url.QueryEscape(ts(testNow.Add(time.Millisecond))), "", false, nil)
}

// where returns the uuids of the events that satisfy pred, in order.
func where(all []map[string]any, pred func(map[string]any) bool) []string {
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
	cfg.LogEvents = 1000
	s, _ := startServer(t, cfg, Options{})
	all := allEvents(t, s)
	// A group and an actor the log is known to name.
	var groupID string
	for _, e := range all {
		if targetHas(e, "type", "UserGroup") {
			groupID = e["target"].([]any)[0].(map[string]any)["id"].(string)
			break
		}
	}
	actor := str(all[0], "actor", "id")
	tests := []struct {
		filter string
		want   func(map[string]any) bool
	}{
		{`eventType eq "group.user_membership.add"`, func(e map[string]any) bool { return e["eventType"] == "group.user_membership.add" }},
		{`eventType eq "group.user_membership.add" or eventType eq "application.user_membership.add"`, func(e map[string]any) bool {
			return e["eventType"] == "group.user_membership.add" || e["eventType"] == "application.user_membership.add"
		}},
		{`eventType sw "user.session."`, func(e map[string]any) bool { return strings.HasPrefix(e["eventType"].(string), "user.session.") }},
		{`target.id eq "` + groupID + `"`, func(e map[string]any) bool { return targetHas(e, "id", groupID) }},
		{`target.type eq "AppInstance" and outcome.result eq "FAILURE"`, func(e map[string]any) bool {
			return targetHas(e, "type", "AppInstance") && str(e, "outcome", "result") == "FAILURE"
		}},
		{`actor.id eq "` + actor + `"`, func(e map[string]any) bool { return str(e, "actor", "id") == actor }},
		{`(eventType eq "user.session.start" or eventType eq "user.session.end") and client.geographicalContext.city eq "Berlin"`, func(e map[string]any) bool {
			return (e["eventType"] == "user.session.start" || e["eventType"] == "user.session.end") && str(e, "client", "geographicalContext", "city") == "Berlin"
		}},
		{`outcome.result ne "SUCCESS"`, func(e map[string]any) bool { return str(e, "outcome", "result") != "SUCCESS" }},
		{`displayMessage co "MFA"`, func(e map[string]any) bool {
			return strings.Contains(strings.ToLower(e["displayMessage"].(string)), "mfa")
		}},
		{`securityContext.asNumber eq 3320`, func(e map[string]any) bool { return e["securityContext"].(map[string]any)["asNumber"] == 3320.0 }},
		{`legacyEventType pr and severity eq "WARN"`, func(e map[string]any) bool { return e["legacyEventType"] != nil && e["severity"] == "WARN" }},
	}
	since := url.QueryEscape(ts(testNow.Add(-7 * day)))
	until := url.QueryEscape(ts(testNow.Add(time.Millisecond)))
	for i, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			want := where(all, tc.want)
			if len(want) == 0 || len(want) > cfg.LogEvents/2 {
				t.Fatalf("brute force keeps %d of %d events: the case selects nothing or too much", len(want), cfg.LogEvents)
			}
			f := url.QueryEscape(tc.filter)
			bounded := uuids(collect(t, s, "/api/v1/logs?limit=7&filter="+f+"&since="+since+"&until="+until, "", false, nil))
			if !slices.Equal(bounded, want) {
				t.Fatalf("bounded: %d events, want %d", len(bounded), len(want))
			}
			if i > 3 {
				return // polling shares the evaluation; a few cases prove it pages
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
	all := allEvents(t, s)
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
			want := where(all, func(e map[string]any) bool {
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

// TestLogFilterSeesEventsAsJSON pins the filter's view of an event to its
// JSON: the document it evaluates equals the served JSON decoded back.
func TestLogFilterSeesEventsAsJSON(t *testing.T) {
	o := NewOrg(testOrgConfig())
	for i := 0; i < 200; i++ {
		ev := o.logEventJSON(o.genLogKey(i))
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if got := jsonDoc(reflect.ValueOf(ev)); !reflect.DeepEqual(got, want) {
			t.Fatalf("event %d: filter document differs from its JSON:\n got %v\nwant %v", i, got, want)
		}
	}
}
