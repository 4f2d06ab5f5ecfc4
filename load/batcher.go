package load

import (
	"context"
	"maps"
	"slices"

	"github.com/oktalake/oktalake/load/port"
)

// op is one operation a record asked of Port: an upsert of entity, or (when
// origin.delete) a delete of identifier.
type op struct {
	origin     origin
	entity     port.Entity
	identifier string
	dependents bool
	// key is the ledger key of the record (""; not in the ledger), hash
	// the entity's content hash (0: not known).
	key  string
	hash uint64
}

// id is the string identifier the operation is about, "" for a search query.
func (o op) id() string {
	if o.origin.delete {
		return o.identifier
	}
	s, _ := o.entity.Identifier.(string)
	return s
}

// batch is operations of one blueprint and one kind, all upserts or all
// deletes, in record order.
type batch struct {
	blueprint string
	delete    bool
	ops       []op
}

// batcher gathers each blueprint's operations in record order and hands
// them to send a batch at a time:
//   - a batch holds one kind, so a delete after upserts of its blueprint
//     (or an upsert after deletes) starts a new batch, and Port sees them
//     in record order (delete, then create again);
//   - a batch of upserts is cut at size entities; deletes gather until the
//     kind changes or the object ends (Port's client splits them into its
//     bulk limit);
//   - one batch per blueprint is in flight: the next one waits for it, so
//     a fast reader cannot queue a whole object ahead of a slow Port and
//     two versions of one entity are never sent at once, while different
//     blueprints are sent concurrently.
//
// A batcher belongs to the goroutine that adds to it (the object's reader);
// only send runs elsewhere, one goroutine per batch, and its caller learns
// the outcome from send itself (acknowledgements), not from the batcher.
type batcher struct {
	size     int
	send     func(context.Context, batch)
	open     map[string]*batch
	inflight map[string]chan struct{}
}

func newBatcher(size int, send func(context.Context, batch)) *batcher {
	return &batcher{size: size, send: send, open: map[string]*batch{}, inflight: map[string]chan struct{}{}}
}

// add appends o to its blueprint's open batch, sending what must go first.
func (b *batcher) add(ctx context.Context, blueprint string, o op) {
	open := b.open[blueprint]
	if open != nil && open.delete != o.origin.delete {
		b.flush(ctx, blueprint)
		open = nil
	}
	if open == nil {
		open = &batch{blueprint: blueprint, delete: o.origin.delete}
		b.open[blueprint] = open
	}
	open.ops = append(open.ops, o)
	if !open.delete && len(open.ops) >= b.size {
		b.flush(ctx, blueprint)
	}
}

// flush sends a blueprint's open batch once its previous batch is done.
func (b *batcher) flush(ctx context.Context, blueprint string) {
	open := b.open[blueprint]
	if open == nil {
		return
	}
	delete(b.open, blueprint)
	if prev := b.inflight[blueprint]; prev != nil {
		<-prev
	}
	done := make(chan struct{})
	b.inflight[blueprint] = done
	go func() {
		defer close(done)
		b.send(ctx, *open)
	}()
}

// flushAll sends every open batch (blueprints in name order).
func (b *batcher) flushAll(ctx context.Context) {
	for _, bp := range slices.Sorted(maps.Keys(b.open)) {
		b.flush(ctx, bp)
	}
}

// wait returns once every batch sent has been acknowledged.
func (b *batcher) wait() {
	for _, done := range b.inflight {
		<-done
	}
}
