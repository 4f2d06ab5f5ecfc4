package status

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load"
)

// A fixed day: status measures ages against Config.Now, never the wall clock.
var day = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func dataKey(stream string, at time.Time, part int) string {
	return lake.PartKey("data/okta/"+stream+"/year=2026/month=03/01_"+strconv.FormatInt(at.UnixMilli(), 10)+"_", part)
}

// failedLake is a lake after a failed run: users' sync 2 stopped half-way
// (its manifest says incomplete), the loader prod has loaded users' first
// object only and dead-lettered three records, and a backfill left a gap.
func failedLake(t *testing.T) *testLake {
	l := newTestLake(t)
	ctx := context.Background()
	run1, run2 := day.Add(1*time.Hour), day.Add(5*time.Hour)
	u1, u2 := dataKey("users", run1, 0), dataKey("users", run2, 0)
	g2 := dataKey("groups", run2, 0)
	rec := `{"_airbyte_raw_id":"r","_airbyte_extracted_at":1,"_airbyte_meta":{"changes":[],"sync_id":1},"_airbyte_data":{"id":"00u1"}}`
	l.putLines(u1, run1.Add(time.Minute), rec, rec)
	l.putLines(u2, run2.Add(time.Minute), rec)
	l.putLines(g2, run2.Add(2*time.Minute), rec, rec, rec)
	// Not data: ignored by the lake's size.
	l.put("data/okta/users/notes.txt", []byte("x"), run1)

	for _, m := range []lake.Manifest{
		{Stream: "users", Namespace: "okta", SyncID: 1, Kind: lake.ManifestFull, Complete: true, StartedAt: run1, FinishedAt: run1.Add(2 * time.Minute),
			Objects: []lake.ManifestObject{{Key: u1, Records: 2, Bytes: 100}}, Records: 2},
		{Stream: "users", Namespace: "okta", SyncID: 2, Kind: lake.ManifestIncremental, Complete: false, Reason: "okta 500 on page 3 of /api/v1/users",
			StartedAt: run2, FinishedAt: run2.Add(3 * time.Minute), Objects: []lake.ManifestObject{{Key: u2, Records: 1, Bytes: 50}}, Records: 1},
		{Stream: "groups", Namespace: "okta", SyncID: 2, Kind: lake.ManifestFull, Complete: true, StartedAt: run2, FinishedAt: run2.Add(3 * time.Minute),
			Objects: []lake.ManifestObject{{Key: g2, Records: 3, Bytes: 70}}, Records: 3},
	} {
		if err := lake.WriteManifest(ctx, l.store, "data", m); err != nil {
			t.Fatal(err)
		}
	}

	state := extract.NewBucketState(l.store, lake.StateKey("data", "okta"))
	if _, err := state.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := state.Save(ctx, "users", extract.StreamState{LastUpdated: "2026-03-01T00:59:00.000Z"}, run1.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}

	cp := load.Checkpoint{Streams: map[string]*load.StreamCheckpoint{
		"users": {Done: map[string]time.Time{u1: run1.Add(time.Minute)}, Objects: 1, Records: 2},
	}}
	l.putJSON(lake.CheckpointKey("data", "prod"), cp, run1.Add(10*time.Minute))
	dl := func(reason string) string {
		return `{"objectKey":"` + u1 + `","line":1,"stream":"users","record":{"id":"00u1"},"reason":"` + reason + `","at":"2026-03-01T01:10:00Z"}`
	}
	l.putLines(lake.StreamErrorsPrefix("data", "prod", "users")+"20260301T011000Z_a_0.jsonl.gz", run1.Add(10*time.Minute),
		dl("port 422 invalid_entity: bad email"), dl("port 422 invalid_entity: bad email"), dl("mapping 0: identifier is null"))

	l.putJSON(lake.BackfillStateKey("data", "okta", "logs"), extract.BackfillState{Done: []extract.Window{
		{Since: day.Add(-48 * time.Hour), Until: day.Add(-36 * time.Hour)},
		{Since: day.Add(-30 * time.Hour), Until: day.Add(-24 * time.Hour)},
	}, Requested: []extract.Window{{Since: day.Add(-48 * time.Hour), Until: day.Add(-12 * time.Hour)}}}, day)
	// Written before requested ranges were recorded: pending is the gaps.
	l.putJSON(lake.BackfillStateKey("data", "okta", "old_logs"), extract.BackfillState{Done: []extract.Window{
		{Since: day.Add(-48 * time.Hour), Until: day.Add(-36 * time.Hour)},
		{Since: day.Add(-30 * time.Hour), Until: day.Add(-24 * time.Hour)},
	}}, day)
	return l
}

func collect(t *testing.T, l *testLake, lim LagLimit) *Report {
	t.Helper()
	r, err := Collect(context.Background(), Config{Store: l.store, Prefix: "data", Namespace: "okta", Now: day.Add(6 * time.Hour), MaxLag: lim})
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return r
}

func TestFailedRunGolden(t *testing.T) {
	r := collect(t, failedLake(t), LagLimit{})
	var js, table bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	golden(t, "failed.json", js.Bytes())
	golden(t, "failed.txt", table.Bytes())
}

