package extract

import (
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// streamPlan is what one run does with one stream, decided before its
// first request: the kind of snapshot its manifest will describe, and the
// generation its lines carry.
type streamPlan struct {
	// kind is lake.ManifestFull, ManifestIncremental or ManifestPerParent.
	kind string
	// generation is the stream's _airbyte_generation_id in this run: one
	// more than the stored one for a full snapshot, the stored one otherwise.
	generation int64
	// by is the reason of a tombstone for a key a full snapshot no longer
	// lists (lake.DeletedBy...).
	by string
	// tracked says the stream keeps a key index (every stream but the
	// append-only System Log).
	tracked bool
}

// planStream decides how st runs this time; indexed says the stream's key
// index was found.
func (r *run) planStream(st streams.Stream, indexed bool) streamPlan {
	prev := r.state.Streams[st.Name]
	p := streamPlan{kind: lake.ManifestIncremental, generation: prev.GenerationID, by: lake.DeletedBySnapshot, tracked: !st.AppendOnly && !r.cfg.NoKeyIndex}
	if st.Parent != "" {
		p.by = lake.DeletedByParent
	}
	switch {
	case st.AppendOnly || st.CursorKind == streams.CursorLogPolling:
		// The System Log is append-only: every run adds events, none is a
		// snapshot of the stream.
	case st.ChangeDriven():
		p.kind = lake.ManifestPerParent
		if r.reconcileDue(st, indexed) {
			p.kind, p.by = lake.ManifestFull, r.reconcileReason(st)
		}
	case st.CursorKind == streams.CursorNone:
		p.kind = lake.ManifestFull
	case st.CursorKind == streams.CursorLastUpdated && r.lastUpdatedFrom(st, indexed) == epochCursor:
		// No cursor (first run, a full refresh, a lost index): the listing
		// holds every record.
		p.kind = lake.ManifestFull
	case st.CursorKind == streams.CursorLastUpdated && !r.cfg.NoKeyIndex && r.reconcileDue(st, indexed):
		p.kind, p.by = lake.ManifestFull, r.reconcileReason(st)
	}
	if p.kind == lake.ManifestFull {
		p.generation++
	}
	return p
}

// lastUpdatedFrom is where a lastUpdated listing starts: the stored cursor,
// or the epoch when the stream has no key index to apply changes to (and
// no start date bounds the first run).
func (r *run) lastUpdatedFrom(st streams.Stream, indexed bool) string {
	if !indexed && !r.cfg.NoKeyIndex && r.cfg.StartDate.IsZero() {
		return epochCursor
	}
	return r.startCursor(st.Name)
}

// reconcileReason is why a reconcile tombstones a key it no longer finds:
// DeletedByReconcile once the stream has been reconciled before (the
// first full pass of a stream has nothing to heal).
func (r *run) reconcileReason(st streams.Stream) string {
	if r.state.Streams[st.Name].ReconciledAt == "" && st.Parent != "" {
		return lake.DeletedByParent
	}
	if r.state.Streams[st.Name].ReconciledAt == "" {
		return lake.DeletedBySnapshot
	}
	return lake.DeletedByReconcile
}
