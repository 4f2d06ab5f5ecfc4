package extract

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
)

// Okta persists some events minutes after their published time. Resuming
// from max(published) would skip them; the polling cursor must not.
func TestLogsOutOfOrderPersistenceLosesNothing(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	clk := f.clock.(*oktatest.ManualClock)
	mustRun(t, f.config("logs"))
	st, err := NewBucketState(f.store, "data/_oktalake/state/okta.json").Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	maxPublished, err := time.Parse(time.RFC3339Nano, st.Streams["logs"].Published)
	if err != nil || st.Streams["logs"].Next == "" {
		t.Fatalf("logs state %+v: want published and next cursor (%v)", st.Streams["logs"], err)
	}

	// Events published before the newest one already read, persisted only now.
	now := clk.Now()
	var late []string
	for i := 1; i <= 5; i++ {
		published := maxPublished.Add(-time.Duration(i) * time.Minute)
		late = append(late, f.org.AddLogEvent(published, now.Add(time.Minute)))
	}
	// And an ordinary newer event.
	late = append(late, f.org.AddLogEvent(now.Add(30*time.Second), now.Add(time.Minute)))
	clk.Advance(2 * time.Minute)

	mustRun(t, f.config("logs"))
	got := uniqueField(readStream(t, f.store, "logs"), "uuid")
	for _, id := range late {
		if got[id] == 0 {
			t.Errorf("late-persisted event %s lost", id)
		}
	}
	for id, n := range got {
		if n > 1 {
			t.Errorf("event %s read %d times", id, n)
		}
	}
	if want := f.org.Count("logs") + len(late); len(got) < want-1 {
		t.Errorf("%d unique events, want about %d", len(got), want)
	}
}

// failingStore fails the commit of the nth object it creates.
type failingStore struct {
	lake.Store
	failAt  int32
	created atomic.Int32
}

func (s *failingStore) Create(ctx context.Context, key string) (lake.ObjectWriter, error) {
	w, err := s.Store.Create(ctx, key)
	if err != nil {
		return nil, err
	}
	if s.created.Add(1) == s.failAt {
		return failingWriter{w}, nil
	}
	return w, nil
}

type failingWriter struct{ lake.ObjectWriter }

func (w failingWriter) Commit() error {
	w.ObjectWriter.Abort()
	return errors.New("simulated crash before commit")
}

// The log cursor is saved only for committed objects: a crash before an
// object is committed leaves the cursor at the end of the last committed
// one, and the next run reads from there — no gap, and no event twice.
func TestStateNeverAdvancesPastUncommitted(t *testing.T) {
	cfgOrg := oktatest.DefaultOrgConfig()
	cfgOrg.LogEvents = 4000
	f := newFixture(t, fixtureOptions{org: cfgOrg})
	base := f.store
	// Objects hold one 1000-event page each: the crash comes at the third.
	fs := &failingStore{Store: base, failAt: 3}
	cfg := f.config("logs")
	cfg.Store = fs
	cfg.MaxFileSize = 64 << 10
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Err() == nil {
		t.Fatal("the run should fail on the third object")
	}
	committed := keysUnder(t, base, "data/okta/logs/")
	if len(committed) != 2 {
		t.Fatalf("%d objects committed before the crash, want 2", len(committed))
	}
	st, _ := NewBucketState(base, "data/_oktalake/state/okta.json").Load(context.Background())
	before := readStream(t, base, "logs")
	maxInObjects := ""
	for _, r := range before {
		if p, _ := r["published"].(string); p > maxInObjects {
			maxInObjects = p
		}
	}
	if p := st.Streams["logs"].Published; p == "" || p > maxInObjects {
		t.Fatalf("state published %q is past the committed objects (newest %q)", p, maxInObjects)
	}

	cfg.Store = base
	mustRun(t, cfg)
	all := readStream(t, base, "logs")
	got := uniqueField(all, "uuid")
	if want := f.org.Count("logs"); len(got) != want || len(all) != want {
		t.Fatalf("%d events (%d unique) after resume, want each of %d once", len(all), len(got), want)
	}
}

