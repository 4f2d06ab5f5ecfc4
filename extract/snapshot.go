package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// tracker collects what one run of a stream saw: the keys it wrote, the
// parents it re-listed in full, the parents it found gone and the deletes
// the System Log named. settle turns that and the previous key index into
// tombstones and the next index.
type tracker struct {
	st streams.Stream
	mu sync.Mutex
	// keys are the keys of the records written, in no order.
	keys []string
	// listed are the parents whose children were listed in full (an empty
	// parent, skipped on its zero count, included); gone are parents that
	// no longer exist, with the time and reason their children are deleted.
	listed map[string]bool
	gone   map[string]deletion
	// deletes are keys to tombstone whatever was listed: a field of the key
	// equal to an id the System Log says was deleted.
	deletes []refDelete
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

func newTracker(st streams.Stream) *tracker {
	return &tracker{st: st, listed: map[string]bool{}, gone: map[string]deletion{}}
}

// add records the keys of records about to be written.
func (t *tracker) add(recs []json.RawMessage) error {
	keys := make([]string, len(recs))
	for i, rec := range recs {
		k, err := t.st.KeyOf(rec)
		if err != nil {
			return err
		}
		keys[i] = k
	}
	t.mu.Lock()
	t.keys = append(t.keys, keys...)
	t.mu.Unlock()
	return nil
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

// tombstone is one key to write a tombstone for.
type tombstone struct {
	key string
	deletion
}

// settled is the outcome of a run for the key index.
type settled struct {
	tombstones []tombstone
	// next is the stream's next key index, sorted.
	next []string
	// deletedParents are the parents whose every child was tombstoned.
	deletedParents []string
}

// settle compares what this run saw with the previous index old (sorted):
// a full snapshot tombstones every old key it did not list (for reason by
// when its parent was listed, DeletedByParent when the parent is gone); a
// per-parent snapshot does so only under the parents it re-listed or found
// gone; an incremental run tombstones nothing by absence. System Log
// deletes apply to all kinds, last.
func (t *tracker) settle(kind, by string, old []string, at time.Time) settled {
	t.mu.Lock()
	defer t.mu.Unlock()
	slices.Sort(t.keys)
	seen := slices.Compact(t.keys)
	var out settled
	parentGone := map[string]bool{}
	switch kind {
	case lake.ManifestFull:
		out.next = seen
		for _, k := range minus(old, seen) {
			d := deletion{at: at, by: by}
			if p := t.st.ParentOf(k); p != "" && !t.listed[p] {
				if g, ok := t.gone[p]; ok {
					d = g
				} else {
					d.by = lake.DeletedByParent
				}
				parentGone[p] = true
			}
			out.tombstones = append(out.tombstones, tombstone{key: k, deletion: d})
		}
	case lake.ManifestPerParent:
		var kept []string
		for _, k := range old {
			p := t.st.ParentOf(k)
			g, isGone := t.gone[p]
			switch {
			case isGone:
				out.tombstones = append(out.tombstones, tombstone{key: k, deletion: g})
				parentGone[p] = true
			case t.listed[p]:
				if _, ok := slices.BinarySearch(seen, k); !ok {
					out.tombstones = append(out.tombstones, tombstone{key: k, deletion: deletion{at: at, by: lake.DeletedByParent}})
				}
			default:
				kept = append(kept, k)
			}
		}
		out.next = union(kept, seen)
	default:
		out.next = union(old, seen)
	}
	for p := range t.gone {
		parentGone[p] = true
	}
	for p := range parentGone {
		out.deletedParents = append(out.deletedParents, p)
	}
	sort.Strings(out.deletedParents)
	if len(t.deletes) > 0 {
		out.next, out.tombstones = t.applyDeletes(out.next, out.tombstones)
	}
	return out
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

// writeTombstones settles the run against the previous index and appends
// the tombstones to the stream's objects.
func (r *run) writeTombstones(st streams.Stream, plan streamPlan, out *sink, old []string) (*settled, error) {
	s := out.tr.settle(plan.kind, plan.by, old, r.start)
	recs, err := tombstoneRecords(st, s.tombstones)
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(recs); i += tombstoneBatch {
		if err := out.writeTombstones(recs[i:min(i+tombstoneBatch, len(recs))]); err != nil {
			return nil, fmt.Errorf("writing tombstones: %w", err)
		}
	}
	return &s, nil
}

// index is the run's key index store.
func (r *run) index() indexStore {
	return indexStore{store: r.cfg.Store, prefix: r.cfg.Prefix, namespace: r.cfg.Namespace, shardKeys: r.cfg.indexShardKeys}
}

// saveIndex writes a stream's next key index; like the state it describes
// committed objects, so an interrupt does not stop it.
func (r *run) saveIndex(ctx context.Context, ix indexStore, stream string, keys []string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stateSaveTimeout)
	defer cancel()
	return ix.save(ctx, stream, r.syncID, keys)
}
