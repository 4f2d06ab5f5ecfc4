package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/mapping"
	"github.com/oktalake/oktalake/load/port"
)

// origin ties an entity or delete back to the record that produced it, so a
// failure is dead-lettered with the record, the mapping index and the line.
type origin struct {
	objectKey    string
	line         int
	record       json.RawMessage
	mappingIndex int
}

type pendingEntity struct {
	entity port.Entity
	origin origin
}

type pendingDelete struct {
	identifier string
	dependents bool
	origin     origin
}

// objectRun loads one object: it maps records as it reads them and flushes
// entities per blueprint, one flush in flight per blueprint (so two versions
// of one entity are never sent concurrently) and several blueprints at once.
type objectRun struct {
	l      *Loader
	stream string
	key    string
	dl     *deadLetters
	sum    objectCounts

	mu       sync.Mutex
	inflight map[string]chan struct{}
	fatal    error
	upserts  map[string][]pendingEntity
	deletes  map[string][]pendingDelete
}

type objectCounts struct {
	records, entities, deletes, failed, rejected, badLines, mapErrors, unmatched int64
	byBlueprint                                                                  map[string]int64
}

func (l *Loader) loadObject(ctx context.Context, stream string, o lake.ObjectInfo) error {
	run := &objectRun{
		l: l, stream: stream, key: o.Key,
		dl:       newDeadLetters(l.cfg, stream, o.Key),
		inflight: map[string]chan struct{}{},
		upserts:  map[string][]pendingEntity{},
		deletes:  map[string][]pendingDelete{},
		sum:      objectCounts{byBlueprint: map[string]int64{}},
	}
	if err := run.read(ctx); err != nil {
		run.wait() // let flushes in flight settle before the object is abandoned
		return err
	}
	run.flushAll(ctx)
	run.wait()
	if err := run.failed(); err != nil {
		return err
	}
	// Dead letters first, then the checkpoint: a record is either in Port,
	// in a dead letter, or its object is loaded again.
	if err := run.dl.commit(ctx); err != nil {
		return err
	}
	if err := l.cp.markDone(ctx, stream, o, run.sum.records); err != nil {
		return err
	}
	l.record(stream, run.sum)
	l.cfg.Logger.Debug("object loaded", "key", o.Key, "records", run.sum.records, "entities", run.sum.entities, "failed", run.sum.failed)
	return nil
}

func (run *objectRun) read(ctx context.Context) error {
	rc, err := run.l.cfg.Store.Open(ctx, run.key)
	if err != nil {
		return fmt.Errorf("opening %s: %w", run.key, err)
	}
	defer rc.Close()
	src := &sourceReader{r: rc}
	r, err := lake.NewReaderWith(src, lake.ReaderOptions{RequireGzip: lake.IsGzipName(run.key), MaxLineBytes: run.l.cfg.MaxLineBytes})
	if err != nil {
		if src.err != nil {
			return fmt.Errorf("reading %s: %w", run.key, src.err)
		}
		run.dl.add(DeadLetter{Reason: fmt.Sprintf("unreadable object: %v", err)})
		run.sum.badLines++
		return nil
	}
	lastLine := 0
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var lineErr *lake.LineError
		if errors.As(err, &lineErr) {
			lastLine = lineErr.Line
			run.sum.badLines++
			run.dl.add(DeadLetter{Line: lineErr.Line, Reason: fmt.Sprintf("bad line: %v", lineErr.Err)}.withRawLine(lineErr.Raw, lineErr.Len))
			continue
		}
		if err != nil {
			if src.err != nil {
				// The store failed (network, cancelled context), not the
				// object: fail so it is loaded again rather than cut short.
				return fmt.Errorf("reading %s after line %d: %w", run.key, lastLine, src.err)
			}
			// A corrupt stream (bad gzip) ends the object: what was read is
			// loaded, the rest is dead-lettered by reference.
			run.sum.badLines++
			run.dl.add(DeadLetter{Line: lastLine + 1, Reason: fmt.Sprintf("corrupt object after line %d: %v", lastLine, err)})
			return nil
		}
		if err := run.failed(); err != nil {
			return err
		}
		lastLine = rec.Line
		run.sum.records++
		run.l.liveRecords.Add(1)
		run.mapRecord(ctx, run.key, rec)
	}
}

// sourceReader remembers the first read error of the store itself, so a
// failed download is not mistaken for a corrupt object and checkpointed.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && s.err == nil {
		s.err = err
	}
	return n, err
}

