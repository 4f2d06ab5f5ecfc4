package port

import (
	"context"
	"encoding/json"
	"sync"

	"golang.org/x/sync/errgroup"
)

const (
	// maxBatchEntities is Port's limit on entities per bulk upsert.
	maxBatchEntities = 20
	// maxBodyBytes is Port's request body limit (1 MiB).
	maxBodyBytes = 1 << 20
	// maxDeleteBatch is Port's limit on identifiers per bulk delete.
	maxDeleteBatch = 100
	// bulkEnvelope is the size of {"entities":[]} around the items.
	bulkEnvelope = len(`{"entities":[]}`)
)

// item is one entity (or identifier, for deletes) on its way to Port.
type item struct {
	index int    // index in the caller's slice
	id    any    // identifier as given
	json  []byte // encoded entity or identifier
}

// rounds puts the n-th occurrence of an identifier in round n, so that
// batches sent concurrently never carry two versions of one entity and a
// later version is never overtaken by an earlier one.
func rounds(items []item) [][]item {
	seen := map[string]int{}
	var out [][]item
	for _, it := range items {
		k := identityKey(it.id)
		n := seen[k]
		seen[k] = n + 1
		if n == len(out) {
			out = append(out, nil)
		}
		out[n] = append(out[n], it)
	}
	return out
}

func identityKey(id any) string {
	if s, ok := id.(string); ok {
		return s
	}
	b, _ := json.Marshal(id)
	return "\x00" + string(b)
}

// batches cuts items, in order, into bulk bodies of at most maxEntities
// items and maxBytes bytes. An item too big for maxBytes goes alone.
func batches(items []item, maxEntities, maxBytes int) [][]item {
	var out [][]item
	var cur []item
	size := bulkEnvelope
	for _, it := range items {
		extra := len(it.json)
		if len(cur) > 0 {
			extra++ // comma
		}
		if len(cur) == maxEntities || (len(cur) > 0 && size+extra > maxBytes) {
			out = append(out, cur)
			cur, size, extra = nil, bulkEnvelope, len(it.json)
		}
		cur = append(cur, it)
		size += extra
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// bodySize is the length of encodeBatch(b).
func bodySize(b []item) int {
	n := bulkEnvelope
	for i, it := range b {
		if i > 0 {
			n++
		}
		n += len(it.json)
	}
	return n
}

// bodyLimit learns the body size Port accepts. Port documents 1 MiB, but a
// gateway or an older deployment may refuse less with 413; halving every
// batch after each 413 costs one refused request per batch, so the client
// remembers the largest body accepted and the smallest refused and binary
// searches between the two, one probe at a time: while a body bigger than
// any accepted is in flight, the others are cut to the accepted size, so
// concurrency does not multiply the 413s.
type bodyLimit struct {
	mu       sync.Mutex
	accepted int  // largest body Port accepted; 0: none yet
	refused  int  // smallest body Port refused with 413; 0: none yet
	probing  bool // a body bigger than accepted is in flight
}

// cut is the body size to build batches up to: the next probe's size.
func (l *bodyLimit) cut() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.refused == 0:
		return maxBodyBytes
	case l.accepted == 0:
		// Nothing known to fit yet: halve, as splitting a refused body does.
		return max(l.refused/2, bulkEnvelope)
	default:
		return l.accepted + (l.refused-l.accepted)/2
	}
}

// safe is the body size known to fit (or, before anything fit, the halved
// size the search is trying).
func (l *bodyLimit) safe() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.refused == 0:
		return maxBodyBytes
	case l.accepted == 0:
		return max(l.refused/2, bulkEnvelope)
	default:
		return l.accepted
	}
}

// admit decides whether a body of n bytes may be sent now: send is false
// when it must be cut to safe() first; probe is true when it is the one
// body in flight above what is known to fit (observe or release ends it).
func (l *bodyLimit) admit(n int) (send, probe bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.refused == 0:
		return true, false
	case l.accepted == 0:
		return n <= max(l.refused/2, bulkEnvelope), false
	case n <= l.accepted:
		return true, false
	case n >= l.refused || l.probing:
		return false, false
	default:
		l.probing = true
		return true, true
	}
}

// release ends a probe that got no answer about its size.
func (l *bodyLimit) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.probing = false
}

// observe records Port's answer to a body of n bytes: tooLarge for a 413.
// A limit that moved (an answer contradicting what was learned) starts the
// search again from that answer.
func (l *bodyLimit) observe(n int, tooLarge, probe bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if probe {
		l.probing = false
	}
	if tooLarge {
		if l.refused == 0 || n < l.refused {
			l.refused = n
		}
		if l.accepted >= l.refused {
			l.accepted = 0
		}
		return
	}
	if n > l.accepted {
		l.accepted = n
	}
	if l.refused != 0 && l.accepted >= l.refused {
		l.refused = 0
	}
}

// encodeBatch builds {"entities":[...]} from pre-encoded items.
func encodeBatch(b []item) []byte {
	n := bulkEnvelope
	for _, it := range b {
		n += len(it.json) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, `{"entities":[`...)
	for i, it := range b {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, it.json...)
	}
	return append(out, "]}"...)
}

// runBatches sends batches with at most the client's concurrency in flight
// and gathers failures. On the first error it cancels the rest and returns
// that error: the outcome of unsent batches is unknown.
func (c *Client) runBatches(ctx context.Context, bs [][]item, send func(context.Context, []item) ([]Failure, error)) ([]Failure, error) {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.Concurrency)
	var (
		mu       sync.Mutex
		failures []Failure
	)
	fed := 0
	for _, b := range bs {
		// Go waits for a free slot; a failed batch or a done ctx stops the feeding.
		if gctx.Err() != nil {
			break
		}
		fed++
		g.Go(func() error {
			fs, err := send(gctx, b)
			mu.Lock()
			failures = append(failures, fs...)
			mu.Unlock()
			return err
		})
	}
	err := g.Wait()
	if err == nil && fed < len(bs) {
		err = ctx.Err()
	}
	return failures, err
}
