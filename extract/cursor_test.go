package extract

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
)

const stateKey = "data/_oktalake/state/okta.json"

func writeState(t *testing.T, store lake.Store, st State) {
	t.Helper()
	if err := lake.WriteJSON(context.Background(), store, stateKey, st); err != nil {
		t.Fatal(err)
	}
}

func loadState(t *testing.T, store lake.Store) State {
	t.Helper()
	st, err := NewBucketState(store, stateKey).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A start date after now would become the cursor of users and logs alike,
// and every later run would read nothing: it is refused up front.
func TestFutureStartDateRefused(t *testing.T) {
	for _, stream := range []string{"users", "logs"} {
		t.Run(stream, func(t *testing.T) {
			f := newFixture(t, fixtureOptions{})
			cfg := f.config(stream)
			cfg.StartDate = f.clock.Now().Add(24 * time.Hour)
			sum, err := Run(context.Background(), cfg)
			if err == nil && sum != nil {
				err = sum.Err()
			}
			if err == nil || !containsAll(err.Error(), "extract.Config.StartDate", "future") {
				t.Fatalf("err = %v, want a StartDate in the future error", err)
			}
			if st := loadState(t, f.store); len(st.Streams) != 0 {
				t.Errorf("state saved anyway: %+v", st.Streams)
			}
		})
	}
}

// A state that an earlier version poisoned with a future date (or that was
// edited by hand) fails the stream with a message naming the state, the
// stream and the field, instead of silently extracting nothing forever.
func TestFutureCursorInStateRefused(t *testing.T) {
	f0 := newFixture(t, fixtureOptions{})
	future := f0.clock.Now().AddDate(1, 0, 0)
	futureTS := formatTime(future)
	logsNext := func(q url.Values) string { return "/api/v1/logs?" + q.Encode() }
	cases := []struct {
		name, stream, field string
		state               StreamState
	}{
		{"users lastUpdated", "users", "lastUpdated", StreamState{LastUpdated: futureTS}},
		{"logs published", "logs", "published", StreamState{Published: futureTS, Next: logsNext(url.Values{"since": {formatTime(f0.clock.Now().Add(-time.Hour))}, "limit": {"1000"}})}},
		{"logs next since", "logs", "since", StreamState{Next: logsNext(url.Values{"since": {futureTS}, "limit": {"1000"}, "sortOrder": {"ASCENDING"}})}},
		{"logs next after", "logs", "after", StreamState{Next: logsNext(url.Values{"after": {fmt.Sprintf("%d_0", future.UnixMilli())}, "limit": {"1000"}})}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, fixtureOptions{})
			writeState(t, f.store, State{Streams: map[string]StreamState{tc.stream: tc.state}})
			sum, err := Run(context.Background(), f.config(tc.stream))
			if err != nil {
				t.Fatal(err)
			}
			err = sum.Err()
			if err == nil || !containsAll(err.Error(), stateKey, tc.stream, tc.field, "later than", "extract.Config.FullRefresh") {
				t.Fatalf("err = %v, want a future-cursor error naming %s, %s and %s", err, stateKey, tc.stream, tc.field)
			}
			if got := loadState(t, f.store).Streams[tc.stream]; got != tc.state {
				t.Errorf("state changed to %+v", got)
			}
			// --full-refresh starts the stream again and saves a sane cursor.
			cfg := f.config(tc.stream)
			cfg.FullRefresh = true
			mustRun(t, cfg)
			assertCursorsNotAfter(t, loadState(t, f.store), f.clock.Now())
		})
	}
}

// assertCursorsNotAfter checks every saved cursor against limit.
func assertCursorsNotAfter(t *testing.T, st State, limit time.Time) {
	t.Helper()
	check := func(stream, field, v string) {
		if v == "" {
			return
		}
		ts, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			t.Errorf("%s %s %q: %v", stream, field, v, err)
			return
		}
		if ts.After(limit) {
			t.Errorf("%s %s %s is later than the run's start %s", stream, field, v, formatTime(limit))
		}
	}
	for name, ss := range st.Streams {
		check(name, "lastUpdated", ss.LastUpdated)
		check(name, "published", ss.Published)
		if ss.Next != "" {
			u, err := url.Parse(ss.Next)
			if err != nil {
				t.Errorf("%s next %q: %v", name, ss.Next, err)
				continue
			}
			check(name, "next since", u.Query().Get("since"))
		}
	}
}

// When Okta's clock runs ahead of ours, records carry times after the run's
// start; the saved cursors still never pass the start.
func TestNoCursorSavedAfterRunStart(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	okta := f.clock.(*oktatest.ManualClock)
	ours := oktatest.NewManualClock(okta.Now())
	okta.Advance(10 * time.Minute)
	if err := f.org.TouchUser(f.org.UserID(4), okta.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	f.org.AddLogEvent(okta.Now().Add(-2*time.Minute), okta.Now().Add(-time.Minute))
	cfg := f.config("users", "logs")
	cfg.Clock = ours
	mustRun(t, cfg)
	st := loadState(t, f.store)
	if st.Streams["users"].LastUpdated == "" || st.Streams["logs"].Published == "" {
		t.Fatalf("cursors missing: %+v", st)
	}
	assertCursorsNotAfter(t, st, ours.Now())
}

// A hand-edited state whose logs cursor points at another endpoint or
// another host is refused with a clear error; nothing is read from it.
func TestStoredLogsCursorMustPointAtLogs(t *testing.T) {
	cases := []struct {
		name string
		next func(srvURL string) string
	}{
		{"users endpoint", func(string) string { return "/api/v1/users?limit=200" }},
		{"users endpoint on the org's origin", func(u string) string { return u + "/api/v1/users?limit=200" }},
		{"dot segments to users", func(string) string { return "/api/v1/logs/../users?limit=200" }},
		{"another host", func(string) string { return "https://attacker.example.com/api/v1/logs?limit=1000" }},
		{"another host, scheme-relative", func(string) string { return "//attacker.example.com/api/v1/logs?limit=1000" }},
		{"not a URL", func(string) string { return "%zz" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, fixtureOptions{})
			bad := StreamState{Next: tc.next(f.srv.URL)}
			writeState(t, f.store, State{Streams: map[string]StreamState{"logs": bad}})
			sum, err := Run(context.Background(), f.config("logs"))
			if err != nil {
				t.Fatal(err)
			}
			err = sum.Err()
			if err == nil || !containsAll(err.Error(), stateKey, "logs", "next", "/api/v1/logs") {
				t.Fatalf("err = %v, want an error naming the state, the logs next cursor and /api/v1/logs", err)
			}
			if strings.Contains(tc.name, "another host") && !strings.Contains(err.Error(), "://attacker.example.com") {
				t.Errorf("error does not name the other origin: %v", err)
			}
			if n := len(readStream(t, f.store, "logs")); n != 0 {
				t.Errorf("%d records written into logs from the bad cursor", n)
			}
			if got := f.srv.Stats().Paths["/api/v1/users"]; got != 0 {
				t.Errorf("the users endpoint was requested %d times", got)
			}
			if got := loadState(t, f.store).Streams["logs"]; got != bad {
				t.Errorf("state changed to %+v", got)
			}
		})
	}
	// The same cursor as an absolute URL on the configured origin is fine.
	f := newFixture(t, fixtureOptions{})
	mustRun(t, f.config("logs"))
	st := loadState(t, f.store)
	ss := st.Streams["logs"]
	ss.Next = f.srv.URL + ss.Next
	st.Streams["logs"] = ss
	writeState(t, f.store, st)
	mustRun(t, f.config("logs"))
}