// mapRecord maps one record read from the object at key (a replay maps
// records of several objects in one run).
func (run *objectRun) mapRecord(ctx context.Context, key string, rec lake.Record) {
	res := run.l.cfg.Mapping.Apply(ctx, rec.Data, key)
	if res.Interrupted != "" {
		// An incomplete result is never sent: when the load is being
		// stopped the object fails (it loads again next time); when the
		// record ran out of jq time it is kept for --replay-errors.
		if ctx.Err() != nil {
			run.fail(fmt.Errorf("mapping line %d of %s: %s", rec.Line, key, res.Interrupted))
			return
		}
		run.sum.rejected++
		run.dl.add(DeadLetter{ObjectKey: key, Line: rec.Line, Record: rec.Data, Reason: "mapping: " + res.Interrupted})
		return
	}
	run.sum.mapErrors += int64(len(res.Errors))
	for _, rj := range res.Rejected {
		run.sum.rejected++
		run.dl.add(DeadLetter{ObjectKey: key, Line: rec.Line, Record: rec.Data, MappingIndex: intPtr(rj.MappingIndex), Blueprint: rj.Entity.Blueprint, Entity: toPortEntity(rj.Entity), Reason: rj.Reason})
	}
	if len(res.Entities) == 0 && len(res.Deletes) == 0 && len(res.Rejected) == 0 {
		run.sum.unmatched++
	}
	for _, e := range res.Entities {
		o := origin{objectKey: key, line: rec.Line, record: rec.Data, mappingIndex: e.MappingIndex}
		run.mu.Lock()
		// A pending delete of this blueprint goes first: the record order
		// (delete, then create again) must be the order Port sees.
		deletesFirst := len(run.deletes[e.Blueprint]) > 0
		run.mu.Unlock()
		if deletesFirst {
			run.flush(ctx, e.Blueprint)
		}
		run.mu.Lock()
		run.upserts[e.Blueprint] = append(run.upserts[e.Blueprint], pendingEntity{entity: toPortEntity(e), origin: o})
		full := len(run.upserts[e.Blueprint]) >= run.l.cfg.BatchSize
		run.mu.Unlock()
		if full {
			run.flush(ctx, e.Blueprint)
		}
	}
	for _, d := range res.Deletes {
		o := origin{objectKey: key, line: rec.Line, record: rec.Data, mappingIndex: d.MappingIndex}
		id, ok := d.Identifier.(string)
		if !ok {
			run.sum.rejected++
			run.dl.add(DeadLetter{ObjectKey: key, Line: rec.Line, Record: rec.Data, MappingIndex: intPtr(d.MappingIndex), Blueprint: d.Blueprint, Operation: "delete", Reason: "delete needs a string identifier"})
			continue
		}
		run.mu.Lock()
		// Likewise pending upserts of this blueprint go before the delete.
		upsertsFirst := len(run.upserts[d.Blueprint]) > 0
		run.mu.Unlock()
		if upsertsFirst {
			run.flush(ctx, d.Blueprint)
		}
		run.mu.Lock()
		run.deletes[d.Blueprint] = append(run.deletes[d.Blueprint], pendingDelete{identifier: id, dependents: d.DeleteDependents, origin: o})
		run.mu.Unlock()
	}
}

func toPortEntity(e mapping.Entity) port.Entity {
	return port.Entity{Identifier: e.Identifier, Title: e.Title, Icon: e.Icon, Team: e.Team, Properties: e.Properties, Relations: e.Relations}
}

func intPtr(i int) *int { return &i }

// flush sends a blueprint's pending entities once its previous flush is
// done. It waits for that flush first, so a fast reader cannot queue a whole
// object's entities in memory ahead of a slow Port: at most one batch per
// blueprint is in flight while the next one fills.
func (run *objectRun) flush(ctx context.Context, blueprint string) {
	run.mu.Lock()
	prev := run.inflight[blueprint]
	run.mu.Unlock()
	if prev != nil {
		<-prev
	}
	run.mu.Lock()
	ents := run.upserts[blueprint]
	dels := run.deletes[blueprint]
	delete(run.upserts, blueprint)
	delete(run.deletes, blueprint)
	done := make(chan struct{})
	run.inflight[blueprint] = done
	run.mu.Unlock()
	go func() {
		defer close(done)
		run.send(ctx, blueprint, ents, dels)
	}()
}