// A backfill killed mid-window resumes without duplicates or gaps, and
// every event lands in the folder of its published day.
func TestBackfillResumeAfterKill(t *testing.T) {
	cfgOrg := oktatest.DefaultOrgConfig()
	cfgOrg.LogEvents = 4000
	cfgOrg.LogSpan = 20 * 24 * time.Hour
	f := newFixture(t, fixtureOptions{org: cfgOrg})
	since := f.org.Now().Add(-20 * 24 * time.Hour).Truncate(24 * time.Hour)
	until := f.org.Now().Add(-DefaultBackfillSafetyLag).Truncate(time.Hour) // before the safety lag
	fs := &failingStore{Store: f.store, failAt: 9}
	bc := backfillConfig(f.config("logs"), since, until)
	bc.Window, bc.Workers = 12*time.Hour, 3
	bc.Store = fs
	sum, err := Backfill(context.Background(), bc)
	if err == nil || len(sum.Failed) == 0 {
		t.Fatalf("the first backfill should lose a window, got err %v", err)
	}
	firstDone := sum.WindowsDone

	bc.Store = f.store
	sum, err = Backfill(context.Background(), bc)
	if err != nil {
		t.Fatal(err)
	}
	if sum.WindowsSkipped != firstDone || sum.WindowsDone != sum.WindowsTotal {
		t.Errorf("resume skipped %d windows (want %d) and finished %d of %d", sum.WindowsSkipped, firstDone, sum.WindowsDone, sum.WindowsTotal)
	}
	all := readStream(t, f.store, "logs")
	got := uniqueField(all, "uuid")
	want := f.org.CountLogs(since, until, f.clock.Now())
	if len(got) != want || len(all) != want {
		t.Fatalf("%d events (%d unique) after resume, want %d, each once", len(all), len(got), want)
	}
	// Event-time partitions: each object's day is its events' day.
	for _, key := range keysUnder(t, f.store, "data/okta/logs/") {
		for _, r := range readObject(t, f.store, key) {
			p, _ := time.Parse(time.RFC3339Nano, r["published"].(string))
			dir := fmt.Sprintf("year=%d/month=%02d/%02d_", p.Year(), p.Month(), p.Day())
			if !strings.Contains(key, dir) {
				t.Fatalf("event published %s stored in %s", p, key)
			}
		}
	}
	// A third run has nothing left to do.
	sum, err = Backfill(context.Background(), bc)
	if err != nil || sum.Events != 0 || sum.WindowsSkipped != sum.WindowsTotal {
		t.Errorf("third run: %+v, %v; want every window skipped", sum.BackfillProgress, err)
	}
}

func TestBackfillRefusesBeyondRetention(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	_, err := Backfill(context.Background(), backfillConfig(f.config("logs"), f.clock.Now().Add(-181*24*time.Hour), time.Time{}))
	if err == nil || !strings.Contains(err.Error(), "180 days") {
		t.Fatalf("err = %v, want the 180-day error", err)
	}
}

func TestSplitWindows(t *testing.T) {
	s := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	ws := SplitWindows(s, s.Add(15*time.Hour), 6*time.Hour)
	if len(ws) != 3 || !ws[2].Until.Equal(s.Add(15*time.Hour)) || !ws[1].Since.Equal(s.Add(6*time.Hour)) {
		t.Fatalf("windows = %v", ws)
	}
	var st BackfillState
	st.add(ws[0])
	st.add(ws[2])
	st.add(ws[1])
	if len(st.Done) != 1 || !st.covers(Window{Since: s.Add(time.Hour), Until: s.Add(14 * time.Hour)}) {
		t.Fatalf("merged done = %v", st.Done)
	}
	// A window reaching past what is done is read only where it is not.
	var partial BackfillState
	partial.add(Window{Since: s, Until: s.Add(3 * time.Hour)})
	partial.add(Window{Since: s.Add(4 * time.Hour), Until: s.Add(5 * time.Hour)})
	got := partial.uncovered(Window{Since: s.Add(time.Hour), Until: s.Add(6 * time.Hour)})
	want := []Window{{s.Add(3 * time.Hour), s.Add(4 * time.Hour)}, {s.Add(5 * time.Hour), s.Add(6 * time.Hour)}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("uncovered = %v, want %v", got, want)
	}
}

