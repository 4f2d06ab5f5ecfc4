package load

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/oktalake/oktalake/lake"
)

// DefaultRetention is how long a loaded object's key stays in the checkpoint.
const DefaultRetention = 7 * 24 * time.Hour

// Checkpoint records which objects are loaded, per stream. It lives at
// <prefix>/_oktalake/loader/<name>.json.
//
// Why a set of keys and not a high-water mark: a concurrent extract commits
// objects whose keys sort before keys already loaded (a multipart upload
// that started earlier finishes later), so "everything up to key K" would
// skip them. Keys stay in the set for Retention after their last-modified
// time; older ones collapse into DoneBefore, a time before which every object
// listed was already loaded. An object only counts as done by DoneBefore if
// it was modified before that time, and anything committed late carries a
// recent last-modified time, so it is still loaded.
type Checkpoint struct {
	Streams map[string]*StreamCheckpoint `json:"streams"`
}

// StreamCheckpoint is one stream's loaded objects.
type StreamCheckpoint struct {
	// Done maps a loaded object's key to its last-modified time.
	Done map[string]time.Time `json:"done"`
	// DoneBefore: every object modified before this time was loaded.
	DoneBefore time.Time `json:"doneBefore,omitzero"`
	// Objects and Records count what was loaded since the checkpoint began.
	Objects int64 `json:"objects"`
	Records int64 `json:"records"`
}

// CheckpointKey is the bucket key of a loader checkpoint.
func CheckpointKey(prefix, name string) string {
	return lake.JoinKey(prefix, lake.MetaDir, "loader", name+".json")
}

type checkpointStore struct {
	mu        sync.Mutex
	store     lake.Store
	key       string
	retention time.Duration
	cp        Checkpoint
}

func loadCheckpoint(ctx context.Context, store lake.Store, key string, retention time.Duration) (*checkpointStore, error) {
	cs := &checkpointStore{store: store, key: key, retention: retention}
	if _, err := lake.ReadJSON(ctx, store, key, &cs.cp); err != nil {
		return nil, fmt.Errorf("reading loader checkpoint %s: %w", key, err)
	}
	if cs.cp.Streams == nil {
		cs.cp.Streams = map[string]*StreamCheckpoint{}
	}
	return cs, nil
}

func (cs *checkpointStore) stream(name string) *StreamCheckpoint {
	sc := cs.cp.Streams[name]
	if sc == nil {
		sc = &StreamCheckpoint{Done: map[string]time.Time{}}
		cs.cp.Streams[name] = sc
	}
	if sc.Done == nil {
		sc.Done = map[string]time.Time{}
	}
	return sc
}

// isDone reports whether the object was loaded already.
func (cs *checkpointStore) isDone(stream string, o lake.ObjectInfo) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	sc := cs.stream(stream)
	if _, ok := sc.Done[o.Key]; ok {
		return true
	}
	return !sc.DoneBefore.IsZero() && o.LastModified.Before(sc.DoneBefore)
}

// markDone records a loaded object and writes the checkpoint.
func (cs *checkpointStore) markDone(ctx context.Context, stream string, o lake.ObjectInfo, records int64) error {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	sc := cs.stream(stream)
	sc.Done[o.Key] = o.LastModified.UTC()
	sc.Objects++
	sc.Records += records
	return cs.saveLocked(ctx)
}

// compact folds keys older than the retention into DoneBefore. It may only
// be called right after a full listing of the stream found nothing pending
// modified before the cut (pendingBefore is the oldest pending object's
// last-modified time, or zero when nothing is pending).
func (cs *checkpointStore) compact(stream string, newest, pendingOldest time.Time) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	sc := cs.stream(stream)
	cut := newest.Add(-cs.retention)
	if !pendingOldest.IsZero() && pendingOldest.Before(cut) {
		cut = pendingOldest
	}
	if !cut.After(sc.DoneBefore) {
		return
	}
	for k, t := range sc.Done {
		if t.Before(cut) {
			delete(sc.Done, k)
		}
	}
	sc.DoneBefore = cut
}

func (cs *checkpointStore) saveLocked(ctx context.Context) error {
	if err := lake.WriteJSON(ctx, cs.store, cs.key, cs.cp); err != nil {
		return fmt.Errorf("writing loader checkpoint %s: %w", cs.key, err)
	}
	return nil
}
