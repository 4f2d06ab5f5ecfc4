package load

import (
	"context"
	"fmt"

	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/webhook"
)

// sender is the loader's output: it sends batches to Port and reports what
// became of every operation in them.
type sender struct {
	port *port.Client
	// webhook, when set, takes records instead (webhooksink.go).
	webhook *webhook.Client
}

// outcome acknowledges a batch: sent operations went to Port and all but
// the refused ones were accepted; err means the outcome is unknown (auth,
// retries exhausted), so the object must load again.
type outcome struct {
	sent    int
	refused []refusal
	err     error
}

// refusal is an operation Port (or the client's own checks) refused.
type refusal struct {
	op      op
	failure port.Failure
}

// accepted is how many operations Port accepted.
func (o outcome) accepted() int { return o.sent - len(o.refused) }

func (s sender) send(ctx context.Context, b batch) outcome {
	if s.webhook != nil {
		return s.posts(ctx, b)
	}
	if b.delete {
		return s.deletes(ctx, b)
	}
	return s.upserts(ctx, b)
}

// upserts sends the last version of each entity of the batch in bulk.
func (s sender) upserts(ctx context.Context, b batch) outcome {
	ops := lastWins(b.ops)
	entities := make([]port.Entity, len(ops))
	for i, o := range ops {
		entities[i] = o.entity
	}
	failures, err := s.port.Upsert(ctx, b.blueprint, entities)
	if err != nil {
		return outcome{err: fmt.Errorf("upserting %d %s entities: %w", len(entities), b.blueprint, err)}
	}
	out := outcome{sent: len(ops)}
	for _, f := range failures {
		out.refused = append(out.refused, refusal{op: ops[f.Index], failure: f})
	}
	return out
}

// deletes sends the batch's deletes, those that also delete dependents
// apart from the others (Port takes the mode per request).
func (s sender) deletes(ctx context.Context, b batch) outcome {
	var out outcome
	for _, dependents := range []bool{false, true} {
		var group []op
		for _, o := range b.ops {
			if o.dependents == dependents {
				group = append(group, o)
			}
		}
		if len(group) == 0 {
			continue
		}
		ids := make([]string, len(group))
		for i, o := range group {
			ids[i] = o.identifier
		}
		failures, err := s.port.Delete(ctx, b.blueprint, ids, dependents)
		if err != nil {
			return outcome{err: fmt.Errorf("deleting %d %s entities: %w", len(ids), b.blueprint, err)}
		}
		out.sent += len(group)
		for _, f := range failures {
			out.refused = append(out.refused, refusal{op: group[f.Index], failure: f})
		}
	}
	return out
}

// lastWins keeps the last version of each string identifier in a batch, so
// concurrent bulk requests never race two versions of one entity.
func lastWins(ops []op) []op {
	last := make(map[string]int, len(ops))
	for i, o := range ops {
		if id, ok := o.entity.Identifier.(string); ok {
			last[id] = i
		}
	}
	if len(last) == len(ops) {
		return ops
	}
	out := ops[:0:0]
	for i, o := range ops {
		if id, ok := o.entity.Identifier.(string); ok && last[id] != i {
			continue
		}
		out = append(out, o)
	}
	return out
}
