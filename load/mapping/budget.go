package mapping

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/itchyny/gojq"
	"github.com/oktalake/oktalake/internal/heap"
)

// Memory bounds. gojq has no allocation hook, and one jq step can allocate
// gigabytes: `"x" * 2000000000` is a single strings.Repeat, `. + .` doubles
// a string in a reduce, tojson encodes an array of a thousand references to
// one megabyte string as a gigabyte. So the steps that build values far
// bigger than their inputs are checked before they run, and a watch on the
// heap stops evaluations that grow it step by step ([range(1e9)]).
//
// The checks are at the AST and definition level, not inside gojq:
//   - the binary + and * are rewritten into calls of _oktalake_add and
//     _oktalake_multiply, which check sizes, compute the common cases
//     (strings, arrays, objects) as gojq does and hand the rest to gojq's
//     own operator (gojq compiles operators straight to its internals, so
//     only a rewrite reaches them); += and *= call _add and _multiply by
//     name, which our definitions shadow;
//   - tojson and tostring (so string interpolation, @json and @text too)
//     are computed in Go with gojq.Marshal after a size check; join, add
//     and flatten are shadowed by definitions that check the size of what
//     they would build, then call the builtin, bound under another name
//     before the shadowing definition exists.

// guardDefs are prepended to every expression (before compatDefs).
// Builtins win over WithFunction in gojq, hence definitions that call ours.
const guardDefs = `def _add(l; r): _oktalake_add(l; r); def _multiply(l; r): _oktalake_multiply(l; r); ` +
	`def tojson: _oktalake_tojson; def tostring: _oktalake_tostring; ` +
	`def _oktalake_join($x): join($x); def join($x): _oktalake_join_check($x) | _oktalake_join($x); ` +
	`def _oktalake_add: add; def add: _oktalake_size_check | _oktalake_add; ` +
	`def _oktalake_flatten: flatten; def flatten: _oktalake_size_check | _oktalake_flatten; ` +
	`def _oktalake_flatten($d): flatten($d); def flatten($d): _oktalake_size_check | _oktalake_flatten($d); `

// Approximate memory of one element of a built array or object.
const (
	arraySlotBytes  = 16
	objectSlotBytes = 64
)

// guardFunctions are the Go functions guardDefs and guardOperators call;
// limit is the largest value (in approximate bytes) one step may build.
func guardFunctions(limit int) ([]gojq.CompilerOption, error) {
	// gojq's own operators, for the cases computed below only by them
	// (numbers, nulls, deep merges and the type errors).
	nativeAdd, err := compileOperands(".[0] + .[1]")
	if err != nil {
		return nil, err
	}
	nativeMultiply, err := compileOperands(".[0] * .[1]")
	if err != nil {
		return nil, err
	}
	over := func(what string, n float64) error {
		return fmt.Errorf("%s would build about %.0f bytes, over the mapping's limit of %d bytes per value", what, n, limit)
	}
	tooBig := func(v any) error {
		if exceeds(v, limit) {
			return fmt.Errorf("encoding a value of more than %d bytes, the mapping's limit per value", limit)
		}
		return nil
	}
	return []gojq.CompilerOption{
		gojq.WithFunction("_oktalake_add", 2, 2, func(_ any, args []any) any {
			l, r := args[0], args[1]
			if n := addedBytes(l, r); n > float64(limit) {
				return over("adding", n)
			}
			if v, ok := addCommon(l, r); ok {
				return v
			}
			return nativeAdd(l, r)
		}),
		gojq.WithFunction("_oktalake_multiply", 2, 2, func(_ any, args []any) any {
			l, r := args[0], args[1]
			s, count, ok := repetition(l, r)
			if !ok {
				return nativeMultiply(l, r)
			}
			if n := float64(len(s)) * count; n > float64(limit) {
				return over(fmt.Sprintf("repeating a string of %d bytes %.0f times", len(s), count), n)
			}
			if count < 0 || count >= math.MaxInt32 || float64(len(s))*count >= math.MaxInt32 {
				return nativeMultiply(l, r)
			}
			return strings.Repeat(s, int(count)) // gojq's repeatString for these counts
		}),
		gojq.WithFunction("_oktalake_tojson", 0, 0, func(v any, _ []any) any {
			if err := tooBig(v); err != nil {
				return err
			}
			b, _ := gojq.Marshal(v)
			return string(b)
		}),
		gojq.WithFunction("_oktalake_tostring", 0, 0, func(v any, _ []any) any {
			if s, isStr := v.(string); isStr {
				return s
			}
			if err := tooBig(v); err != nil {
				return err
			}
			b, _ := gojq.Marshal(v)
			return string(b)
		}),
		gojq.WithFunction("_oktalake_size_check", 0, 0, func(v any, _ []any) any {
			if err := tooBig(v); err != nil {
				return err
			}
			return v
		}),
		gojq.WithFunction("_oktalake_join_check", 1, 1, func(v any, args []any) any {
			sep, _ := args[0].(string)
			if a, ok := v.([]any); ok && (float64(len(sep))*float64(len(a)) > float64(limit) || exceeds(v, limit)) {
				return fmt.Errorf("joining into more than %d bytes, the mapping's limit per value", limit)
			}
			return v
		}),
	}, nil
}

