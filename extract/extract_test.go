package extract

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/streams"
)

// Every stream of the catalog, extracted from the simulated org, holds
// exactly the org's records, with parent ids on fan-out records.
func TestExtractEveryStream(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	sum := mustRun(t, f.config())
	for _, st := range streams.All() {
		recs := readStream(t, f.store, st.Name)
		want := f.org.Count(st.Name)
		if len(recs) != want {
			t.Errorf("%s: %d records in the bucket, the org has %d", st.Name, len(recs), want)
		}
		if st.ParentIDField != "" {
			for _, r := range recs {
				if id, _ := r[st.ParentIDField].(string); id == "" {
					t.Errorf("%s: record without %s: %v", st.Name, st.ParentIDField, r["id"])
					break
				}
			}
		}
		if st.Name == "permissions" {
			continue // permissions are keyed by role and label; checked below
		}
		ids := map[string]bool{}
		for _, r := range recs {
			key := ""
			for _, k := range st.PrimaryKey {
				v, _ := r[k].(string)
				key += v + "/"
			}
			if ids[key] {
				t.Errorf("%s: primary key %s twice", st.Name, key)
			}
			ids[key] = true
		}
	}
	for _, r := range readStream(t, f.store, "permissions") {
		links, _ := r["_links"].(map[string]any)
		self, _ := links["self"].(map[string]any)
		if href, _ := self["href"].(string); !strings.HasPrefix(href, f.srv.URL) {
			t.Errorf("permission without _links.self.href on the org: %v", r)
		}
	}
	if got := sum.Records(); got == 0 {
		t.Fatal("summary counts no records")
	}
}

// Okta hides DEPROVISIONED users from a plain list; the users stream must
// still carry them.
func TestDeprovisionedUsersExtracted(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	mustRun(t, f.config("users"))
	statuses := uniqueField(readStream(t, f.store, "users"), "status")
	if statuses["DEPROVISIONED"] == 0 {
		t.Fatalf("no DEPROVISIONED user extracted; statuses: %v", statuses)
	}
}

// Empty groups (expand=stats usersCount 0) cost no member request.
func TestEmptyGroupsSkipped(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	sum := mustRun(t, f.config("groups", "group_members"))
	empty := 0
	for _, g := range readStream(t, f.store, "groups") {
		if n, ok := groupRec(g).usersCount(); ok && n == 0 {
			empty++
		}
	}
	if empty == 0 {
		t.Fatal("the simulated org has no empty group; the test proves nothing")
	}
	if got := sum.Streams[1].Skipped; got != int64(empty) {
		t.Errorf("skipped %d groups, want the %d empty ones", got, empty)
	}
	cfg := f.org.Config()
	if got, want := f.srv.Stats().Paths["/api/v1/groups/{id}/users"], cfg.Groups-empty; got != want {
		t.Errorf("member requests = %d, want one per non-empty group (%d)", got, want)
	}
	if got := len(readStream(t, f.store, "group_members")); got != f.org.Count("group_members") {
		t.Errorf("members = %d, want %d", got, f.org.Count("group_members"))
	}
}

type groupRec map[string]any

func (g groupRec) usersCount() (int, bool) {
	emb, _ := g["_embedded"].(map[string]any)
	stats, _ := emb["stats"].(map[string]any)
	n, ok := stats["usersCount"].(float64)
	return int(n), ok
}

// Role fan-out asks only the admins, found through /iam/assignees/users.
func TestUserRolesAdminsOnly(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	mustRun(t, f.config("user_role_assignments"))
	paths := f.srv.Stats().Paths
	admins := len(f.org.AdminIDs())
	if got := paths["/api/v1/users/{id}/roles"]; got != admins {
		t.Errorf("role requests = %d, want one per admin (%d), not one per user (%d)", got, admins, f.org.Config().Users)
	}
	got := uniqueField(readStream(t, f.store, "user_role_assignments"), "userId")
	for _, id := range f.org.AdminIDs() {
		if got[id] == 0 {
			t.Errorf("admin %s has no role assignment record", id)
		}
	}
}

