package extract

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
)

// stateBackend opens independent StateStores on one state location, the
// way separate processes do.
type stateBackend struct {
	name string
	// store is where objects go (and the state, unless file is set).
	store lake.Store
	file  string
}

func (b stateBackend) open() *StateStore {
	if b.file != "" {
		return NewFileState(b.file)
	}
	return NewBucketState(b.store, stateKey)
}

// forEachStateBackend runs fn on a directory bucket, a MinIO bucket and a
// local --state file.
func forEachStateBackend(t *testing.T, fn func(t *testing.T, b stateBackend)) {
	t.Run("directory", func(t *testing.T) {
		s, err := lake.NewLocalStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		fn(t, stateBackend{name: "directory", store: s})
	})
	t.Run("minio", func(t *testing.T) { fn(t, stateBackend{name: "minio", store: minioStore(t)}) })
	t.Run("file", func(t *testing.T) {
		s, err := lake.NewLocalStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		fn(t, stateBackend{name: "file", store: s, file: filepath.Join(t.TempDir(), "state", "okta.json")})
	})
}

// Two runs with different streams both read the state at their start; the
// one that saves last must not put back what the other one saved.
func TestConcurrentRunsKeepEachOthersCursors(t *testing.T) {
	forEachStateBackend(t, func(t *testing.T, b stateBackend) {
		ctx := context.Background()
		now := fixedNow
		users, logs := b.open(), b.open()
		if _, err := users.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := logs.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if err := users.Save(ctx, "users", StreamState{LastUpdated: "2026-11-20T11:59:00.000Z"}, now); err != nil {
			t.Fatal(err)
		}
		if err := logs.Save(ctx, "logs", StreamState{Next: "/api/v1/logs?after=1_0"}, now); err != nil {
			t.Fatal(err)
		}
		if err := users.Save(ctx, "groups", StreamState{LastUpdated: "2026-11-20T11:58:00.000Z"}, now); err != nil {
			t.Fatal(err)
		}
		st, err := b.open().Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Streams["users"].LastUpdated == "" || st.Streams["groups"].LastUpdated == "" || st.Streams["logs"].Next == "" {
			t.Fatalf("a cursor was lost: %+v", st.Streams)
		}
	})
}

// Two runs of the same stream at once would move its cursor back; the
// second to save fails and says why, and the first one's cursor stays.
func TestConcurrentRunsOfOneStreamRefused(t *testing.T) {
	forEachStateBackend(t, func(t *testing.T, b stateBackend) {
		ctx := context.Background()
		first, second := b.open(), b.open()
		if _, err := first.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := second.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if err := first.Save(ctx, "logs", StreamState{Next: "/api/v1/logs?after=2_0"}, fixedNow); err != nil {
			t.Fatal(err)
		}
		// A run saves its own stream again and again: that is no conflict.
		if err := first.Save(ctx, "logs", StreamState{Next: "/api/v1/logs?after=3_0"}, fixedNow); err != nil {
			t.Fatal(err)
		}
		err := second.Save(ctx, "logs", StreamState{Next: "/api/v1/logs?after=1_0"}, fixedNow)
		if err == nil || !containsAll(err.Error(), "logs", "changed since this run read it", b.open().Where()) {
			t.Fatalf("second save = %v, want a refusal naming the stream and the state", err)
		}
		st, _ := b.open().Load(ctx)
		if got := st.Streams["logs"].Next; got != "/api/v1/logs?after=3_0" {
			t.Fatalf("logs cursor = %q, want the first run's", got)
		}
	})
}

// Separate schedules per stream: two extracts with different --streams run
// at the same time against one bucket; both cursors survive, and the next
// run of each stream reads nothing again.
func TestConcurrentExtractsOfDifferentStreams(t *testing.T) {
	forEachStateBackend(t, func(t *testing.T, b stateBackend) {
		f := newFixture(t, fixtureOptions{server: oktatest.Options{Latency: 5 * time.Millisecond}, clock: clockReal()})
		cfgFor := func(names ...string) Config {
			cfg := f.config(names...)
			cfg.Store = b.store
			cfg.State = b.open()
			cfg.MaxFileSize = smallObjects
			return cfg
		}
		var wg sync.WaitGroup
		for _, names := range [][]string{{"users", "groups"}, {"logs"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sum, err := Run(context.Background(), cfgFor(names...))
				if err == nil {
					err = sum.Err()
				}
				if err != nil {
					t.Errorf("extract %v: %v", names, err)
				}
			}()
		}
		wg.Wait()
		st, err := b.open().Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Streams["users"].LastUpdated == "" || st.Streams["groups"].LastUpdated == "" || st.Streams["logs"].Next == "" {
			t.Fatalf("a cursor was lost: %+v", st.Streams)
		}
		counts := map[string]int{}
		for _, s := range []string{"users", "groups", "logs"} {
			counts[s] = len(readStream(t, b.store, s))
		}
		mustRun(t, cfgFor("users", "groups", "logs"))
		for s, n := range counts {
			if got := len(readStream(t, b.store, s)); got != n {
				t.Errorf("%s: the next run read %d records again", s, got-n)
			}
		}
	})
}
