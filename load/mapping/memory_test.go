package mapping

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/itchyny/gojq"
	"github.com/oktalake/oktalake/internal/heap"
)

// TestHostileJQIsMemoryBounded runs expressions that build huge values,
// in one step (string repetition, concatenation, encoding a value full of
// shared references) or step by step (collecting millions of values): each
// is stopped with an error naming the limit, and the heap never grows far
// past the budget. Without the guards each grows the heap by 130-500 MB
// within the time budget (and the last two would take their whole size).
func TestHostileJQIsMemoryBounded(t *testing.T) {
	const budget = 4 << 20
	hostile := []string{
		`"x" * 300000000`,
		`300000000 * "x"`,
		`reduce range(27) as $i ("x"; . + .) | length`,
		`reduce range(24) as $i ([1]; . + .) | length`,
		`{"a": "x"} | reduce range(27) as $i (.; .a += .a) | .a | length`,
		`"x" * 1000000 as $x | [range(300) | $x] | tojson | length`,
		`"x" * 1000000 as $x | [range(300) | $x] | "\(.)" | length`,
		`"x" * 1000000 as $x | [range(300) | $x] | add | length`,
		`[range(300) | "y"] | join("x" * 1000000) | length`,
		`[range(2000000) | "x" * 100] | length`,
		`[range(5000000)] | length`,
	}
	for _, expr := range hostile {
		t.Run(expr, func(t *testing.T) {
			doc, _ := json.Marshal([]any{map[string]any{"blueprint": "b", "entity": map[string]any{"identifier": ".body.id", "properties": map[string]any{"p": expr}}}})
			opts := quietOptions()
			opts.Timeout = 20 * time.Second // the memory bound, not the clock, must stop them
			opts.MaxEvalBytes = budget
			m, err := Parse(doc, "hostile.json", opts)
			if err != nil {
				t.Fatal(err)
			}
			var res Result
			start := time.Now()
			growth := heap.PeakGrowth(func() { res = applyUser(t, m) })
			t.Logf("heap grew by %d MiB in %v", growth>>20, time.Since(start).Round(time.Millisecond))
			var msgs []string
			for _, e := range res.Errors {
				msgs = append(msgs, e.Err)
			}
			if !strings.Contains(strings.Join(msgs, " ")+res.Interrupted, strconv.Itoa(budget)) {
				t.Errorf("errors %q, interrupted %q: want one naming the %d-byte limit", msgs, res.Interrupted, budget)
			}
			if growth > 8*budget {
				t.Errorf("the heap grew by %d MiB, want at most %d MiB", growth>>20, 8*budget>>20)
			}
		})
	}
}

// TestGuardedOperatorsKeepJQSemantics: the size-checked +, * and builtins
// give exactly gojq's outputs, in gojq's order, and gojq's errors.
func TestGuardedOperatorsKeepJQSemantics(t *testing.T) {
	exprs := []string{
		`[(1,2) * (10,20)]`, `[(1,2) + (10,20)]`, `["a","b"] + ["c"]`, `{"a":{"b":1}} * {"a":{"c":2}}`,
		`null + 1`, `1 + null`, `{"a":1} + {"b":2}`, `"ab" * 0`, `"ab" * 2.5`, `"ab" * -1`, `2 * "ab"`, `1e308 * 10`,
		`try ("a" * {}) catch .`, `try ({} + 1) catch .`, `try ([] + "a") catch .`,
		`.a += 1`, `.a *= 3`, `.s += "!"`, `.[] += 1`, `"\(1)x\([1,2])\(.s)"`, `@json "x\(.)"`, `@text "\(.a)"`,
		`[1,[2,[3]]] | flatten`, `[1,[2,[3]]] | flatten(1)`, `[1,2] | join("-")`, `[1, null, "a", true] | join(",")`,
		`try ([[1]] | join(",")) catch .`, `["a","b"] | add`, `[] | add`, `[{"a":1},{"b":2}] | add`, `tojson`, `tostring`, `.s | tostring`,
		`[paths]`, `[.a, .s] | tojson`, `reduce range(5) as $i (0; . + $i)`, `[limit(3; repeat("x"))] | add`,
		`def f: . * 2; [3 | f]`, `[.[] | tostring]`, `try error("x" + "y") catch .`,
		`"ab" * 3`, `3 * "ab"`, `"ab" * 1.9`, `"" * 5`, `"a" * nan`, `[] + [1]`, `[1] + []`, `{} + {"a":1}`, `.x + .y`,
		`1 + 2`, `1.5 + 2`, `9223372036854775807 + 1`, `[1,2] * 2`, `try (null * 2) catch .`, `{"a":1} * {"a":{"b":2}}`,
		`[.[] | tojson]`, `"\(.)"`, `[1, "a", null] | map(tostring)`,
	}
	input := map[string]any{"a": 1, "s": "str"}
	for _, expr := range exprs {
		t.Run(expr, func(t *testing.T) {
			want := runPlain(t, expr, input)
			q, err := gojq.Parse(expr)
			if err != nil {
				t.Fatal(err)
			}
			code, err := compileJQ(q, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			got := collect(code.Run(input))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("guarded %s = %v, gojq gives %v", expr, got, want)
			}
		})
	}
}

func runPlain(t *testing.T, expr string, input any) []string {
	t.Helper()
	q, err := gojq.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		t.Fatal(err)
	}
	return collect(code.Run(input))
}

// collect renders every output (errors by message) for comparison.
func collect(it gojq.Iter) []string {
	var out []string
	for {
		v, ok := it.Next()
		if !ok {
			return out
		}
		if err, isErr := v.(error); isErr {
			out = append(out, "error: "+err.Error())
			continue
		}
		out = append(out, fmt.Sprintf("%#v", v))
	}
}

// TestMemoryWatchOnlyForSlowRecords: a record mapped quickly never starts
// the heap watch, so the common path pays nothing for it.
func TestMemoryWatchOnlyForSlowRecords(t *testing.T) {
	m := mustParse(t, `[{"blueprint": "b", "entity": {"identifier": ".body.id", "properties": {"n": ".body.profile | length", "s": "\"a\" + .body.id"}}}]`)
	// A busy machine may stall a record past watchAfter now and then: such
	// a record may be watched; a fast one never is.
	slow := 0
	for range 100 {
		start := time.Now()
		res := m.Apply(context.Background(), json.RawMessage(userRecord), objectKey("users"))
		if time.Since(start) >= watchAfter {
			slow++
		}
		if len(res.Errors) != 0 || res.Interrupted != "" {
			t.Fatalf("%+v", res)
		}
	}
	if n := m.watches.Load(); n > int64(slow) {
		t.Errorf("%d heap watches started for 100 records of which %d ran past %v", n, slow, watchAfter)
	}
	if slow > 50 {
		t.Fatalf("%d of 100 records ran past %v: the machine is too slow for this test to say anything", slow, watchAfter)
	}
}
