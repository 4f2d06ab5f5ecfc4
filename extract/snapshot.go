package extract

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// tracker collects what one run of a stream saw: the keys it wrote, the
// parents it re-listed in full, the parents it found gone and the deletes
// the System Log named. settle turns that and the previous key index into
// tombstones and the next index, one shard at a time.
type tracker struct {
	st streams.Stream
	mu sync.Mutex
	// The keys written are spilled to one file per partition under dir
	// (created on first use), through small buffers, so that a stream of
	// millions of records holds only a shard's keys in memory at once.
	dir   string
	bufs  [partitions][]byte
	spilt [partitions]bool
	count int
	// listed are the parents whose children were listed in full (an empty
	// parent, skipped on its zero count, included); gone are parents that
	// no longer exist, with the time and reason their children are deleted.
	listed map[string]bool
	gone   map[string]deletion
	// deletes are keys to tombstone whatever was listed: a field of the key
	// equal to an id the System Log says was deleted.
	deletes []refDelete
	// parentsGone are the parents settle tombstoned every child of.
	parentsGone map[string]bool
}

// deletion is when and why something was deleted.
type deletion struct {
	at time.Time
	by string
}

// refDelete tombstones every key whose field is id.
type refDelete struct {
	field, id string
	deletion
}

// spillBuffer is how many bytes of keys a partition buffers before
// appending them to its file.
const spillBuffer = 8 << 10

func newTracker(st streams.Stream) *tracker {
	return &tracker{st: st, listed: map[string]bool{}, gone: map[string]deletion{}, parentsGone: map[string]bool{}}
}

// add records the keys of records about to be written.
func (t *tracker) add(recs []json.RawMessage) error {
	keys := make([]string, len(recs))
	for i, rec := range recs {
		k, err := recordKey(t.st, rec)
		if err != nil {
			return err
		}
		keys[i] = k
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		p := partitionOf(partitionKey(k))
		t.bufs[p] = append(append(t.bufs[p], k...), '\n')
		t.count++
		if len(t.bufs[p]) >= spillBuffer {
			if err := t.flushLocked(p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *tracker) spillFile(p int) string { return filepath.Join(t.dir, strconv.Itoa(p)) }

// flushLocked appends partition p's buffer to its file.
func (t *tracker) flushLocked(p int) error {
	if len(t.bufs[p]) == 0 {
		return nil
	}
	if t.dir == "" {
		d, err := os.MkdirTemp("", "oktalake-keys-")
		if err != nil {
			return fmt.Errorf("spilling the keys of %s: %w", t.st.Name, err)
		}
		t.dir = d
	}
	f, err := os.OpenFile(t.spillFile(p), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("spilling the keys of %s: %w", t.st.Name, err)
	}
	_, werr := f.Write(t.bufs[p])
	cerr := f.Close()
	if werr != nil || cerr != nil {
		return fmt.Errorf("spilling the keys of %s: %w", t.st.Name, errorsJoin(werr, cerr))
	}
	t.spilt[p] = true
	t.bufs[p] = t.bufs[p][:0]
	return nil
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// keysOf returns the keys written to the partitions of shard s of n,
// sorted and unique.
func (t *tracker) keysOf(s, n int) ([]string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var keys []string
	for p := s; p < partitions; p += n {
		if t.spilt[p] {
			f, err := os.Open(t.spillFile(p))
			if err != nil {
				return nil, fmt.Errorf("reading back the keys of %s: %w", t.st.Name, err)
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				keys = append(keys, sc.Text())
			}
			err = sc.Err()
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("reading back the keys of %s: %w", t.st.Name, err)
			}
		}
		for rest := t.bufs[p]; len(rest) > 0; {
			i := slices.Index(rest, '\n')
			keys = append(keys, string(rest[:i]))
			rest = rest[i+1:]
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// touched says which of n shards this run may change besides the keys it
// wrote: every shard for a full snapshot or when the System Log deleted
// something a key may name in any part; else the shards of the parents
// re-listed or gone.
func (t *tracker) touched(n int, kind string) []bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]bool, n)
	if kind == lake.ManifestFull || len(t.deletes) > 0 {
		for i := range out {
			out[i] = true
		}
		return out
	}
	for p := range t.listed {
		out[partitionOf(p)%n] = true
	}
	for p := range t.gone {
		out[partitionOf(p)%n] = true
	}
	return out
}

// close removes the spill files.
func (t *tracker) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dir != "" {
		_ = os.RemoveAll(t.dir)
		t.dir = ""
	}
}

func (t *tracker) listedParent(id string) {
	t.mu.Lock()
	t.listed[id] = true
	t.mu.Unlock()
}

// listedParents are the parents listed in full, sorted.
func (t *tracker) listedParents() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.listed))
	for p := range t.listed {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (t *tracker) goneParent(id string, d deletion) {
	t.mu.Lock()
	if _, ok := t.gone[id]; !ok {
		t.gone[id] = d
	}
	t.mu.Unlock()
}

// deletedParents are the parents whose every child was tombstoned (or
// that the System Log says are gone), sorted.
func (t *tracker) deletedParents() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	set := map[string]bool{}
	for p := range t.parentsGone {
		set[p] = true
	}
	for p := range t.gone {
		set[p] = true
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// tombstone is one key to write a tombstone for.
type tombstone struct {
	key string
	deletion
}

// settleShard compares what this run saw (seen, sorted) with the previous
// index's keys old (sorted) of one shard: a full snapshot tombstones every
// old key it did not list (for reason by when its parent was listed,
// DeletedByParent when the parent is gone); a per-parent snapshot does so
// only under the parents it re-listed or found gone; an incremental run
// tombstones nothing by absence. System Log deletes apply to all kinds,
// last. It returns the tombstones and the shard's next keys.
func (t *tracker) settleShard(kind, by string, old, seen []string, at time.Time) ([]tombstone, []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var tombs []tombstone
	var next []string
	switch kind {
	case lake.ManifestFull:
		next = seen
		for _, k := range minus(old, seen) {
			d := deletion{at: at, by: by}
			if p := t.st.ParentOf(k); p != "" && !t.listed[p] {
				if g, ok := t.gone[p]; ok {
					d = g
				} else {
					d.by = lake.DeletedByParent
				}
				t.parentsGone[p] = true
			}
			tombs = append(tombs, tombstone{key: k, deletion: d})
		}
	case lake.ManifestPerParent:
		var kept []string
		for _, k := range old {
			p := t.st.ParentOf(k)
			g, isGone := t.gone[p]
			switch {
			case isGone:
				tombs = append(tombs, tombstone{key: k, deletion: g})
			case t.listed[p]:
				if _, ok := slices.BinarySearch(seen, k); !ok {
					tombs = append(tombs, tombstone{key: k, deletion: deletion{at: at, by: lake.DeletedByParent}})
				}
			default:
				kept = append(kept, k)
			}
		}
		next = union(kept, seen)
	default:
		next = union(old, seen)
	}
	if len(t.deletes) > 0 {
		next, tombs = t.applyDeletes(next, tombs)
	}
	return tombs, next
}

// applyDeletes moves the keys a System Log delete names from next to the
// tombstones.
func (t *tracker) applyDeletes(next []string, tombs []tombstone) ([]string, []tombstone) {
	byField := map[string]map[string]deletion{}
	for _, d := range t.deletes {
		if byField[d.field] == nil {
			byField[d.field] = map[string]deletion{}
		}
		if _, ok := byField[d.field][d.id]; !ok {
			byField[d.field][d.id] = d.deletion
		}
	}
	kept := next[:0:0]
	for _, k := range next {
		kv, err := t.st.SplitKey(k)
		if err != nil {
			kept = append(kept, k)
			continue
		}
		var del *deletion
		for _, f := range kv {
			if d, ok := byField[f.Field][f.Value]; ok {
				del = &d
				break
			}
		}
		if del == nil {
			kept = append(kept, k)
			continue
		}
		tombs = append(tombs, tombstone{key: k, deletion: *del})
	}
	return kept, tombs
}

// tombstoneRecords renders tombstones as records of st.
func tombstoneRecords(st streams.Stream, tombs []tombstone) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(tombs))
	for _, tb := range tombs {
		kv, err := st.SplitKey(tb.key)
		if err != nil {
			return nil, fmt.Errorf("tombstone of %s: %w", st.Name, err)
		}
		fields := make([]lake.KeyField, len(kv))
		for i, f := range kv {
			fields[i] = lake.KeyField{Name: f.Field, Value: f.Value}
		}
		out = append(out, lake.NewTombstone(fields, tb.at, tb.by))
	}
	return out, nil
}