func TestFailedRunIsAProblem(t *testing.T) {
	r := collect(t, failedLake(t), LagLimit{})
	if r.OK || len(r.Problems) != 1 || !strings.Contains(r.Problems[0], "users") || !strings.Contains(r.Problems[0], "okta 500") {
		t.Fatalf("problems %q (ok %v), want one naming users and its reason", r.Problems, r.OK)
	}
	users := r.Streams[0]
	if users.Stream != "users" || users.LastRun == nil || users.LastRun.SyncID != 2 || users.LastRun.Outcome != OutcomeIncomplete || users.LastComplete != 1 {
		t.Fatalf("users: %+v", users)
	}
	if users.Objects != 2 {
		t.Errorf("users lake objects %d, want 2 (notes.txt is not data)", users.Objects)
	}
}

func TestLoaderLag(t *testing.T) {
	l := failedLake(t)
	r := collect(t, l, LagLimit{})
	if len(r.Loaders) != 1 {
		t.Fatalf("loaders %+v", r.Loaders)
	}
	prod := r.Loaders[0]
	// users' second object and groups' one are not loaded; the oldest is
	// users' of run 2, modified at 05:01, 59 minutes before Now (06:00).
	if prod.Pending != 2 || prod.OldestPending == nil || !prod.OldestPending.Equal(day.Add(5*time.Hour+time.Minute)) || prod.OldestPendingAge != 59*60 {
		t.Fatalf("prod: pending %d oldest %v age %d", prod.Pending, prod.OldestPending, prod.OldestPendingAge)
	}
	want := []DeadLetterCount{
		{Stream: "users", Reason: "mapping 0: identifier is null", Count: 1},
		{Stream: "users", Reason: "port 422 invalid_entity: bad email", Count: 2},
	}
	if len(prod.DeadLetters) != len(want) {
		t.Fatalf("dead letters %+v, want %+v", prod.DeadLetters, want)
	}
	for i := range want {
		if prod.DeadLetters[i] != want[i] {
			t.Errorf("dead letters[%d] %+v, want %+v", i, prod.DeadLetters[i], want[i])
		}
	}
}

func TestMaxLag(t *testing.T) {
	for _, tc := range []struct {
		limit   string
		problem string // "" for none beyond the failed run
	}{
		{"", ""},
		{"2", ""},
		{"1", "2 objects not loaded (limit 1)"},
		{"1h", ""},
		{"30m", "the oldest object not loaded is 59m0s old (limit 30m0s)"},
		{"30m,5", "the oldest object not loaded is 59m0s old"},
		{"2h,1", "2 objects not loaded (limit 1)"},
	} {
		t.Run(tc.limit, func(t *testing.T) {
			lim, err := ParseLagLimit(tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			r := collect(t, failedLake(t), lim)
			var lag []string
			for _, p := range r.Problems {
				if strings.HasPrefix(p, "loader prod: ") {
					lag = append(lag, p)
				}
			}
			switch {
			case tc.problem == "" && len(lag) > 0:
				t.Errorf("problems %q, want no lag", lag)
			case tc.problem != "" && (len(lag) != 1 || !strings.Contains(lag[0], tc.problem)):
				t.Errorf("problems %q, want one with %q", lag, tc.problem)
			}
		})
	}
}

func TestParseLagLimitRejects(t *testing.T) {
	for _, s := range []string{"soon", "-1", "0s", "2h,x", "-5m"} {
		if _, err := ParseLagLimit(s); err == nil {
			t.Errorf("ParseLagLimit(%q) accepted it", s)
		}
	}
}

func TestBackfillPending(t *testing.T) {
	r := collect(t, failedLake(t), LagLimit{})
	if len(r.Backfills) != 2 || r.Backfills[0].Stream != "logs" || r.Backfills[1].Stream != "old_logs" {
		t.Fatalf("backfills %+v", r.Backfills)
	}
	gap := extract.Window{Since: day.Add(-36 * time.Hour), Until: day.Add(-30 * time.Hour)}
	tail := extract.Window{Since: day.Add(-24 * time.Hour), Until: day.Add(-12 * time.Hour)}
	if b := r.Backfills[0]; len(b.Done) != 2 || len(b.Pending) != 2 || b.Pending[0] != gap || b.Pending[1] != tail {
		t.Errorf("logs %+v, want pending %v and %v", b, gap, tail)
	}
	if b := r.Backfills[1]; len(b.Done) != 2 || len(b.Pending) != 1 || b.Pending[0] != gap {
		t.Errorf("old_logs %+v, want pending %v", b, gap)
	}
}

func TestEmptyLake(t *testing.T) {
	r := collect(t, newTestLake(t), LagLimit{Objects: 1})
	if !r.OK || len(r.Streams) != 0 || len(r.Loaders) != 0 {
		t.Fatalf("empty lake: %+v", r)
	}
}

func TestBadManifestNamesItsKey(t *testing.T) {
	l := newTestLake(t)
	key := lake.ManifestKey("data", "okta", "users", 7)
	l.put(key, []byte("{not json"), day)
	_, err := Collect(context.Background(), Config{Store: l.store, Prefix: "data", Namespace: "okta", Now: day})
	if err == nil || !strings.Contains(err.Error(), key) {
		t.Fatalf("err %v, want one naming %s", err, key)
	}
}
