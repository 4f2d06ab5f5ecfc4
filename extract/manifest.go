package extract

import (
	"context"
	"slices"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// newManifest starts the manifest of st for this run.
func (r *run) newManifest(st streams.Stream, plan streamPlan) lake.Manifest {
	return lake.Manifest{
		Stream:       st.Name,
		Namespace:    r.cfg.Namespace,
		SyncID:       r.syncID,
		GenerationID: plan.generation,
		Kind:         plan.kind,
		StartedAt:    r.cfg.Clock.Now().UTC(),
	}
}

// finishManifest writes a stream's manifest, last of all it writes: after
// its objects, its state and its key index. failed says why the stream did
// not finish; its manifest is then incomplete, so no reader infers deletes
// from a snapshot that lacks records. A manifest that cannot be written is
// only a warning: without it the run's objects stay, and are simply not
// trusted as a snapshot.
func (r *run) finishManifest(ctx context.Context, m *lake.Manifest, out *sink, failed error) {
	out.mu.Lock()
	m.Objects = slices.Clone(out.objects)
	out.mu.Unlock()
	if m.Objects == nil {
		m.Objects = []lake.ManifestObject{}
	}
	m.Records, m.Tombstones = 0, 0
	for _, o := range m.Objects {
		m.Records += o.Records
		m.Tombstones += o.Tombstones
	}
	m.FinishedAt = r.cfg.Clock.Now().UTC()
	m.Complete = failed == nil
	if failed != nil {
		m.Reason = failed.Error()
	}
	// Like the state, the manifest describes objects already committed:
	// an interrupt does not stop it.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stateSaveTimeout)
	defer cancel()
	if err := lake.WriteManifest(wctx, r.cfg.Store, r.cfg.Prefix, *m); err != nil {
		r.cfg.Logger.Warn("writing manifest", "stream", m.Stream, "err", err)
	}
}
