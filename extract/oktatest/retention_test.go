package oktatest

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"
)

// TestLogRetention follows Okta's System Log retention: events are kept 90
// days; a since older than that is answered with what is still held, not an
// error; only a since beyond 180 days is refused (400 E0000053).
func TestLogRetention(t *testing.T) {
	cfg := testOrgConfig()
	cfg.LogSpan = 120 * day
	cfg.LogEvents = 1200
	s, clk := startServer(t, cfg, Options{})
	now := clk.Now()
	oldest := now.Add(-90 * day)
	at := func(d time.Duration) string { return now.Add(-d).UTC().Format("2006-01-02T15:04:05.000Z") }

	// Bounded, reaching back 100 days: only what is held.
	q := url.Values{"since": {at(100 * day)}, "until": {at(80 * day)}, "limit": {"1000"}}
	r := get(t, s, "/api/v1/logs?"+q.Encode())
	if r.status != 200 {
		t.Fatalf("since 100 days back: %d %s, want 200", r.status, r.body)
	}
	var events []struct{ Published time.Time }
	if err := json.Unmarshal(r.body, &events); err != nil {
		t.Fatal(err)
	}
	if want := s.Org().CountLogs(oldest, now.Add(-80*day), now); len(events) != want || want == 0 {
		t.Fatalf("%d events, want the %d held between 90 and 80 days back", len(events), want)
	}
	for _, e := range events {
		if e.Published.Before(oldest) {
			t.Fatalf("event published %s, past the 90-day retention", e.Published)
		}
	}
	// Polling from 100 days back: answered too.
	if r := get(t, s, "/api/v1/logs?since="+url.QueryEscape(at(100*day))); r.status != 200 {
		t.Fatalf("polling since 100 days back: %d %s", r.status, r.body)
	}
	// Beyond 180 days: refused.
	r = get(t, s, "/api/v1/logs?since="+url.QueryEscape(at(181*day)))
	var e oktaError
	if err := json.Unmarshal(r.body, &e); r.status != 400 || err != nil || e.ErrorCode != "E0000053" {
		t.Fatalf("since 181 days back: %d %s, want 400 E0000053", r.status, r.body)
	}
}
