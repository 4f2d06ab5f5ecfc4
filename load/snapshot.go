package load

import (
	"context"
	"fmt"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/ledger"
)

// Snapshot deletes. A manifest (lake.Manifest) says what one extract run
// wrote for a stream. Records loaded from a manifest's objects carry its
// sync id in the ledger (Entry.Sync: the last snapshot that listed them).
// Once every object of a COMPLETE full snapshot is loaded, a record key
// whose Sync is older is one the snapshot no longer lists: it is gone, and
// what it produced is deleted after the pass. A per-parent snapshot does
// the same only under the parents it re-listed (and its deleted parents).
// Never for an incomplete manifest, a manifest whose objects are not all
// loaded yet, an incremental one, or an append-only stream (logs).

// readManifests reads the manifests of stream newer than the ledger's last
// applied one and notes which sync each of their objects belongs to.
func (l *Loader) readManifests(ctx context.Context, stream string, led *ledger.Stream) ([]lake.Manifest, error) {
	l.own.mu.Lock()
	after := led.AppliedSync
	l.own.mu.Unlock()
	ms, err := lake.ListManifests(ctx, l.cfg.Store, l.cfg.Prefix, l.cfg.Namespace, stream, after)
	if err != nil {
		return nil, err
	}
	objs := map[string]int64{}
	for _, m := range ms {
		for _, o := range m.Objects {
			objs[o.Key] = m.SyncID
		}
	}
	l.own.mu.Lock()
	l.own.objSync[stream] = objs
	l.own.mu.Unlock()
	return ms, nil
}

// applySnapshots marks gone what the stream's complete snapshots no longer
// list, manifest by manifest in sync order, stopping at one whose objects
// are not all loaded (the next pass takes it up again). loaded reports
// whether an object key is checkpointed.
func (l *Loader) applySnapshots(ctx context.Context, stream string, led *ledger.Stream, ms []lake.Manifest, loaded func(string) bool) error {
	cat, known := l.catalog(stream)
	own := l.own
	for _, m := range ms {
		if !m.Complete {
			l.cfg.Logger.Info("incomplete snapshot: nothing is deleted for it", "stream", stream, "sync", m.SyncID, "reason", m.Reason)
			continue
		}
		if m.Kind != lake.ManifestFull && m.Kind != lake.ManifestPerParent || !known || cat.AppendOnly {
			own.mu.Lock()
			led.Applied(m.SyncID)
			own.mu.Unlock()
			continue
		}
		for _, o := range m.Objects {
			if !loaded(o.Key) {
				l.cfg.Logger.Debug("snapshot not loaded in full yet", "stream", stream, "sync", m.SyncID, "object", o.Key)
				return nil
			}
		}
		own.mu.Lock()
		seen := led.Seen[m.SyncID]
		if seen < m.Records {
			led.Applied(m.SyncID)
			own.mu.Unlock()
			l.cfg.Logger.Warn("a snapshot's objects were loaded before its manifest named them; nothing is deleted for it (the next snapshot will)",
				"stream", stream, "sync", m.SyncID, "records", m.Records, "loaded with the manifest", seen)
			continue
		}
		var under map[string]bool
		if m.Kind == lake.ManifestPerParent {
			under = map[string]bool{}
			for _, p := range append(append([]string(nil), m.Parents...), m.DeletedParents...) {
				under[p] = true
			}
		}
		var stale []string
		led.Range(func(k string, e ledger.Entry) bool {
			if !e.Gone && e.Sync < m.SyncID && (under == nil || under[cat.ParentOf(k)]) {
				stale = append(stale, k)
			}
			return true
		})
		for _, k := range stale {
			e, _ := led.Get(k)
			e.Gone = true
			led.Put(k, e)
		}
		led.Applied(m.SyncID)
		if len(stale) > 0 {
			own.markPendingLocked(stream)
		}
		own.mu.Unlock()
		if len(stale) > 0 {
			l.cfg.Logger.Info("records a complete snapshot no longer lists: their entities are deleted after the pass", "stream", stream, "sync", m.SyncID, "records", len(stale))
		}
	}
	if err := l.saveLedger(ctx, led); err != nil {
		return fmt.Errorf("saving the ledger of %s: %w", stream, err)
	}
	return nil
}