func (run *objectRun) flushAll(ctx context.Context) {
	run.mu.Lock()
	var bps []string
	seen := map[string]bool{}
	for bp := range run.upserts {
		bps, seen[bp] = append(bps, bp), true
	}
	for bp := range run.deletes {
		if !seen[bp] {
			bps = append(bps, bp)
		}
	}
	run.mu.Unlock()
	for _, bp := range bps {
		run.flush(ctx, bp)
	}
}

func (run *objectRun) wait() {
	run.mu.Lock()
	chans := make([]chan struct{}, 0, len(run.inflight))
	for _, ch := range run.inflight {
		chans = append(chans, ch)
	}
	run.mu.Unlock()
	for _, ch := range chans {
		<-ch
	}
}

// failed returns the error that makes the object's outcome unknown, if any.
func (run *objectRun) failed() error {
	run.mu.Lock()
	defer run.mu.Unlock()
	return run.fatal
}

func (run *objectRun) fail(err error) {
	run.mu.Lock()
	defer run.mu.Unlock()
	if run.fatal == nil {
		run.fatal = err
	}
}

// send upserts then deletes one blueprint's batch; rejected entities become
// dead letters, and an unknown outcome (auth, retries exhausted) is fatal for
// the object so it is not checkpointed.
func (run *objectRun) send(ctx context.Context, blueprint string, ents []pendingEntity, dels []pendingDelete) {
	if len(ents) > 0 {
		ents = lastWins(ents)
		batch := make([]port.Entity, len(ents))
		for i, p := range ents {
			batch[i] = p.entity
		}
		failures, err := run.l.cfg.Port.Upsert(ctx, blueprint, batch)
		if err != nil {
			run.fail(fmt.Errorf("upserting %d %s entities from %s: %w", len(batch), blueprint, run.key, err))
			return
		}
		for _, f := range failures {
			p := ents[f.Index]
			run.dl.add(DeadLetter{ObjectKey: p.origin.objectKey, Line: p.origin.line, Record: p.origin.record, MappingIndex: intPtr(p.origin.mappingIndex), Blueprint: blueprint, Entity: p.entity, Status: f.Status, Reason: portReason(f)})
		}
		run.mu.Lock()
		run.sum.entities += int64(len(batch) - len(failures))
		run.l.liveEntities.Add(int64(len(batch) - len(failures)))
		run.sum.failed += int64(len(failures))
		run.sum.byBlueprint[blueprint] += int64(len(batch) - len(failures))
		run.mu.Unlock()
	}
	byMode := map[bool][]pendingDelete{}
	for _, d := range dels {
		byMode[d.dependents] = append(byMode[d.dependents], d)
	}
	for dependents, group := range byMode {
		ids := make([]string, len(group))
		for i, d := range group {
			ids[i] = d.identifier
		}
		failures, err := run.l.cfg.Port.Delete(ctx, blueprint, ids, dependents)
		if err != nil {
			run.fail(fmt.Errorf("deleting %d %s entities from %s: %w", len(ids), blueprint, run.key, err))
			return
		}
		for _, f := range failures {
			d := group[f.Index]
			run.dl.add(DeadLetter{ObjectKey: d.origin.objectKey, Line: d.origin.line, Record: d.origin.record, MappingIndex: intPtr(d.origin.mappingIndex), Blueprint: blueprint, Operation: "delete", Entity: map[string]any{"identifier": d.identifier}, Status: f.Status, Reason: portReason(f)})
		}
		run.mu.Lock()
		run.sum.deletes += int64(len(ids) - len(failures))
		run.sum.failed += int64(len(failures))
		run.mu.Unlock()
	}
}

func portReason(f port.Failure) string {
	switch {
	case f.Error != "" && f.Message != "":
		return fmt.Sprintf("port %d %s: %s", f.Status, f.Error, f.Message)
	case f.Message != "":
		return fmt.Sprintf("port %d: %s", f.Status, f.Message)
	default:
		return fmt.Sprintf("port %d %s", f.Status, f.Error)
	}
}

// lastWins keeps the last version of each string identifier in a batch, so
// concurrent bulk requests never race two versions of one entity.
func lastWins(ents []pendingEntity) []pendingEntity {
	last := make(map[string]int, len(ents))
	for i, p := range ents {
		if id, ok := p.entity.Identifier.(string); ok {
			last[id] = i
		}
	}
	if len(last) == len(ents) {
		return ents
	}
	out := ents[:0:0]
	for i, p := range ents {
		if id, ok := p.entity.Identifier.(string); ok && last[id] != i {
			continue
		}
		out = append(out, p)
	}
	return out
}
