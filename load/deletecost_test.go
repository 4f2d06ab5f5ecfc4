package load

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/oktalake/oktalake/lake"
)

// ledgerReadStore counts the ledger objects read per stream.
type ledgerReadStore struct {
	lake.Store
	mu    sync.Mutex
	reads map[string]int
}

func (s *ledgerReadStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if _, rest, ok := strings.Cut(key, "/ledger/"); ok {
		// rest is <loader>/<stream>/...
		if parts := strings.SplitN(rest, "/", 3); len(parts) == 3 {
			s.mu.Lock()
			s.reads[parts[1]]++
			s.mu.Unlock()
		}
	}
	return s.Store.Open(ctx, key)
}

func (s *ledgerReadStore) take() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.reads
	s.reads = map[string]int{}
	return out
}

// TestDeletePassCostsWhatChanged: a follow pass whose objects only upsert
// reads no ledger for deletes (nothing can be pending), and one with a
// tombstone in users reads the ledgers once to decide and again only
// users' to record what was deleted; a run holds no ledger in memory
// between streams.
func TestDeletePassCostsWhatChanged(t *testing.T) {
	store := &ledgerReadStore{Store: newStore(t), reads: map[string]int{}}
	pe := newPort(t, portSetup{})
	putObject(t, store, dataKey("users", "2026_11_20_1_0"), users(0, 10))
	putObject(t, store, dataKey("groups", "2026_11_20_1_0"), groups(1, 2))
	l := newLoader(t, store, pe, Config{Follow: true})
	ctx := context.Background()
	if err := l.pass(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(l.own.streams); n != 0 {
		t.Errorf("%d ledgers held in memory after the pass, want 0 (saved and dropped)", n)
	}
	store.take()

	changed := users(0, 1)
	changed[0]["profile"].(map[string]any)["lastName"] = "Changed"
	putObject(t, store, dataKey("users", "2026_11_20_2_0"), changed)
	if err := l.pass(ctx); err != nil {
		t.Fatal(err)
	}
	if got := store.take(); got["groups"] != 0 {
		t.Errorf("an upsert-only pass read the groups ledger %d times, want 0 (reads %v)", got["groups"], got)
	}

	newHandLake(t, store).write(snap{stream: "users", kind: "incremental", deleted: []string{userID(4)}})
	if err := l.pass(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := pe.srv.Entity("okta_user", userID(4)); ok {
		t.Error("the tombstoned user is still in Port")
	}
	if got := store.take(); got["groups"] == 0 {
		t.Errorf("a pass with a tombstone read no groups ledger (reads %v): the claims need every stream", got)
	}
}

// TestPendingDeletesOfAnEarlierRun: deletes an earlier run left pending
// (--no-deletes) happen in the next run even when it has no data object
// to load: its first delete pass reads every ledger.
func TestPendingDeletesOfAnEarlierRun(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	h := newHandLake(t, store)
	h.write(snap{stream: "users", records: fullUsers(span(0, 10)...)})
	if err := run(t, newLoader(t, store, pe, Config{})).Err(); err != nil {
		t.Fatal(err)
	}
	h.write(snap{stream: "users", kind: "incremental", deleted: []string{userID(4)}})
	if err := run(t, newLoader(t, store, pe, Config{NoDeletes: true})).Err(); err != nil {
		t.Fatal(err)
	}
	if _, ok := pe.srv.Entity("okta_user", userID(4)); !ok {
		t.Fatal("--no-deletes deleted the tombstoned user")
	}
	// The lake's data objects are gone (expired): the next run lists no
	// stream, yet its ledgers still say what to delete.
	var keys []string
	ctx := context.Background()
	if err := store.List(ctx, lake.JoinKey(lake.DefaultPrefix, lake.DefaultNamespace)+"/", "", func(o lake.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := store.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	l := newLoader(t, store, pe, Config{Follow: true})
	if err := l.pass(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := pe.srv.Entity("okta_user", userID(4)); ok {
		t.Error("the delete left pending by the earlier run did not happen in a run with no data object")
	}
}
