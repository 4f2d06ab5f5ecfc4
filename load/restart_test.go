package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/porttest"
)

// TestRestartMidLoad stops a load partway, by a Port outage the client gives
// up on (a crash: the object in progress is not checkpointed) or by
// cancellation (SIGINT: the object in progress is finished and
// checkpointed), then runs a new loader on the same bucket. Every record
// ends up in Port, every object is checkpointed, and the only work done
// twice is the object that was in progress.
func TestRestartMidLoad(t *testing.T) {
	const objects, per = 5, 100
	tests := []struct {
		name string
		// faults break the first run; cancelAt cancels it before the
		// cancelAt-th API request (0: never).
		faults   []porttest.Fault
		cancelAt int
		// wantErr: the first run fails; doneAfter objects are then
		// checkpointed; maxUpserts bounds entities upserted over both runs.
		wantErr    bool
		doneAfter  int
		maxUpserts int
	}{
		{
			// BatchSize 100 and one request in flight: 5 requests per
			// object. Requests 12 and 13 (the third object's second batch
			// and its one retry) fail, so the client gives up mid-object.
			name:       "port outage",
			faults:     []porttest.Fault{{From: 12, Count: 2, Status: http.StatusServiceUnavailable}},
			wantErr:    true,
			doneAfter:  2,
			maxUpserts: objects*per + per, // at most the object in progress twice
		},
		{
			// Cancelled during the second object's third batch: that object
			// is finished and checkpointed, the third is not started, and
			// the run says it was interrupted with objects left.
			name:       "cancelled",
			cancelAt:   8,
			wantErr:    true,
			doneAfter:  2,
			maxUpserts: objects * per, // nothing is sent twice
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newStore(t)
			var keys []string
			for o := range objects {
				k := dataKey("users", fmt.Sprintf("01_1000_%d", o))
				putObject(t, store, k, users(o*per, (o+1)*per))
				keys = append(keys, k)
			}
			pe := newPort(t, portSetup{
				server: porttest.Options{Faults: tt.faults},
				client: port.Config{Concurrency: 1, MaxRetries: 1},
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancelAt > 0 {
				pe.onRequest(func(n int) {
					if n == tt.cancelAt {
						cancel()
					}
				})
			}
			first := newLoader(t, store, pe, Config{BatchSize: per})
			sum1, err := first.Run(ctx)
			if (err != nil) != tt.wantErr {
				t.Fatalf("first run error = %v, want error: %v", err, tt.wantErr)
			}
			if tt.cancelAt > 0 && (!errors.Is(err, context.Canceled) || !strings.Contains(sum1.Stopped, "3 objects of users not loaded")) {
				t.Errorf("cancelled run: error %v, summary says %q; want the cancellation and the 3 objects left", err, sum1.Stopped)
			}
			cp := readCheckpoint(t, store, "data", "default")
			if got := doneKeys(cp.Streams["users"].Done); !slices.Equal(got, keys[:tt.doneAfter]) {
				t.Fatalf("after the first run the checkpoint holds %v, want %v", got, keys[:tt.doneAfter])
			}
			if got := sum1.Streams[0].Objects; got != int64(tt.doneAfter) {
				t.Errorf("first run summary counts %d objects, want %d", got, tt.doneAfter)
			}

			sum2 := run(t, newLoader(t, store, pe, Config{BatchSize: per}))
			if got, want := sum2.Streams[0].Objects, int64(objects-tt.doneAfter); got != want {
				t.Errorf("second run loaded %d objects, want %d (only those not checkpointed)", got, want)
			}
			for i := range objects * per {
				if _, ok := pe.srv.Entity("okta_user", userID(i)); !ok {
					t.Fatalf("user %d is missing from Port after the restart", i)
				}
			}
			cp = readCheckpoint(t, store, "data", "default")
			if got := doneKeys(cp.Streams["users"].Done); !slices.Equal(got, keys) {
				t.Errorf("final checkpoint holds %v, want every object", got)
			}
			if cp.Streams["users"].Records != objects*per {
				t.Errorf("checkpoint counts %d records, want %d", cp.Streams["users"].Records, objects*per)
			}
			if up := pe.srv.Stats().EntitiesUpserted; up < objects*per || up > tt.maxUpserts {
				t.Errorf("%d entities upserted over both runs, want between %d and %d", up, objects*per, tt.maxUpserts)
			}
		})
	}
}

// TestLateObject loads a stream, then commits an object whose key sorts
// before those already loaded (a slow upload of a concurrent extract). The
// next run loads it, and only it.
func TestLateObject(t *testing.T) {
	for _, sameLoader := range []bool{false, true} {
		t.Run(fmt.Sprintf("same loader %v", sameLoader), func(t *testing.T) {
			store := newStore(t)
			putObject(t, store, dataKey("users", "05_2000_0"), users(0, 100))
			putObject(t, store, dataKey("users", "05_3000_0"), users(100, 200))
			pe := newPort(t, portSetup{})
			l := newLoader(t, store, pe, Config{})
			run(t, l)
			if got := pe.count("okta_user"); got != 200 {
				t.Fatalf("%d users after the first run, want 200", got)
			}
			before := pe.srv.Stats()

			late := dataKey("users", "05_1000_0")
			putObject(t, store, late, users(200, 250))
			if keys := dataKeys(t, store, "users"); keys[0] != late {
				t.Fatalf("the late key %s should sort first, got %v", late, keys)
			}
			if !sameLoader {
				l = newLoader(t, store, pe, Config{})
			}
			sum := run(t, l)
			if got := pe.count("okta_user"); got != 250 {
				t.Errorf("%d users after the late object, want 250", got)
			}
			after := pe.srv.Stats()
			if got := after.EntitiesUpserted - before.EntitiesUpserted; got != 50 {
				t.Errorf("second run upserted %d entities, want only the late object's 50", got)
			}
			if got := after.APIRequests - before.APIRequests; got != 3 {
				t.Errorf("second run sent %d requests, want 3 (50 entities in bulks of 20)", got)
			}
			if st := sum.Streams; len(st) != 1 || st[0].Objects < 1 {
				t.Errorf("second run summary %+v, want the late object", st)
			}
			cp := readCheckpoint(t, store, "data", "default")
			if _, ok := cp.Streams["users"].Done[late]; !ok {
				t.Errorf("late object %s not checkpointed", late)
			}
		})
	}
}

// cancellingStore cancels the run when the listing of prefix starts, as a
// SIGTERM arriving then would, and fails that listing as the store would.
type cancellingStore struct {
	lake.Store
	prefix string
	cancel context.CancelFunc
}

func (s *cancellingStore) List(ctx context.Context, prefix, startAfter string, fn func(lake.ObjectInfo) error) error {
	if prefix == s.prefix {
		s.cancel()
		return fmt.Errorf("listing %s: %w", prefix, ctx.Err())
	}
	return s.Store.List(ctx, prefix, startAfter, fn)
}

// TestInterruptedRunNamesWhatIsLeft: interrupted while listing a stream,
// the run reports that stream and those after it as not loaded.
func TestInterruptedRunNamesWhatIsLeft(t *testing.T) {
	store := newStore(t)
	putObject(t, store, dataKey("users", "01_1000_0"), users(0, 10))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cs := &cancellingStore{Store: store, prefix: "data/okta/users/", cancel: cancel}
	pe := newPort(t, portSetup{})
	l := newLoader(t, cs, pe, Config{Streams: []string{"groups", "users"}})
	sum, err := l.Run(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(sum.Stopped, "streams users, groups not loaded") {
		t.Errorf("error %v, summary %q: want users and groups reported not loaded", err, sum.Stopped)
	}
}
