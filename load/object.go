package load

import (
	"context"
	"fmt"
	"sync"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/mapping"
	"github.com/oktalake/oktalake/load/port"
)

// objectLoad takes one object's records to Port: the input (readObject, or
// a replay's dead letters) hands it records, it maps each into operations
// for the batcher, and the sender's acknowledgements come back to it. The
// object is done when every operation is acknowledged, accepted by Port or
// dead-lettered; one whose outcome is unknown fails and loads again.
type objectLoad struct {
	l      *Loader
	stream string
	// key is the object read: a data object, or in a replay the
	// dead-letter object (its records keep their own source keys).
	key     string
	dl      *deadLetters
	batches *batcher
	// read is counted by the goroutine that adds records, alone.
	read readCounts
	acks acks
}

// readCounts are what an object's records turned into before any was sent.
type readCounts struct {
	records, rejected, badLines, mapErrors, unmatched int64
}

// acks gathers the acknowledgements of an object's batches, which arrive
// from the batches' goroutines.
type acks struct {
	mu                         sync.Mutex
	entities, deletes, refused int64
	byBlueprint                map[string]int64
	err                        error // the first unknown outcome: the object fails
}

// objectCounts is what loading one object did, for the summary.
type objectCounts struct {
	records, entities, deletes, failed, rejected, badLines, mapErrors, unmatched int64
	byBlueprint                                                                  map[string]int64
}

// newObjectLoad is how loading and replaying both start an object.
func (l *Loader) newObjectLoad(stream, key string) *objectLoad {
	o := &objectLoad{l: l, stream: stream, key: key, dl: newDeadLetters(l.cfg, stream, key)}
	o.acks.byBlueprint = map[string]int64{}
	out := sender{port: l.cfg.Port}
	o.batches = newBatcher(l.cfg.BatchSize, func(ctx context.Context, b batch) { o.acknowledge(b, out.send(ctx, b)) })
	return o
}

func (l *Loader) loadObject(ctx context.Context, stream string, obj lake.ObjectInfo) error {
	o := l.newObjectLoad(stream, obj.Key)
	emit := func(rec lake.Record) error { return o.add(ctx, obj.Key, rec) }
	if err := readObject(ctx, l.cfg.Store, obj.Key, l.cfg.MaxLineBytes, emit, o.unreadable); err != nil {
		o.batches.wait() // let batches in flight settle before the object is abandoned
		return err
	}
	counts, err := o.finish(ctx)
	if err != nil {
		return err
	}
	// Dead letters first, then the checkpoint: a record is either in Port,
	// in a dead letter, or its object is loaded again.
	if err := o.dl.commit(ctx); err != nil {
		return err
	}
	if err := l.cp.markDone(ctx, stream, obj, counts.records); err != nil {
		return err
	}
	l.record(stream, counts)
	l.cfg.Logger.Debug("object loaded", "key", obj.Key, "records", counts.records, "entities", counts.entities, "failed", counts.failed)
	return nil
}

// unreadable keeps what the input could not read.
func (o *objectLoad) unreadable(dl DeadLetter) {
	o.read.badLines++
	o.dl.add(dl)
}

// add maps one record read from the object at key and batches the
// operations it asks for. It fails once the object has: what follows would
// not be checkpointed anyway.
func (o *objectLoad) add(ctx context.Context, key string, rec lake.Record) error {
	if err := o.acks.failed(); err != nil {
		return err
	}
	o.read.records++
	o.l.liveRecords.Add(1)
	from := recordOrigin(key, rec)
	data := rec.Data
	if e := o.l.cfg.Enricher; e != nil {
		var err error
		if data, err = e.Enrich(ctx, o.stream, data); err != nil {
			o.acks.fail(err) // the join's files failed: load the object again
			return err
		}
	}
	res := o.l.cfg.Mapping.Apply(ctx, data, key)
	if res.Interrupted != "" {
		// An incomplete result is never sent: when the load is being
		// stopped the object fails (it loads again next time); when the
		// record ran out of jq time it is kept for --replay-errors.
		if ctx.Err() != nil {
			o.acks.fail(fmt.Errorf("mapping line %d of %s: %s", rec.Line, key, res.Interrupted))
			return nil
		}
		o.read.rejected++
		o.dl.add(newDeadLetter(from, "mapping: "+res.Interrupted, nil))
		return nil
	}
	o.read.mapErrors += int64(len(res.Errors))
	for _, rj := range res.Rejected {
		o.read.rejected++
		o.dl.add(newDeadLetter(from.mapped(rj.MappingIndex, rj.Entity.Blueprint, false, toPortEntity(rj.Entity)), rj.Reason, nil))
	}
	if len(res.Entities) == 0 && len(res.Deletes) == 0 && len(res.Rejected) == 0 {
		o.read.unmatched++
	}
	for _, e := range res.Entities {
		entity := toPortEntity(e)
		o.batches.add(ctx, e.Blueprint, op{origin: from.mapped(e.MappingIndex, e.Blueprint, false, entity), entity: entity})
	}
	for _, d := range res.Deletes {
		id, ok := d.Identifier.(string)
		if !ok {
			o.read.rejected++
			o.dl.add(newDeadLetter(from.mapped(d.MappingIndex, d.Blueprint, true, nil), "delete needs a string identifier", nil))
			continue
		}
		at := from.mapped(d.MappingIndex, d.Blueprint, true, map[string]any{"identifier": id})
		o.batches.add(ctx, d.Blueprint, op{origin: at, identifier: id, dependents: d.DeleteDependents})
	}
	return nil
}

func toPortEntity(e mapping.Entity) port.Entity {
	return port.Entity{Identifier: e.Identifier, Title: e.Title, Icon: e.Icon, Team: e.Team, Properties: e.Properties, Relations: e.Relations}
}

// acknowledge takes a batch's outcome: refused operations become dead
// letters, accepted ones are counted, an unknown outcome fails the object.
func (o *objectLoad) acknowledge(b batch, out outcome) {
	if out.err != nil {
		o.acks.fail(fmt.Errorf("loading %s: %w", o.key, out.err))
		return
	}
	for _, r := range out.refused {
		o.dl.add(newDeadLetter(r.op.origin, "", &r.failure))
	}
	o.acks.count(b, out)
	if !b.delete {
		o.l.liveEntities.Add(int64(out.accepted()))
	}
}

// finish sends what is left, waits until every operation is acknowledged
// and returns what the object did, or why its outcome is unknown.
func (o *objectLoad) finish(ctx context.Context) (objectCounts, error) {
	o.batches.flushAll(ctx)
	o.batches.wait()
	o.acks.mu.Lock()
	defer o.acks.mu.Unlock()
	if o.acks.err != nil {
		return objectCounts{}, o.acks.err
	}
	return objectCounts{
		records: o.read.records, rejected: o.read.rejected, badLines: o.read.badLines, mapErrors: o.read.mapErrors, unmatched: o.read.unmatched,
		entities: o.acks.entities, deletes: o.acks.deletes, failed: o.acks.refused, byBlueprint: o.acks.byBlueprint,
	}, nil
}

func (a *acks) count(b batch, out outcome) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := int64(out.accepted())
	if b.delete {
		a.deletes += n
	} else {
		a.entities += n
		a.byBlueprint[b.blueprint] += n
	}
	a.refused += int64(len(out.refused))
}

// failed returns the error that makes the object's outcome unknown, if any.
func (a *acks) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

func (a *acks) fail(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err == nil {
		a.err = err
	}
}
