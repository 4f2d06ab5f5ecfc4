package mapping

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/itchyny/gojq"
)

// run is the evaluation state of one record.
type run struct {
	m      *Mapping
	parent context.Context
	ctx    context.Context // created on the first gojq run; carries the record's deadline
	cancel context.CancelFunc
	res    Result
}

// context returns the record's deadline context, creating it on first use so
// records mapped by plain field paths alone never pay for a timer.
// A record still running after watchAfter gets a watch on the heap that
// stops it past Options.MaxEvalBytes.
func (r *run) context() context.Context {
	if r.ctx == nil {
		deadline, cancelDeadline := context.WithTimeout(r.parent, r.m.opts.Timeout)
		ctx, stop := context.WithCancelCause(deadline)
		r.ctx = ctx
		var watch *time.Timer
		if budget := r.m.opts.MaxEvalBytes; budget > 0 {
			watch = time.AfterFunc(watchAfter, func() {
				r.m.watches.Add(1)
				watchHeap(ctx, uint64(budget), stop)
			})
		}
		r.cancel = func() {
			if watch != nil {
				watch.Stop()
			}
			stop(nil)
			cancelDeadline()
		}
	}
	return r.ctx
}

func (r *run) done() {
	if r.cancel != nil {
		r.cancel()
	}
}

// fail records a jq error for a field of mapping idx.
func (r *run) fail(idx int, e *expr, msg string) {
	e.errs.Add(1)
	r.res.Errors = append(r.res.Errors, EvalError{MappingIndex: idx, Field: e.field, Err: msg})
}

// eval returns the first output of e on input. ok is false when e produced
// no output; failed is true when it raised an error (recorded, value nil).
func (r *run) eval(idx int, e *expr, input any) (v any, ok, failed bool) {
	if e.stripOf != nil {
		v, ok, failed = r.eval(idx, e.stripOf, input)
		if ok && !failed {
			v, _ = stripNulls(v)
		}
		return v, ok, failed
	}
	if e.native != nil {
		if v, done := e.native(input); done {
			return v, true, false
		}
	}
	v, ok, err := r.runJQ(e, input)
	if err == nil && ok && r.m.opts.MaxValueBytes > 0 && exceeds(v, r.m.opts.MaxValueBytes) {
		err = fmt.Errorf("value is larger than %d bytes", r.m.opts.MaxValueBytes)
	}
	if err != nil {
		r.fail(idx, e, err.Error())
		return nil, true, true
	}
	return v, ok, false
}

// runJQ takes the first output of e's compiled code, turning panics, jq
// errors and the record deadline into errors.
func (r *run) runJQ(e *expr, input any) (v any, ok bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, ok, err = nil, false, fmt.Errorf("jq panicked: %v", p)
		}
	}()
	ctx := r.context()
	if ctx.Err() != nil {
		return nil, false, r.ctxError(ctx)
	}
	iter := e.code.RunWithContext(ctx, input)
	v, ok = iter.Next()
	if !ok {
		return nil, false, nil
	}
	if e.every {
		if _, isErr := v.(error); !isErr {
			return r.rest(iter, v, e.iterates)
		}
	}
	if err, isErr := v.(error); isErr {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, false, r.ctxError(ctx)
		}
		// error(null) and halt carry no message: jq's C API cannot tell them
		// from the end of output, so Port's runner (jq_next) sees no value.
		var ve gojq.ValueError
		if errors.As(err, &ve) && ve.Value() == nil {
			return nil, false, nil
		}
		return nil, false, err
	}
	return v, true, nil
}

// rest gathers the outputs after first: first alone when there are no
// more, else all of them in an array. An error among them is the result.
func (r *run) rest(iter gojq.Iter, first any, list bool) (any, bool, error) {
	var all []any
	if list {
		all = []any{first}
	}
	for {
		v, ok := iter.Next()
		if !ok {
			break
		}
		if err, isErr := v.(error); isErr {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return nil, false, r.ctxError(r.context())
			}
			var ve gojq.ValueError
			if errors.As(err, &ve) && ve.Value() == nil {
				break // error(null), halt: the end of output, as for the first
			}
			return nil, false, err
		}
		if all == nil {
			all = []any{first}
		}
		all = append(all, v)
	}
	if all == nil {
		return first, true, nil
	}
	return all, true, nil
}

func (r *run) ctxError(ctx context.Context) error {
	var err error
	switch {
	case r.parent.Err() != nil:
		err = fmt.Errorf("evaluation canceled: %w", r.parent.Err())
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		err = fmt.Errorf("evaluation timed out: the record's jq took more than %v", r.m.opts.Timeout)
	case errors.Is(context.Cause(ctx), errHeapBudget):
		err = fmt.Errorf("evaluation stopped: the record's jq grew the heap by more than its limit of %d bytes", r.m.opts.MaxEvalBytes)
	default:
		err = ctx.Err()
	}
	// The record's result is incomplete: say so once, so the caller never
	// mistakes it for a record no mapping applies to.
	if r.res.Interrupted == "" {
		r.res.Interrupted = err.Error()
	}
	return err
}

// evalNode evaluates a mapping value. ok is false when a jq leaf produced no
// output; omit drops such keys from objects (Port's webhook runner returns
// undefined, which JSON leaves out) instead of setting null (Ocean's None).
func (r *run) evalNode(idx int, n *node, input any, omit bool) (any, bool) {
	switch {
	case n.expr != nil:
		v, ok, _ := r.eval(idx, n.expr, input)
		return v, ok
	case n.isObj:
		out := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			v, ok := r.evalNode(idx, n.kids[i], input, omit)
			if !ok && omit {
				continue
			}
			out[k] = v
		}
		return out, true
	case n.isArr:
		out := make([]any, len(n.kids))
		for i, kid := range n.kids {
			out[i], _ = r.evalNode(idx, kid, input, omit)
		}
		return out, true
	default:
		return n.lit, true
	}
}

// walkPath evaluates a plain path (.a.b.c) as jq does for objects and null.
// It reports false when it meets another type, so gojq can raise jq's error.
func walkPath(v any, path []string) (any, bool) {
	for _, k := range path {
		switch o := v.(type) {
		case map[string]any:
			v = o[k]
		case nil:
			return nil, true
		default:
			return nil, false
		}
	}
	return v, true
}

// exceeds reports whether v's JSON encoding would be longer than limit bytes,
// estimated cheaply and abandoned as soon as the limit is passed.
func exceeds(v any, limit int) bool {
	n := 0
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case string:
			n += len(v) + 2
		case []any:
			n += 2
			for _, e := range v {
				if walk(e) {
					return true
				}
				n++
			}
		case map[string]any:
			n += 2
			for k, e := range v {
				n += len(k) + 4
				if walk(e) {
					return true
				}
			}
		default:
			n += 8
		}
		return n > limit
	}
	return walk(v)
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case int, int64, float64, uint64:
		return "a number"
	default:
		if _, ok := gojq.ToFloat64(v); ok {
			return "a number"
		}
		return fmt.Sprintf("%T", v)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
