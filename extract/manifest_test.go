package extract

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// orderStore records the order in which keys become visible (a committed
// object, a Put) and can call a hook when an object is created.
type orderStore struct {
	lake.Store
	mu       sync.Mutex
	visible  []string
	onCreate func(key string)
}

func (s *orderStore) note(key string) {
	s.mu.Lock()
	s.visible = append(s.visible, key)
	s.mu.Unlock()
}

func (s *orderStore) order() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.visible)
}

func (s *orderStore) Put(ctx context.Context, key string, data []byte) error {
	if err := s.Store.Put(ctx, key, data); err != nil {
		return err
	}
	s.note(key)
	return nil
}

func (s *orderStore) Create(ctx context.Context, key string) (lake.ObjectWriter, error) {
	if s.onCreate != nil {
		s.onCreate(key)
	}
	w, err := s.Store.Create(ctx, key)
	if err != nil {
		return nil, err
	}
	return &orderWriter{ObjectWriter: w, key: key, s: s}, nil
}

type orderWriter struct {
	lake.ObjectWriter
	key string
	s   *orderStore
}

func (w *orderWriter) Commit() error {
	if err := w.ObjectWriter.Commit(); err != nil {
		return err
	}
	w.s.note(w.key)
	return nil
}

var _ io.Writer = (*orderWriter)(nil)

func manifestOf(t *testing.T, store lake.Store, stream string) (lake.Manifest, bool) {
	t.Helper()
	ms, err := lake.ListManifests(context.Background(), store, "data", "okta", stream, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		return lake.Manifest{}, false
	}
	return ms[len(ms)-1], true
}

// Each stream's manifest is written last, after its objects and its state,
// and says what the run wrote: kind, objects, record counts, complete.
func TestManifestsWrittenLast(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	os := &orderStore{Store: f.store}
	cfg := f.config()
	cfg.Store = os
	cfg.MaxFileSize = 1 << 10
	sum := mustRun(t, cfg)
	order := os.order()
	pos := func(key string) int { return slices.Index(order, key) }
	stateKey := lake.StateKey("data", "okta")
	lastState := -1
	for i, k := range order {
		if k == stateKey {
			lastState = i
		}
	}
	for _, ss := range sum.Streams {
		st, _ := streams.Lookup(ss.Stream)
		m, ok := manifestOf(t, f.store, ss.Stream)
		if !ok {
			t.Errorf("%s: no manifest", ss.Stream)
			continue
		}
		if !m.Complete || m.SyncID != 1 || m.Stream != ss.Stream || m.Namespace != "okta" {
			t.Errorf("%s: manifest %+v, want complete, sync 1", ss.Stream, m)
		}
		wantKind := lake.ManifestFull
		if st.CursorKind == streams.CursorLogPolling {
			wantKind = lake.ManifestIncremental
		}
		if m.Kind != wantKind {
			t.Errorf("%s: kind %q, want %q", ss.Stream, m.Kind, wantKind)
		}
		var keys []string
		var recs int64
		for _, o := range m.Objects {
			keys = append(keys, o.Key)
			recs += o.Records
		}
		if !slices.Equal(keys, ss.Keys) {
			t.Errorf("%s: manifest objects %v, committed %v", ss.Stream, keys, ss.Keys)
		}
		if recs != m.Records || m.Records != int64(len(readStream(t, f.store, ss.Stream))) {
			t.Errorf("%s: manifest counts %d records (objects sum %d), the stream holds %d", ss.Stream, m.Records, recs, len(readStream(t, f.store, ss.Stream)))
		}
		mk := pos(lake.ManifestKey("data", "okta", ss.Stream, 1))
		for _, k := range ss.Keys {
			if pos(k) > mk {
				t.Errorf("%s: object %s visible after the manifest", ss.Stream, k)
			}
		}
		if ss.Stream != "logs" && mk < firstAfter(order, stateKey, lastObject(order, ss.Keys)) {
			t.Errorf("%s: manifest visible before the state saved after its objects", ss.Stream)
		}
	}
	_ = lastState
}

func lastObject(order, keys []string) int {
	last := -1
	for i, k := range order {
		if slices.Contains(keys, k) {
			last = i
		}
	}
	return last
}

// firstAfter is the first position after from that holds key.
func firstAfter(order []string, key string, from int) int {
	for i := from + 1; i < len(order); i++ {
		if order[i] == key {
			return i
		}
	}
	return len(order)
}

// An interrupted run leaves no complete manifest for the streams it did
// not finish, and a failed stream none either: a reader can infer nothing
// from what they wrote.
func TestInterruptedRunLeavesNoCompleteManifest(t *testing.T) {
	f := newFixture(t, fixtureOptions{server: oktatest.Options{Faults: []oktatest.Fault{
		{Kind: oktatest.FaultStatus, Path: "/api/v1/apps/*/groups", Status: 400},
	}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	os := &orderStore{Store: f.store}
	var once sync.Once
	os.onCreate = func(key string) {
		// The first object of group_members interrupts the run.
		if strings.Contains(key, "/group_members/") {
			once.Do(cancel)
		}
	}
	cfg := f.config()
	cfg.Store = os
	cfg.MaxFileSize = 1 << 10
	sum, _ := Run(ctx, cfg)
	if sum == nil {
		t.Fatal("no summary")
	}
	unfinished := 0
	for _, ss := range sum.Streams {
		m, ok := manifestOf(t, f.store, ss.Stream)
		if ss.Err != nil {
			unfinished++
			if ok && m.Complete {
				t.Errorf("%s failed (%v) and left a complete manifest", ss.Stream, ss.Err)
			}
			if ok && m.Reason == "" {
				t.Errorf("%s: incomplete manifest without a reason", ss.Stream)
			}
			continue
		}
		if !ok || !m.Complete {
			t.Errorf("%s finished and left no complete manifest (%+v)", ss.Stream, m)
		}
	}
	if unfinished < 2 {
		t.Fatalf("only %d streams unfinished: the interrupt came too late to prove anything", unfinished)
	}
	for _, name := range []string{"group_members", "application_groups"} {
		if m, ok := manifestOf(t, f.store, name); ok && m.Complete {
			t.Errorf("%s: complete manifest after an interrupted or failed run", name)
		}
	}
}
