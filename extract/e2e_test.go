package extract

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/streams"
)

// assertLakeEqualsOrg checks every tracked stream's current state in the
// lake (latest line of each key, tombstones removing keys) against the org.
func assertLakeEqualsOrg(t *testing.T, f *fixture, when string) {
	t.Helper()
	for _, n := range trackedStreams() {
		want := orgKeys(f.org, n)
		if got := currentKeys(t, f.store, n); !slices.Equal(got, want) {
			t.Errorf("%s %s:%s", n, when, diffKeys(got, want))
		}
		if len(want) == 0 {
			t.Errorf("%s: the org holds nothing, the check proves little", n)
		}
	}
}

// End to end: extract; change the org as an admin would; extract again:
// the lake's current state equals the org for every stream. An unchanged
// third run costs about one request per stream, by the simulator's own
// request log, re-lists no parent, and tombstones nothing.
func TestEndToEndDeletes(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	clk := f.clock.(*oktatest.ManualClock)
	cfg := f.config()
	mustRun(t, cfg)
	assertLakeEqualsOrg(t, f, "after the first run")
	clk.Advance(time.Hour)
	mutate(t, f.org, clk.Now())
	mustRun(t, cfg)
	assertLakeEqualsOrg(t, f, "after the changes")

	lines := map[string]int{}
	for _, n := range trackedStreams() {
		lines[n] = len(streamLines(t, f.store, n))
	}
	clk.Advance(time.Hour)
	from := len(f.srv.RequestLog())
	mustRun(t, cfg)
	reqs := f.srv.RequestLog()[from:]
	byPattern := map[string]int{}
	for _, r := range reqs {
		byPattern[r.Pattern]++
	}
	// One request per stream (a listing that returns nothing new, or a
	// full small listing), one change feed request per stream that follows
	// the log, one permissions request per custom role.
	feeds := 0
	for _, st := range streams.All() {
		if _, ok := st.Changes(); ok {
			feeds++
		}
	}
	bound := len(streams.All()) + feeds + f.org.Config().CustomRoles
	t.Logf("unchanged run: %d requests (bound %d): %v", len(reqs), bound, byPattern)
	if len(reqs) > bound {
		t.Errorf("an unchanged run made %d requests, want at most %d: %v", len(reqs), bound, byPattern)
	}
	for _, p := range []string{"/api/v1/groups/{id}/users", "/api/v1/apps/{id}/users", "/api/v1/apps/{id}/groups", "/api/v1/users/{id}/roles", "/api/v1/groups/{id}/roles", "/api/v1/iam/assignees/users"} {
		if byPattern[p] != 0 {
			t.Errorf("an unchanged run requested %s %d times", p, byPattern[p])
		}
	}
	for _, n := range trackedStreams() {
		if tb := tombstonesBy(streamLines(t, f.store, n), lines[n]); len(tb) != 0 {
			t.Errorf("%s: the unchanged run wrote tombstones %v", n, tb)
		}
	}
	assertLakeEqualsOrg(t, f, "after the unchanged run")
}

// An interrupted second run leaves no complete manifest for the streams it
// did not finish and keeps their key index as it was; the next run then
// brings the lake to the org's state.
func TestInterruptedSecondRun(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	clk := f.clock.(*oktatest.ManualClock)
	cfg := f.config()
	mustRun(t, cfg)
	clk.Advance(time.Hour)
	mutate(t, f.org, clk.Now())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	os := &orderStore{Store: f.store}
	var once sync.Once
	os.onCreate = func(key string) {
		if strings.Contains(key, "/okta/group_members/") || strings.Contains(key, "/okta/application_users/") {
			once.Do(cancel)
		}
	}
	icfg := cfg
	icfg.Store = os
	sum, _ := Run(ctx, icfg)
	failed := 0
	ix := indexStore{store: f.store, prefix: "data", namespace: "okta"}
	for _, ss := range sum.Streams {
		if ss.Err == nil {
			continue
		}
		failed++
		if m, ok := manifestOf(t, f.store, ss.Stream); ok && m.SyncID == 2 && m.Complete {
			t.Errorf("%s: interrupted (%v) yet its manifest of sync 2 says complete", ss.Stream, ss.Err)
		}
		if cur, err := ix.open(context.Background(), ss.Stream); err == nil && cur.found && cur.head.SyncID != 1 {
			t.Errorf("%s: interrupted, yet its key index was rewritten by sync %d", ss.Stream, cur.head.SyncID)
		}
	}
	if failed == 0 {
		t.Fatal("no stream was interrupted: the test proves nothing")
	}
	clk.Advance(time.Hour)
	mustRun(t, cfg)
	assertLakeEqualsOrg(t, f, "after the run that followed the interrupted one")
	for _, n := range trackedStreams() {
		if m, ok := manifestOf(t, f.store, n); !ok || !m.Complete || m.SyncID != 3 {
			t.Errorf("%s: latest manifest %+v, want sync 3 complete", n, m)
		}
	}
}
