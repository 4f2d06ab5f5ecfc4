package load

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/lake"
)

// countingStore counts the keys its listings under prefix hand out: what a
// pass costs in LIST requests grows with them (S3 returns 1000 a page).
type countingStore struct {
	lake.Store
	prefix string
	mu     sync.Mutex
	keys   int
}

func (s *countingStore) List(ctx context.Context, prefix, startAfter string, fn func(lake.ObjectInfo) error) error {
	return s.Store.List(ctx, prefix, startAfter, func(o lake.ObjectInfo) error {
		if strings.HasPrefix(o.Key, s.prefix) {
			s.mu.Lock()
			s.keys++
			s.mu.Unlock()
		}
		return fn(o)
	})
}

// take returns the keys counted since the last call.
func (s *countingStore) take() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.keys
	s.keys = 0
	return n
}

func userKey(i int) string { return dataKey("users", fmt.Sprintf("01_%d_0", 1000+i)) }

// TestFollowPassListsWhatIsNew: a follow pass over a lake of n loaded
// objects and one new one lists a handful of keys, not n.
func TestFollowPassListsWhatIsNew(t *testing.T) {
	const n = 200
	base := newStore(t)
	for i := range n {
		putObject(t, base, userKey(i), users(i, i+1))
	}
	store := &countingStore{Store: base, prefix: lake.JoinKey("data", "okta") + "/"}
	pe := newPort(t, portSetup{})
	clk := clock.NewManual(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
	l := newLoader(t, store, pe, Config{Follow: true, Clock: clk})
	ctx := context.Background()
	if err := l.pass(ctx); err != nil {
		t.Fatal(err)
	}
	if got := pe.count("okta_user"); got != n {
		t.Fatalf("first pass loaded %d users, want %d", got, n)
	}
	if got := store.take(); got < n {
		t.Errorf("first pass listed %d keys, want every one of the %d", got, n)
	}
	putObject(t, base, userKey(n), users(n, n+1))
	clk.Advance(time.Minute)
	if err := l.pass(ctx); err != nil {
		t.Fatal(err)
	}
	if got := pe.count("okta_user"); got != n+1 {
		t.Errorf("second pass: %d users in Port, want %d", got, n+1)
	}
	if got := store.take(); got > 5 {
		t.Errorf("a follow pass with one new object listed %d data keys, want at most 5 (not O(%d))", got, n)
	}
}

// TestFollowPassBelowTheMark: objects a pass that lists from the last key
// cannot see (a backfill into a past month, a stream new since the last
// full listing is listed whole anyway) are loaded at the latest by the
// next full listing, FullListEvery after the last one; a later part of the
// last object name ("_10" sorts before "_9") is seen at once.
func TestFollowPassBelowTheMark(t *testing.T) {
	store := newStore(t)
	for i := range 10 {
		putObject(t, store, dataKey("users", fmt.Sprintf("01_3000_%d", i)), users(i, i+1))
	}
	pe := newPort(t, portSetup{})
	clk := clock.NewManual(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
	l := newLoader(t, store, pe, Config{Follow: true, Clock: clk, FullListEvery: 10 * time.Minute})
	ctx := context.Background()
	pass := func(step string, advance time.Duration, want int) {
		t.Helper()
		clk.Advance(advance)
		if err := l.pass(ctx); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if got := pe.count("okta_user"); got != want {
			t.Errorf("%s: %d users in Port, want %d", step, got, want)
		}
	}
	pass("first pass", 0, 10)

	putObject(t, store, dataKey("users", "01_3000_10"), users(10, 11))
	pass("part 10 after part 9", time.Minute, 11)

	backfilled := lake.JoinKey("data", "okta", "users", "year=2026", "month=10", "15_500_0.jsonl.gz")
	putObject(t, store, backfilled, users(11, 12))
	putObject(t, store, lake.JoinKey("data", "okta", "groups", "year=2026", "month=11", "01_3000_0.jsonl.gz"), nil)
	pass("a new stream", time.Minute, 11)
	if sum := l.summary(clk.Now()); len(sum.Streams) < 2 {
		t.Errorf("streams loaded %v, want groups too", sum.Streams)
	}
	// The full listing is due 10 minutes after the first pass.
	pass("within the full-list interval", 8*time.Minute-time.Second, 11)
	pass("at the full listing", time.Second, 12)
	if cp := readCheckpoint(t, store, "data", DefaultName); !hasKey(cp.Streams["users"].Done, backfilled) {
		t.Errorf("the backfilled object %s is not checkpointed", backfilled)
	}
}

// TestFollowSnapshotDeletesFromTheMark: a follow pass that lists from the
// last key still applies a complete snapshot written after the first pass
// (its objects are all above the mark; the ones below are remembered).
func TestFollowSnapshotDeletesFromTheMark(t *testing.T) {
	store := &countingStore{Store: newStore(t), prefix: lake.JoinKey("data", "okta") + "/"}
	pe := newPort(t, portSetup{})
	clk := clock.NewManual(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
	l := newLoader(t, store, pe, Config{Follow: true, Clock: clk})
	h := newHandLake(t, store)
	all := span(0, 20)
	h.write(snap{stream: "users", records: fullUsers(all...)})
	ctx := context.Background()
	if err := l.pass(ctx); err != nil {
		t.Fatal(err)
	}
	h.write(snap{stream: "users", records: fullUsers(without(all, 5, 6)...)})
	clk.Advance(time.Minute)
	store.take()
	if err := l.pass(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := pe.identifiers("okta_user"), ids(userID, without(all, 5, 6)...); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("users in Port:\n got %v\nwant %v", got, want)
	}
	if l.lists.fullPass {
		t.Error("the second pass listed every key; want it to list from the mark")
	}
}
