package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/oktalake/oktalake/internal/metrics"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// maxGroupEvents ends a group early: one object per few thousand events.
const maxGroupEvents = 5000

// commitLoop gathers the deliveries that arrive together (for at most
// GroupWindow after the first) and commits their new events as one object
// of event_hook_events; every delivery of the group is answered only after
// that commit. It returns once the intake is closed and drained.
func (s *Server) commitLoop() {
	defer s.refresh.close()
	for {
		first, ok := <-s.intake
		if !ok {
			return
		}
		group := []*delivery{first}
		n := len(first.events)
		timer := time.NewTimer(s.cfg.GroupWindow)
	gather:
		for n < maxGroupEvents {
			select {
			case d, ok := <-s.intake:
				if !ok {
					break gather
				}
				group = append(group, d)
				n += len(d.events)
			case <-timer.C:
				break gather
			}
		}
		timer.Stop()
		manifest, err := s.commitGroup(group)
		for _, d := range group {
			d.result <- err
		}
		// The manifest only describes the committed object: the answers
		// do not wait for it.
		if manifest != nil {
			s.writeManifest(context.Background(), *manifest)
		}
	}
}

// commitGroup writes the group's events not committed before (by uuid:
// Okta retries and may deliver an event twice) and, once committed,
// remembers them and queues their refreshes. It returns the manifest of
// the object it committed (nil for none), still to be written.
func (s *Server) commitGroup(group []*delivery) (*lake.Manifest, error) {
	m := s.cfg.Metrics
	var fresh []event
	var manifest *lake.Manifest
	inGroup := map[string]bool{}
	for _, d := range group {
		for _, e := range d.events {
			if s.seen.has(e.info.UUID) || inGroup[e.info.UUID] {
				m.Events.WithLabelValues(metrics.EventDuplicate).Inc()
				continue
			}
			inGroup[e.info.UUID] = true
			fresh = append(fresh, e)
		}
	}
	if len(fresh) > 0 {
		recs := make([]json.RawMessage, len(fresh))
		for i, e := range fresh {
			recs[i] = e.raw
		}
		// The commit must happen whatever the requests do: a client gone
		// after the handover still has its events written.
		ctx := context.Background()
		run, err := s.takeSync(ctx, streams.EventHookStream)
		if err != nil {
			return nil, err
		}
		key, m, err := s.writeObject(ctx, run, streams.EventHookStream, recs)
		if err != nil {
			return nil, err
		}
		manifest = &m
		for i := range fresh {
			fresh[i].object = key
		}
	}
	if s.cfg.afterCommit != nil {
		s.cfg.afterCommit()
	}
	for _, e := range fresh {
		s.seen.add(e.info.UUID)
	}
	m.Events.WithLabelValues(metrics.EventNew).Add(float64(len(fresh)))
	if len(fresh) > 0 {
		s.refresh.push(fresh)
		s.poke()
	}
	return manifest, nil
}

// takeSync takes the sync id of one commit of streams.
func (s *Server) takeSync(ctx context.Context, names ...string) (syncRun, error) {
	id, gens, err := s.nextSync(ctx, names...)
	if err != nil {
		return syncRun{}, err
	}
	return syncRun{id: id, gens: gens}, nil
}

// writeObject commits records as one object of stream, in the lake's
// layout and envelope, stamped with run's sync id, and returns the object's
// key and its incremental manifest, for writeManifest.
func (s *Server) writeObject(ctx context.Context, run syncRun, stream string, recs []json.RawMessage) (string, lake.Manifest, error) {
	start := time.Now()
	began := s.cfg.Clock.Now().UTC()
	w, err := lake.NewWriter(s.cfg.Store, lake.WriterConfig{
		Prefix: s.cfg.Prefix, Namespace: s.cfg.Namespace, Stream: stream,
		PathFormat: s.cfg.PathFormat, Envelope: s.cfg.Envelope, Now: s.cfg.Clock.Now,
		SyncID: run.id, GenerationID: run.gens[stream],
	})
	if err == nil {
		if err = w.WriteBatch(ctx, recs); err == nil {
			err = w.Close(ctx)
		} else {
			_ = w.Abort()
		}
	}
	s.cfg.Metrics.ObserveCommit(stream, time.Since(start), err)
	if err != nil {
		return "", lake.Manifest{}, fmt.Errorf("committing %d records of %s: %w", len(recs), stream, err)
	}
	objs := w.Objects()
	obj := objs[len(objs)-1]
	var tombstones int64
	for _, r := range recs {
		if lake.IsTombstone(r) {
			tombstones++
		}
	}
	m := lake.Manifest{
		Stream: stream, Namespace: s.cfg.Namespace, SyncID: run.id, GenerationID: run.gens[stream],
		Kind: lake.ManifestIncremental, Complete: true, StartedAt: began, FinishedAt: s.cfg.Clock.Now().UTC(),
		Objects: []lake.ManifestObject{{Key: obj.Key, Records: int64(len(recs)), Tombstones: tombstones, Bytes: obj.Size}},
		Records: int64(len(recs)), Tombstones: tombstones,
	}
	return obj.Key, m, nil
}

// writeManifest writes a commit's manifest, after its object. One that
// cannot be written is only a warning, as in extract: the object is
// committed either way, it is just not described.
func (s *Server) writeManifest(ctx context.Context, m lake.Manifest) {
	if err := lake.WriteManifest(ctx, s.cfg.Store, s.cfg.Prefix, m); err != nil {
		s.cfg.Logger.Warn("writing manifest", "stream", m.Stream, "error", err)
	}
}

// poke wakes the loader, if any, without waiting.
func (s *Server) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