// Users are incremental: a second run reads only what changed since the
// cursor, and the cursor never passes the run's start.
func TestUsersIncremental(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	mustRun(t, f.config("users", "groups"))
	first := len(readStream(t, f.store, "users"))
	st, err := NewBucketState(f.store, "data/_oktalake/state/okta.json").Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Streams["users"].LastUpdated == "" || st.Streams["groups"].LastUpdated == "" {
		t.Fatalf("no lastUpdated cursor saved: %+v", st)
	}
	f.clock.(*oktatest.ManualClock).Advance(10 * time.Minute)
	now := f.clock.Now()
	touched := f.org.UserID(3)
	if err := f.org.TouchUser(touched, now); err != nil {
		t.Fatal(err)
	}
	added := f.org.AddUser("DEPROVISIONED", now)
	mustRun(t, f.config("users"))
	all := readStream(t, f.store, "users")
	second := all[first:]
	ids := uniqueField(second, "id")
	if ids[touched] == 0 || ids[added] == 0 {
		t.Fatalf("second run missed the changed users: got %v", ids)
	}
	if len(second) > 2 {
		t.Errorf("second run read %d users, want only the 2 changed", len(second))
	}
}

// A start date beyond the 180 days Okta's System Log accepts is refused
// with a message that says why (one past the 90-day retention only warns:
// TestLogsStartBeyondRetention).
func TestStartDateBeyondRetention(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	cfg := f.config("logs")
	cfg.StartDate = f.clock.Now().Add(-181 * 24 * time.Hour)
	_, err := Run(context.Background(), cfg)
	if err == nil || !containsAll(err.Error(), "180 days", "90 days") {
		t.Fatalf("err = %v, want a 180-day error", err)
	}
}

// A 429 storm and 5xx faults cost waits, not pages: every record arrives.
func TestFaultsLoseNoPages(t *testing.T) {
	f := newFixture(t, fixtureOptions{server: oktatest.Options{Faults: []oktatest.Fault{
		{Kind: oktatest.FaultRateLimitStorm, Path: "/api/v1/groups/*/users", Nth: 3, Count: 6, Reset: 5 * time.Second},
		{Kind: oktatest.FaultStatus, Status: 503, Path: "/api/v1/users", Nth: 1},
		{Kind: oktatest.FaultReset, Path: "/api/v1/apps/*/users", Nth: 2},
		{Kind: oktatest.FaultMalformed, Path: "/api/v1/logs", Nth: 1},
	}}})
	sum := mustRun(t, f.config("users", "group_members", "application_users", "logs"))
	for _, name := range []string{"users", "group_members", "application_users", "logs"} {
		if got, want := len(readStream(t, f.store, name)), f.org.Count(name); got != want {
			t.Errorf("%s: %d records after faults, want %d", name, got, want)
		}
	}
	if f.srv.Stats().TooManyRequests == 0 {
		t.Fatal("the storm never fired")
	}
	var retries int64
	for _, b := range sum.Buckets {
		retries += b.Retries + b.TooMany
	}
	if retries == 0 {
		t.Errorf("no retries or 429s recorded in the summary: %+v", sum.Buckets)
	}
	// Each stream's own figures carry its faults.
	byStream := map[string]StreamSummary{}
	for _, st := range sum.Streams {
		byStream[st.Stream] = st
	}
	if st := byStream["group_members"]; st.Okta.TooMany == 0 || st.Okta.Requests <= st.Pages {
		t.Errorf("group_members stats %+v (pages %d): want its 429s and more requests than pages", st.Okta, st.Pages)
	}
	if st := byStream["users"]; st.Okta.Retries == 0 || st.Okta.TooMany != 0 {
		t.Errorf("users stats %+v: want the 503 retry and no 429", st.Okta)
	}
}

