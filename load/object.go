package load

import (
	"context"
	"fmt"
	"sync"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/ledger"
	"github.com/oktalake/oktalake/load/mapping"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/streams"
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
	// led is the stream's ledger (nil when the loader keeps none for it:
	// a replay); cat is the stream's catalog entry when known.
	led   *ledger.Stream
	cat   streams.Stream
	known bool
	// sync is the sync id of the snapshot the object belongs to (0: none).
	sync int64
	// read is counted by the goroutine that adds records, alone.
	read readCounts
	acks acks
}

// readCounts are what an object's records turned into before any was sent.
type readCounts struct {
	records, rejected, badLines, mapErrors, unmatched, unchanged, tombstones int64
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
	records, entities, deletes, failed, rejected, badLines, mapErrors, unmatched, unchanged, tombstones int64
	byBlueprint                                                                                         map[string]int64
}

// newObjectLoad is how loading and replaying both start an object.
func (l *Loader) newObjectLoad(stream, key string) *objectLoad {
	o := &objectLoad{l: l, stream: stream, key: key, dl: newDeadLetters(l.cfg, stream, key)}
	o.acks.byBlueprint = map[string]int64{}
	o.cat, o.known = streams.Lookup(stream)
	var out interface {
		send(context.Context, batch) outcome
	} = sender{port: l.cfg.Port, webhook: l.cfg.Webhook}
	if l.cfg.Plan {
		out = planSender{plan: l.plan}
	}
	o.batches = newBatcher(l.cfg.BatchSize, func(ctx context.Context, b batch) { o.acknowledge(b, out.send(ctx, b)) })
	return o
}

func (l *Loader) loadObject(ctx context.Context, stream string, obj lake.ObjectInfo, led *ledger.Stream) error {
	o := l.newObjectLoad(stream, obj.Key)
	o.led, o.sync = led, l.objectSync(stream, obj.Key)
	emit := func(rec lake.Record) error { return o.add(ctx, obj.Key, rec) }
	if err := readObject(ctx, l.cfg.Store, obj.Key, l.cfg.MaxLineBytes, emit, o.unreadable); err != nil {
		o.batches.wait() // let batches in flight settle before the object is abandoned
		return err
	}
	counts, err := o.finish(ctx)
	if err != nil {
		return err
	}
	if l.cfg.Plan {
		// A plan writes nothing: the object stays pending.
		l.record(stream, counts)
		return nil
	}
	// Dead letters first, then the checkpoint: a record is either in Port,
	// in a dead letter, or its object is loaded again.
	if err := o.dl.commit(ctx); err != nil {
		return err
	}
	// The ledger before the checkpoint: what Port confirmed is recorded
	// before the object counts as loaded.
	if err := l.saveLedger(ctx, led); err != nil {
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
	o.see(o.sync)
	if o.l.cfg.Webhook != nil {
		o.addWebhook(ctx, key, rec)
		return nil
	}
	from := recordOrigin(key, rec)
	if lake.IsTombstone(rec.Data) {
		// A deleted record: never mapped (its entity would lack every
		// field); the ledger says what it produced, deleted after the pass.
		rkey := o.recordKey(rec.Data)
		if o.led == nil || rkey == "" {
			o.read.rejected++
			o.dl.add(newDeadLetter(from, "tombstone: no record key the catalog can read, or no ledger to say what it produced", nil))
			return nil
		}
		o.read.tombstones++
		o.tombstone(rkey, o.sync)
		return nil
	}
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
	rkey := ""
	if o.led != nil {
		rkey = o.recordKey(rec.Data)
	}
	ps := make([]produced, len(res.Entities))
	for i, e := range res.Entities {
		ps[i] = produced{blueprint: e.Blueprint, entity: toPortEntity(e)}
		if rkey != "" {
			ps[i].hash = entityHash(ps[i].entity)
		}
	}
	send := make([]bool, len(ps))
	if rkey != "" {
		var rejected []ledger.Ref
		for _, rj := range res.Rejected {
			if id, ok := rj.Entity.Identifier.(string); ok {
				rejected = append(rejected, ledger.Ref{Blueprint: rj.Entity.Blueprint, Identifier: id})
			}
		}
		send = o.produce(rkey, o.sync, ps, rejected)
	} else {
		for i := range send {
			send[i] = true
		}
	}
	for i, e := range res.Entities {
		if !send[i] {
			o.read.unchanged++
			continue
		}
		entity := ps[i].entity
		o.batches.add(ctx, e.Blueprint, op{origin: from.mapped(e.MappingIndex, e.Blueprint, false, entity), entity: entity, key: rkey, hash: ps[i].hash})
	}
	for _, d := range res.Deletes {
		id, ok := d.Identifier.(string)
		if !ok {
			o.read.rejected++
			o.dl.add(newDeadLetter(from.mapped(d.MappingIndex, d.Blueprint, true, nil), "delete needs a string identifier", nil))
			continue
		}
		at := from.mapped(d.MappingIndex, d.Blueprint, true, map[string]any{"identifier": id})
		o.deleting(ledger.Ref{Blueprint: d.Blueprint, Identifier: id})
		o.batches.add(ctx, d.Blueprint, op{origin: at, identifier: id, dependents: d.DeleteDependents, key: rkey})
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
	if o.led != nil {
		o.record(b, out)
	}
	o.acks.count(b, out)
	if !b.delete {
		o.l.liveEntities.Add(int64(out.accepted()))
	}
}

// record tells the ledger what Port accepted: the hash of each upserted
// entity (every record of the batch that produced the version Port kept),
// and the entities a mapping's delete rule removed.
func (o *objectLoad) record(b batch, out outcome) {
	refused := map[string]bool{}
	for _, r := range out.refused {
		refused[r.op.id()] = true
	}
	last := map[string]uint64{}
	for _, op := range b.ops {
		last[op.id()] = op.hash
	}
	for _, op := range b.ops {
		id := op.id()
		if op.key == "" || id == "" || refused[id] {
			continue
		}
		ref := ledger.Ref{Blueprint: b.blueprint, Identifier: id}
		switch {
		case b.delete:
			o.forget(op.key, ref)
		case op.hash != 0 && last[id] == op.hash:
			o.confirm(op.key, ref, op.hash)
		}
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
		entities: o.acks.entities, deletes: o.acks.deletes, failed: o.acks.refused, byBlueprint: o.acks.byBlueprint, unchanged: o.read.unchanged, tombstones: o.read.tombstones,
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
