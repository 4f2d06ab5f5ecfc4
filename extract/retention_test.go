package extract

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
)

const day = 24 * time.Hour

// syncBuffer is a log sink safe for the extractor's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	sb strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sb.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sb.String()
}

// oldLogsFixture is an org whose System Log reaches 120 days back, past
// Okta's 90-day retention, and a logger capturing warnings.
func oldLogsFixture(t *testing.T) (*fixture, *syncBuffer, *slog.Logger) {
	org := oktatest.DefaultOrgConfig()
	org.LogSpan = 120 * day
	org.LogEvents = 1200
	f := newFixture(t, fixtureOptions{org: org})
	var buf syncBuffer
	return f, &buf, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// TestLogsStartBeyondRetention: a first run told to start 100 days back
// reads what Okta still holds and warns what was not available; only a
// start beyond the 180 days Okta accepts at all is refused.
func TestLogsStartBeyondRetention(t *testing.T) {
	f, logs, logger := oldLogsFixture(t)
	now := f.clock.Now()
	cfg := f.config("logs")
	cfg.Logger = logger
	cfg.StartDate = now.Add(-100 * day)
	mustRun(t, cfg)
	got := uniqueField(readStream(t, f.store, "logs"), "uuid")
	if want := f.org.CountLogs(now.Add(-LogRetention), now, now); len(got) != want {
		t.Fatalf("%d events, want the %d Okta holds", len(got), want)
	}
	if !containsAll(logs.String(), "WARN", "90-day", "not available", "10 days") {
		t.Fatalf("no warning of the 10 days that were not available:\n%s", logs)
	}
	cfg.StartDate = now.Add(-181 * day)
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "180") {
		t.Fatalf("a start 181 days back: %v, want a 180-day error", err)
	}
}

// TestBackfillBeyondRetention: a backfill from 100 days back succeeds with
// the events Okta holds and a warning naming the range it no longer has.
func TestBackfillBeyondRetention(t *testing.T) {
	f, logs, logger := oldLogsFixture(t)
	now := f.clock.Now()
	bc := backfillConfig(f.config("logs"), now.Add(-100*day), now.Add(-80*day))
	bc.Logger = logger
	sum, err := Backfill(context.Background(), bc)
	if err != nil {
		t.Fatal(err)
	}
	if want := f.org.CountLogs(now.Add(-LogRetention), now.Add(-80*day), now); sum.Events != int64(want) || want == 0 {
		t.Fatalf("%d events, want the %d held", sum.Events, want)
	}
	if !containsAll(logs.String(), "WARN", "90-day", "not available") {
		t.Fatalf("no warning of what was not available:\n%s", logs)
	}
	bc.Since = now.Add(-181 * day)
	if _, err := Backfill(context.Background(), bc); err == nil || !strings.Contains(err.Error(), "180") {
		t.Fatalf("a backfill from 181 days back: %v, want a 180-day error", err)
	}
}

// TestStaleLogCursorRestartsAtOldest: a stored polling cursor older than
// retention (a pipeline paused for months) restarts from the oldest event
// Okta holds, with a warning that counts the gap, instead of failing or
// silently skipping.
func TestStaleLogCursorRestartsAtOldest(t *testing.T) {
	for _, age := range []time.Duration{100 * day, 200 * day} {
		t.Run(fmt.Sprint(int(age/day), " days"), func(t *testing.T) {
			f, logs, logger := oldLogsFixture(t)
			now := f.clock.Now()
			at := now.Add(-age)
			q := url.Values{"since": {formatTime(at)}, "limit": {"1000"}, "sortOrder": {"ASCENDING"},
				"after": {fmt.Sprintf("%d_0", at.UnixMilli())}}
			state := NewBucketState(f.store, "data/_oktalake/state/okta.json")
			if err := state.Save(context.Background(), "logs", StreamState{Next: "/api/v1/logs?" + q.Encode()}, now); err != nil {
				t.Fatal(err)
			}
			cfg := f.config("logs")
			cfg.Logger = logger
			mustRun(t, cfg)
			got := uniqueField(readStream(t, f.store, "logs"), "uuid")
			if want := f.org.CountLogs(now.Add(-LogRetention), now, now); len(got) != want {
				t.Fatalf("%d events, want the %d Okta holds", len(got), want)
			}
			gap := fmt.Sprintf("%d days", (age-LogRetention)/day)
			if !containsAll(logs.String(), "WARN", "cursor", "retention", gap) {
				t.Fatalf("no warning counting the %s gap:\n%s", gap, logs)
			}
		})
	}
}