// Progress reports records as they arrive while a run is going.
func TestProgressReported(t *testing.T) {
	f := newFixture(t, fixtureOptions{server: oktatest.Options{Latency: 5 * time.Millisecond}, clock: clockReal()})
	var last atomic.Pointer[Progress]
	cfg := f.config("users", "logs")
	cfg.ProgressEvery = 5 * time.Millisecond
	cfg.Progress = func(p Progress) { last.Store(&p) }
	mustRun(t, cfg)
	p := last.Load()
	if p == nil || p.Records == 0 || p.Streams != 2 || p.Requests == 0 {
		t.Fatalf("last progress = %+v, want records, requests and 2 streams", p)
	}
	if !strings.Contains(p.String(), "records/s") {
		t.Errorf("progress line %q", p.String())
	}
}

// --state FILE keeps the cursors in a local file instead of the bucket.
func TestStateInLocalFile(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	file := t.TempDir() + "/state/okta.json"
	cfg := f.config("users", "logs")
	cfg.State = NewFileState(file)
	mustRun(t, cfg)
	st, err := NewFileState(file).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Streams["users"].LastUpdated == "" || st.Streams["logs"].Next == "" {
		t.Fatalf("state file lacks cursors: %+v", st)
	}
	if keys := keysUnder(t, f.store, "data/_oktalake/state/"); len(keys) != 0 {
		t.Errorf("state also written to the bucket: %v", keys)
	}
	// A second run starts from the file: nothing new, nothing read twice.
	before := len(readStream(t, f.store, "users"))
	mustRun(t, cfg)
	if after := len(readStream(t, f.store, "users")); after != before {
		t.Errorf("second run read %d users again", after-before)
	}
}

// --full-refresh ignores the stored cursor.
func TestFullRefreshReadsEverythingAgain(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	cfg := f.config("users")
	mustRun(t, cfg)
	cfg.FullRefresh = true
	mustRun(t, cfg)
	if got, want := len(readStream(t, f.store, "users")), 2*f.org.Count("users"); got != want {
		t.Fatalf("%d users after a full refresh, want %d (every user twice)", got, want)
	}
}

// An interrupted run (SIGINT) aborts its open objects: what is in the
// bucket is whole, nothing half-written is left, and the cursor covers only
// committed objects.
func TestInterruptLeavesOnlyWholeObjects(t *testing.T) {
	orgCfg := oktatest.DefaultOrgConfig()
	orgCfg.LogEvents = 20000
	f := newFixture(t, fixtureOptions{org: orgCfg, server: oktatest.Options{Latency: 20 * time.Millisecond}, clock: clockReal()})
	cfg := f.config("users", "logs")
	cfg.MaxFileSize = 32 << 10
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(150*time.Millisecond, cancel)
	_, err := Run(ctx, cfg)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	var leftovers []string
	filepath.WalkDir(f.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".jsonl.gz") && !strings.HasSuffix(p, ".json") {
			leftovers = append(leftovers, p)
		}
		return nil
	})
	if len(leftovers) > 0 {
		t.Fatalf("half-written files left behind: %v", leftovers)
	}
	committed := readStream(t, f.store, "logs") // every object reads to the end
	st, _ := NewBucketState(f.store, "data/_oktalake/state/okta.json").Load(context.Background())
	newest := ""
	for _, r := range committed {
		if p, _ := r["published"].(string); p > newest {
			newest = p
		}
	}
	if p := st.Streams["logs"].Published; p > newest {
		t.Fatalf("cursor %s is past the committed events (newest %s)", p, newest)
	}
	if _, ok := st.Streams["users"]; ok && len(readStream(t, f.store, "users")) == 0 {
		t.Fatal("users cursor saved without its objects")
	}
	// The resumed run writes every event exactly once.
	mustRun(t, f.config("logs"))
	assertEachEventOnce(t, f)
}