// compileOperands compiles a query on [l, r] and returns a function that
// runs it on two operands, giving its first output (or error).
func compileOperands(src string) (func(l, r any) any, error) {
	q, err := gojq.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", src, err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("compiling %s: %w", src, err)
	}
	return func(l, r any) any {
		v, _ := code.Run([]any{l, r}).Next()
		return v
	}, nil
}

// addCommon computes l + r as gojq's operator does for two strings, two
// arrays or two objects; ok is false for any other operands.
func addCommon(l, r any) (v any, ok bool) {
	switch l := l.(type) {
	case string:
		if r, ok := r.(string); ok {
			return l + r, true
		}
	case []any:
		if r, ok := r.([]any); ok {
			switch {
			case len(l) == 0:
				return r, true
			case len(r) == 0:
				return l, true
			}
			out := make([]any, len(l)+len(r))
			copy(out, l)
			copy(out[len(l):], r)
			return out, true
		}
	case map[string]any:
		if r, ok := r.(map[string]any); ok {
			switch {
			case len(l) == 0:
				return r, true
			case len(r) == 0:
				return l, true
			}
			out := make(map[string]any, len(l)+len(r))
			maps.Copy(out, l)
			maps.Copy(out, r)
			return out, true
		}
	}
	return nil, false
}

// repetition recognises string * number (either way round) with a plain
// int or float64 count, the one multiplication that can build a value far
// bigger than its operands.
func repetition(l, r any) (s string, count float64, ok bool) {
	if s, isStr := l.(string); isStr {
		switch n := r.(type) {
		case int:
			return s, float64(n), true
		case float64:
			return s, n, !math.IsNaN(n)
		}
	}
	if s, isStr := r.(string); isStr {
		switch n := l.(type) {
		case int:
			return s, float64(n), true
		case float64:
			return s, n, !math.IsNaN(n)
		}
	}
	return "", 0, false
}

// addedBytes estimates what l + r allocates: the new string, or the slots
// of the new array or object (elements are shared, not copied).
func addedBytes(l, r any) float64 {
	switch l := l.(type) {
	case string:
		if r, ok := r.(string); ok {
			return float64(len(l) + len(r))
		}
	case []any:
		if r, ok := r.([]any); ok {
			return float64(len(l)+len(r)) * arraySlotBytes
		}
	case map[string]any:
		if r, ok := r.(map[string]any); ok {
			return float64(len(l)+len(r)) * objectSlotBytes
		}
	}
	return 0
}

var queryType = reflect.TypeOf(gojq.Query{})

// guardOperators rewrites every binary + and * in q (its definitions
// included) into calls of _oktalake_add and _oktalake_multiply.
func guardOperators(q *gojq.Query) {
	walkQueries(reflect.ValueOf(q), func(q *gojq.Query) {
		var name string
		switch q.Op {
		case gojq.OpAdd:
			name = "_oktalake_add"
		case gojq.OpMul:
			name = "_oktalake_multiply"
		default:
			return
		}
		call := &gojq.Term{Type: gojq.TermTypeFunc, Func: &gojq.Func{Name: name, Args: []*gojq.Query{q.Left, q.Right}}}
		q.Left, q.Op, q.Right, q.Term = nil, 0, nil, call
	})
}

// walkQueries calls f on every *gojq.Query reachable from v, children
// first. Reflection keeps it independent of the AST's many node types.
func walkQueries(v reflect.Value, f func(*gojq.Query)) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		walkQueries(v.Elem(), f)
		if v.Type().Elem() == queryType {
			f(v.Interface().(*gojq.Query))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkQueries(v.Field(i), f)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkQueries(v.Index(i), f)
		}
	}
}

// errHeapBudget stops an evaluation that grew the heap past its budget.
var errHeapBudget = errors.New("heap budget exceeded")

// watchAfter is how long an evaluation runs before its heap is watched:
// records mapped faster (nearly all) never start a watch.
const watchAfter = 5 * time.Millisecond

// watchHeap stops the evaluation (stop) once the heap has grown by budget
// bytes since the watch began, until ctx is done. Heap objects include
// garbage not yet collected, so a crossing is confirmed after a collection
// before the evaluation is stopped. The heap is shared: other goroutines'
// memory counts too, which is what a bound on the process needs.
func watchHeap(ctx context.Context, budget uint64, stop context.CancelCauseFunc) {
	base := heap.Objects()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if heap.Objects() < base+budget {
			continue
		}
		live := heap.Live()
		if live >= base+budget {
			stop(errHeapBudget)
			return
		}
		// The base held garbage too: the collection shows the heap was
		// never bigger than live since the watch began.
		base = min(base, live)
	}
}
