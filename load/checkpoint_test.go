package load

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake"
)

// TestCompact folds keys loaded longer than the retention ago into
// DoneBefore, never past an object still pending.
func TestCompact(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	const retention = time.Hour
	tests := []struct {
		name          string
		done          map[string]time.Duration // key → last modified after t0
		doneBefore    time.Duration            // -1: none
		newest        time.Duration
		pendingOldest time.Duration // -1: nothing pending
		wantKeys      []string
		wantBefore    time.Duration // -1: none
	}{
		{
			name:          "old keys fold",
			done:          map[string]time.Duration{"a": 0, "b": 30 * time.Minute, "c": 2 * time.Hour, "d": 3 * time.Hour},
			doneBefore:    -1,
			newest:        3 * time.Hour,
			pendingOldest: -1,
			wantKeys:      []string{"c", "d"},
			wantBefore:    2 * time.Hour,
		},
		{
			name:          "a pending object holds the cut back",
			done:          map[string]time.Duration{"a": 0, "b": 30 * time.Minute, "c": 2 * time.Hour},
			doneBefore:    -1,
			newest:        3 * time.Hour,
			pendingOldest: 20 * time.Minute,
			wantKeys:      []string{"b", "c"},
			wantBefore:    20 * time.Minute,
		},
		{
			name:          "nothing older than the retention",
			done:          map[string]time.Duration{"a": 2 * time.Hour, "b": 150 * time.Minute},
			doneBefore:    -1,
			newest:        150 * time.Minute,
			pendingOldest: -1,
			wantKeys:      []string{"a", "b"},
			wantBefore:    90 * time.Minute,
		},
		{
			name:          "DoneBefore never moves back",
			done:          map[string]time.Duration{"c": 5 * time.Hour},
			doneBefore:    4 * time.Hour,
			newest:        5 * time.Hour,
			pendingOldest: time.Hour, // modified before DoneBefore: not pending
			wantKeys:      []string{"c"},
			wantBefore:    4 * time.Hour,
		},
	}
	at := func(d time.Duration) time.Time {
		if d < 0 {
			return time.Time{}
		}
		return t0.Add(d)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := &checkpointStore{retention: retention, cp: Checkpoint{Streams: map[string]*StreamCheckpoint{}}}
			sc := cs.stream("users")
			for k, d := range tt.done {
				sc.Done[k] = at(d)
			}
			sc.DoneBefore = at(tt.doneBefore)
			cs.compact("users", at(tt.newest), at(tt.pendingOldest))
			if got := doneKeys(sc.Done); !slices.Equal(got, tt.wantKeys) {
				t.Errorf("keys kept %v, want %v", got, tt.wantKeys)
			}
			if !sc.DoneBefore.Equal(at(tt.wantBefore)) {
				t.Errorf("DoneBefore %v, want %v", sc.DoneBefore, at(tt.wantBefore))
			}
			// Whatever was loaded is still done, folded or not.
			for k, d := range tt.done {
				if !cs.isDone("users", lake.ObjectInfo{Key: k, LastModified: at(d)}) {
					t.Errorf("%s no longer counts as loaded", k)
				}
			}
		})
	}
}

// TestCompactionKeepsLateObjects loads objects older than the retention,
// lets compaction fold them into DoneBefore, then commits a late object
// whose key sorts first but whose last-modified time is recent: it loads,
// and the folded objects are not sent again.
func TestCompactionKeepsLateObjects(t *testing.T) {
	dir := t.TempDir()
	store, _, err := lake.OpenStore(context.Background(), dir, lake.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	touch := func(key string, mod time.Time) {
		if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(key)), mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	old1, old2, recent := dataKey("users", "02_1000_0"), dataKey("users", "02_2000_0"), dataKey("users", "03_1000_0")
	putObject(t, store, old1, users(0, 10))
	putObject(t, store, old2, users(10, 20))
	putObject(t, store, recent, users(20, 30))
	touch(old1, now.Add(-3*time.Hour))
	touch(old2, now.Add(-2*time.Hour))

	pe := newPort(t, portSetup{})
	cfg := Config{Retention: time.Hour}
	run(t, newLoader(t, store, pe, cfg))
	cp := readCheckpoint(t, store, "data", "default")
	if got := doneKeys(cp.Streams["users"].Done); len(got) != 3 {
		t.Fatalf("after the first run the checkpoint holds %v, want all three", got)
	}

	// A pass with nothing pending folds the two old keys.
	run(t, newLoader(t, store, pe, cfg))
	late := dataKey("users", "01_1000_0")
	putObject(t, store, late, users(30, 40))
	before := pe.srv.Stats().EntitiesUpserted
	run(t, newLoader(t, store, pe, cfg))

	if got := pe.srv.Stats().EntitiesUpserted - before; got != 10 {
		t.Errorf("third run upserted %d entities, want only the late object's 10", got)
	}
	if got := pe.count("okta_user"); got != 40 {
		t.Errorf("%d users in Port, want 40", got)
	}
	cp = readCheckpoint(t, store, "data", "default")
	sc := cp.Streams["users"]
	if got, want := doneKeys(sc.Done), []string{late, recent}; !slices.Equal(got, want) {
		t.Errorf("checkpoint keys %v, want %v (the old ones folded)", got, want)
	}
	if sc.DoneBefore.IsZero() || !sc.DoneBefore.After(now.Add(-2*time.Hour)) || sc.DoneBefore.After(now) {
		t.Errorf("DoneBefore %v, want within the last two hours", sc.DoneBefore)
	}
	if sc.Objects != 4 || sc.Records != 40 {
		t.Errorf("checkpoint counts %d objects and %d records, want 4 and 40", sc.Objects, sc.Records)
	}
}