// cancelAfterCommits cancels a run right after its nth object commit, the
// way a SIGINT that lands just after a rotation does.
type cancelAfterCommits struct {
	lake.Store
	n       int32
	commits atomic.Int32
	cancel  context.CancelFunc
}

func (s *cancelAfterCommits) Create(ctx context.Context, key string) (lake.ObjectWriter, error) {
	w, err := s.Store.Create(ctx, key)
	if err != nil {
		return nil, err
	}
	return &cancellingWriter{ObjectWriter: w, s: s}, nil
}

type cancellingWriter struct {
	lake.ObjectWriter
	s *cancelAfterCommits
}

func (w *cancellingWriter) Commit() error {
	err := w.ObjectWriter.Commit()
	if err == nil && w.s.commits.Add(1) == w.s.n {
		w.s.cancel()
	}
	return err
}

// assertEachEventOnce checks the logs stream holds every event of the org
// exactly once.
func assertEachEventOnce(t *testing.T, f *fixture) {
	t.Helper()
	all := readStream(t, f.store, "logs")
	got := uniqueField(all, "uuid")
	dups := 0
	for _, n := range got {
		dups += n - 1
	}
	if want := f.org.Count("logs"); len(got) != want || dups != 0 {
		t.Fatalf("%d events (%d unique, %d duplicates) after the resume, want each of the %d exactly once", len(all), len(got), dups, want)
	}
}

// smallObjects makes objects rotate in the middle of 1000-event pages.
const smallObjects = 24 << 10

// A logs extract interrupted just after an object rotated mid-page resumes
// without writing any event twice: the saved cursor sits exactly at the end
// of what the committed objects hold.
func TestLogsResumeAfterInterruptWritesEachEventOnce(t *testing.T) {
	for _, n := range []int32{1, 3} {
		t.Run(fmt.Sprintf("interrupt after commit %d", n), func(t *testing.T) {
			orgCfg := oktatest.DefaultOrgConfig()
			orgCfg.LogEvents = 3000
			f := newFixture(t, fixtureOptions{org: orgCfg})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg := f.config("logs")
			cfg.MaxFileSize = smallObjects
			cfg.Store = &cancelAfterCommits{Store: f.store, n: n, cancel: cancel}
			if _, err := Run(ctx, cfg); !errors.Is(err, context.Canceled) {
				t.Fatalf("Run = %v, want context.Canceled", err)
			}
			if len(keysUnder(t, f.store, "data/okta/logs/")) < int(n) {
				t.Fatal("the interrupt came before the objects it should follow")
			}
			cfg = f.config("logs")
			cfg.MaxFileSize = smallObjects
			mustRun(t, cfg)
			assertEachEventOnce(t, f)
		})
	}
}

// A logs extract that fails on an Okta outage (500s until the client gives
// up) resumes, once Okta is back, without writing any event twice.
func TestLogsResumeAfterOutageWritesEachEventOnce(t *testing.T) {
	orgCfg := oktatest.DefaultOrgConfig()
	orgCfg.LogEvents = 3000
	f := newFixture(t, fixtureOptions{org: orgCfg})
	// The same org behind a server that fails every logs request from the
	// fourth on (Okta's 500 body, as in oktatest.FaultStatus).
	down := oktatest.NewServer(f.org, oktatest.Options{Token: "test-token-not-secret", Clock: f.clock,
		Faults: []oktatest.Fault{{Kind: oktatest.FaultStatus, Status: 500, Path: "/api/v1/logs", Nth: 4, Count: 1 << 20}}})
	defer down.Close()
	client, err := okta.New(okta.Config{Domain: down.URL, APIToken: "test-token-not-secret", Clock: f.clock, RateLimitShare: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.config("logs")
	cfg.Client = client
	cfg.MaxFileSize = smallObjects
	sum, err := Run(context.Background(), cfg)
	if err != nil || sum.Err() == nil {
		t.Fatalf("Run = %v, %v; want the logs stream to fail on the outage", err, sum.Err())
	}
	if len(keysUnder(t, f.store, "data/okta/logs/")) == 0 {
		t.Fatal("nothing committed before the outage: the test proves nothing")
	}
	cfg = f.config("logs")
	cfg.MaxFileSize = smallObjects
	mustRun(t, cfg)
	assertEachEventOnce(t, f)
}
