package oktatest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

func uuids(recs []map[string]any) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r["uuid"].(string))
	}
	return out
}

// pollUntilEmpty follows polling next links until an empty page, checking
// that every page, the empty one included, carries a next link.
func pollUntilEmpty(t *testing.T, s *Server, url string) ([]map[string]any, string) {
	t.Helper()
	var all []map[string]any
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("polling did not reach an empty page")
		}
		r := get(t, s, url)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", url, r.status, r.body)
		}
		next := r.links()["next"]
		if next == "" {
			t.Fatalf("polling page %s has no next link", url)
		}
		recs := r.records(t, "")
		if len(recs) == 0 {
			return all, next
		}
		all = append(all, recs...)
		url = next
	}
}

// TestLogsOutOfOrderPersistence reproduces the late event that makes Okta
// recommend polling: E3 is published between E1 and E2 but persisted ten
// minutes later. Polling from the last cursor still delivers it; a bounded
// query from the last published time does not.
func TestLogsOutOfOrderPersistence(t *testing.T) {
	cfg := testOrgConfig()
	cfg.LogEvents = 0
	s, clk := startServer(t, cfg, Options{})
	o := s.Org()
	t0 := testNow
	e1 := o.AddLogEvent(t0, t0.Add(time.Second))
	e2 := o.AddLogEvent(t0.Add(2*time.Second), t0.Add(3*time.Second))
	e3 := o.AddLogEvent(t0.Add(time.Second), t0.Add(10*time.Minute))
	since := url.QueryEscape(ts(t0.Add(-time.Minute)))

	clk.Set(t0.Add(5 * time.Second))
	got, next := pollUntilEmpty(t, s, "/api/v1/logs?since="+since)
	if !slices.Equal(uuids(got), []string{e1, e2}) {
		t.Fatalf("first poll = %v, want [e1 e2]", uuids(got))
	}
	bounded := "/api/v1/logs?since=" + since + "&until=" + url.QueryEscape(ts(t0.Add(time.Hour)))
	if r := get(t, s, bounded); !slices.Equal(uuids(r.records(t, "")), []string{e1, e2}) || r.links()["next"] != "" {
		t.Fatalf("bounded before E3 persists = %v next %q", uuids(r.records(t, "")), r.links()["next"])
	}
	again, next2 := pollUntilEmpty(t, s, next)
	if len(again) != 0 || next2 == "" {
		t.Fatalf("empty poll returned %v, next %q", uuids(again), next2)
	}

	clk.Set(t0.Add(11 * time.Minute))
	late, _ := pollUntilEmpty(t, s, next2)
	if !slices.Equal(uuids(late), []string{e3}) {
		t.Fatalf("poll after E3 persisted = %v, want [e3]", uuids(late))
	}
	r := get(t, s, bounded)
	if !slices.Equal(uuids(r.records(t, "")), []string{e1, e3, e2}) {
		t.Fatalf("bounded after E3 persisted = %v, want published order [e1 e3 e2]", uuids(r.records(t, "")))
	}
	fromLastPublished := "/api/v1/logs?since=" + url.QueryEscape(ts(t0.Add(2*time.Second+time.Millisecond))) +
		"&until=" + url.QueryEscape(ts(t0.Add(time.Hour)))
	if r := get(t, s, fromLastPublished); len(r.records(t, "")) != 0 {
		t.Fatalf("bounded since the last published time returned %v; E3 must be missed that way", uuids(r.records(t, "")))
	}
}