// minus is the keys of a (sorted) not in b (sorted).
func minus(a, b []string) []string {
	var out []string
	j := 0
	for _, k := range a {
		for j < len(b) && b[j] < k {
			j++
		}
		if j < len(b) && b[j] == k {
			continue
		}
		out = append(out, k)
	}
	return out
}

// union merges two sorted, unique lists.
func union(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

// tombstoneBatch is how many tombstones go into one write.
const tombstoneBatch = 1000

// settle goes through the previous index ix shard by shard: it appends
// each shard's tombstones to the stream's objects and writes the shards
// of the next index, which it returns uncommitted (its head is written
// after the state).
func (r *run) settle(ctx context.Context, st streams.Stream, plan streamPlan, out *sink, ix *index) (*indexWriter, error) {
	tr := out.tr
	w := ix.next(r.syncID, ix.head.Keys+tr.count)
	n := ix.head.shardCount()
	touched := tr.touched(n, plan.kind)
	for s := 0; s < n; s++ {
		seen, err := tr.keysOf(s, n)
		if err != nil {
			return nil, err
		}
		if len(seen) == 0 && !touched[s] && w.canKeep() {
			// Nothing of this shard was listed, re-listed or deleted.
			w.keep(s)
			continue
		}
		old, err := ix.shard(ctx, s)
		if err != nil {
			return nil, err
		}
		tombs, next := tr.settleShard(plan.kind, plan.by, old, seen, r.start)
		recs, err := tombstoneRecords(st, tombs)
		if err != nil {
			return nil, err
		}
		for i := 0; i < len(recs); i += tombstoneBatch {
			if err := out.writeTombstones(recs[i:min(i+tombstoneBatch, len(recs))]); err != nil {
				return nil, fmt.Errorf("writing tombstones: %w", err)
			}
		}
		if err := w.put(ctx, s, next, ix.found && slices.Equal(old, next)); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// index is the run's key index store.
func (r *run) index() indexStore {
	return indexStore{store: r.cfg.Store, prefix: r.cfg.Prefix, namespace: r.cfg.Namespace, shardKeys: r.cfg.indexShardKeys}
}

// commitIndex writes a stream's next key index head; like the state it
// describes committed objects, so an interrupt does not stop it.
func (r *run) commitIndex(ctx context.Context, w *indexWriter) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stateSaveTimeout)
	defer cancel()
	return w.commit(ctx)
}