// TestLogsPollingAndBoundedAgree walks the generated log both ways: the
// same events, exactly once, in the right order, with the right links.
func TestLogsPollingAndBoundedAgree(t *testing.T) {
	cfg := testOrgConfig()
	cfg.LogEvents, cfg.LateLogFraction = 3000, 0.05
	s, _ := startServer(t, cfg, Options{})
	o := s.Org()
	want := o.Count("logs")

	polled, _ := pollUntilEmpty(t, s, "/api/v1/logs?limit=250")
	bounded := collect(t, s, "/api/v1/logs?limit=250&since="+url.QueryEscape(ts(testNow.Add(-7*day)))+
		"&until="+url.QueryEscape(ts(testNow.Add(time.Millisecond))), "", false, nil)
	if len(polled) != want || len(bounded) != want {
		t.Fatalf("polled %d, bounded %d, Count %d", len(polled), len(bounded), want)
	}
	p, b := uuids(polled), uuids(bounded)
	if slices.Equal(p, b) {
		t.Error("persistence order equals published order; late events are not late")
	}
	slices.Sort(p)
	slices.Sort(b)
	if !slices.Equal(p, b) || len(slices.Compact(p)) != want {
		t.Fatal("polling and bounded walks returned different or repeated events")
	}
	for i := 1; i < len(bounded); i++ {
		if bounded[i]["published"].(string) < bounded[i-1]["published"].(string) {
			t.Fatalf("bounded results out of published order at %d", i)
		}
	}
	desc := collect(t, s, "/api/v1/logs?limit=333&sortOrder=DESCENDING&since="+url.QueryEscape(ts(testNow.Add(-7*day)))+
		"&until="+url.QueryEscape(ts(testNow.Add(time.Millisecond))), "", false, nil)
	d := uuids(desc)
	slices.Reverse(d)
	if !slices.Equal(d, uuids(bounded)) {
		t.Error("DESCENDING is not the reverse of ASCENDING")
	}
	if n := o.CountLogs(testNow.Add(-7*day), testNow, testNow.Add(-3*day)); n >= want || n == 0 {
		t.Errorf("CountLogs as of three days ago = %d of %d", n, want)
	}
}

// TestLogsVisibility checks that events appear only once the clock reaches
// their persistence time, and that actors are real users.
func TestLogsVisibility(t *testing.T) {
	s, clk := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	clk.Set(testNow.Add(-3 * day))
	past, _ := pollUntilEmpty(t, s, "/api/v1/logs?limit=1000&since="+url.QueryEscape(ts(testNow.Add(-7*day))))
	want := o.CountLogs(testNow.Add(-7*day), testNow, testNow.Add(-3*day))
	if len(past) != want {
		t.Fatalf("three days ago polling saw %d events, want %d", len(past), want)
	}
	for _, e := range past {
		if e["published"].(string) > ts(testNow.Add(-3*day)) {
			t.Fatalf("event %s published %s is visible before it happened", e["uuid"], e["published"])
		}
		actor := e["actor"].(map[string]any)["id"].(string)
		if parseID(actor, "00u", o.cfg.Seed, kindUser) < 0 {
			t.Fatalf("actor %s is not a user of the org", actor)
		}
	}
	clk.Set(testNow)
	now, _ := pollUntilEmpty(t, s, "/api/v1/logs?limit=1000")
	if len(now) != o.Count("logs") || len(now) <= len(past) {
		t.Fatalf("now polling sees %d events, Count %d, three days ago %d", len(now), o.Count("logs"), len(past))
	}
}

// TestLogsErrors checks the System Log's validation errors.
func TestLogsErrors(t *testing.T) {
	s, _ := startServer(t, testOrgConfig(), Options{})
	tests := []struct {
		query         string
		code, summary string
	}{
		{"since=" + url.QueryEscape(ts(testNow.Add(-181*day))), "E0000053", summaryLogSince},
		{"since=yesterday", "E0000030", summaryBadDate},
		{"until=01-01-2017", "E0000030", summaryBadDate},
		{"limit=5000", "E0000001", "Api validation failed: limit"},
		{"sortOrder=DESCENDING", "E0000001", "Api validation failed: sortOrder"},
		{"after=garbage", "E0000001", "Api validation failed: after"},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			r := get(t, s, "/api/v1/logs?"+tc.query)
			var e oktaError
			if err := json.Unmarshal(r.body, &e); err != nil || r.status != http.StatusBadRequest ||
				e.ErrorCode != tc.code || e.ErrorSummary != tc.summary {
				t.Fatalf("got %d %s, want 400 %s %q", r.status, r.body, tc.code, tc.summary)
			}
		})
	}
	if r := get(t, s, "/api/v1/logs?since="+url.QueryEscape(ts(testNow.Add(-89*day)))); r.status != http.StatusOK {
		t.Fatalf("since 89 days ago: %d", r.status)
	}
}
