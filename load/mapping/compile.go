package mapping

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/itchyny/gojq"
)

// expr is one compiled jq expression of a mapping.
type expr struct {
	field string // mapping field, "entity.properties.email"
	src   string // the text that compiled (after quote handling)
	code  *gojq.Code
	// native evaluates common idioms in Go (see idioms.go); it reports
	// false when gojq must run to produce jq's value or error.
	native func(any) (any, bool)
	// stripOf is set for X | del(.. | nulls): the value is X's, stripped.
	stripOf *expr
	errs    *atomic.Int64
	// every keeps every output, not the first (Ocean relations such as
	// .groups[]?.id, a stream of identifiers for a many relation): an
	// expression that iterates gives the array of its outputs, one or
	// more; another gives its one output, or an array when it has several.
	every bool
	// iterates says the canonical query holds an iteration ([]).
	iterates bool
}

// node is a mapping value: a jq expression (string), an object or array of
// nodes (search queries, nested properties), or a literal passed through.
type node struct {
	expr  *expr
	keys  []string // object keys, sorted; kids holds their nodes
	kids  []*node  // object values or array elements
	isArr bool
	isObj bool
	lit   any
}

// compiler compiles the expressions of one mapping file and registers each
// field's error counter.
type compiler struct {
	dialect Dialect
	source  string
	log     *slog.Logger
	// limit bounds a value one jq step may build (Options.MaxEvalBytes);
	// 0 leaves jq unguarded.
	limit int
}

// expr compiles src. Webhook expressions first get Port's single-quote
// rewrite (as Port's runner does); Ocean expressions run as written (Ocean
// uses jq directly). When that fails, the other form and then the inside of a
// wholly single-quoted expression are tried, so '"okta_user"' means
// "okta_user"; the error reported is the first form's.
func (c *compiler) expr(src, where, field string, stats *ruleStats) (*expr, error) {
	primary, secondary := portQuotes(src), src
	if c.dialect == Ocean {
		primary, secondary = src, portQuotes(src)
	}
	candidates := []string{primary}
	if secondary != primary {
		candidates = append(candidates, secondary)
	}
	if inner, ok := unwrapSingleQuoted(src); ok {
		candidates = append(candidates, inner)
	}
	var firstErr error
	for i, cand := range candidates {
		e, err := newExpr(cand, field, c.limit, stats.counter(field))
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if i > 0 {
			c.log.Warn("mapping expression compiled only after quote fallback",
				"source", c.source, "field", where+"."+field, "expression", src, "compiled", cand)
		}
		return e, nil
	}
	return nil, fmt.Errorf("%s: %s.%s: compiling %q: %w", c.source, where, field, src, firstErr)
}

// newExpr compiles src and attaches the Go evaluation of its idiom, if any.
// limit > 0 bounds the values its jq may build in one step (see budget.go).
func newExpr(src, field string, limit int, errs *atomic.Int64) (*expr, error) {
	q, err := gojq.Parse(src)
	if err != nil {
		return nil, err
	}
	canon := q.String() // before compileJQ adds its definitions to q
	code, err := compileJQ(q, limit)
	if err != nil {
		return nil, err
	}
	e := &expr{field: field, src: src, code: code, errs: errs, iterates: strings.Contains(canon, "[]")}
	if prefix, ok := stripPrefix(canon); ok {
		if e.stripOf, err = newExpr(prefix, field, limit, errs); err != nil {
			return nil, err
		}
	} else {
		e.native = nativeFor(canon)
	}
	return e, nil
}

func compileJQ(q *gojq.Query, limit int) (*gojq.Code, error) {
	defs := compatDefs
	opts := []gojq.CompilerOption{
		// Port runs jq with env and $ENV bound to {} (jq-node-bindings prefixes
		// `def env: {}; {} as $ENV |`); an empty environ does the same in gojq.
		gojq.WithEnvironLoader(func() []string { return nil }),
		gojq.WithFunction("_jq_ltrimstr", 1, 1, jqTrimFunc(strings.TrimPrefix)),
		gojq.WithFunction("_jq_rtrimstr", 1, 1, jqTrimFunc(strings.TrimSuffix)),
	}
	if limit > 0 {
		guards, err := guardFunctions(limit)
		if err != nil {
			return nil, err
		}
		guardOperators(q)
		defs = guardDefs + defs
		opts = append(opts, guards...)
	}
	compat, err := gojq.Parse(defs)
	if err != nil {
		return nil, fmt.Errorf("parsing jq compatibility definitions: %w", err)
	}
	// The user's own definitions come later and so shadow ours.
	q.FuncDefs = append(compat.FuncDefs, q.FuncDefs...)
	return gojq.Compile(q, opts...)
}

// compatDefs restore jq's (1.6 and 1.7, which Port runs) behaviour where gojq
// differs on values mappings meet every day: jq's ltrimstr and rtrimstr
// return a non-string input unchanged (`null | ltrimstr("x")` is null), gojq
// raises an error. Builtins win over WithFunction in gojq, hence the defs.
const compatDefs = `def ltrimstr($x): _jq_ltrimstr($x); def rtrimstr($x): _jq_rtrimstr($x); ` +
	// recurse (and so ..) is jq's recurse(.[]?), written without the
	// suppressed error on every scalar: gojq formats each one, which made
	// del(.. | nulls) several times slower. Same outputs, same paths.
	`def recurse: def r: ., (if type == "object" or type == "array" then .[] | r else empty end); r; .`

func jqTrimFunc(trim func(s, fix string) string) func(any, []any) any {
	return func(v any, args []any) any {
		s, ok1 := v.(string)
		fix, ok2 := args[0].(string)
		if !ok1 || !ok2 {
			return v
		}
		return trim(s, fix)
	}
}

// node compiles a mapping value: strings are jq, objects and arrays recurse
// (Port evaluates every string leaf of a search query: "'and'", "'='",
// ".body.id"), other scalars are literals.
func (c *compiler) node(v any, where, field string, stats *ruleStats) (*node, error) {
	switch v := v.(type) {
	case string:
		e, err := c.expr(v, where, field, stats)
		if err != nil {
			return nil, err
		}
		return &node{expr: e}, nil
	case map[string]any:
		n := &node{isObj: true, keys: sortedKeys(v)}
		for _, k := range n.keys {
			kid, err := c.node(v[k], where, field+"."+k, stats)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kid)
		}
		return n, nil
	case []any:
		n := &node{isArr: true}
		for i, e := range v {
			kid, err := c.node(e, where, fmt.Sprintf("%s[%d]", field, i), stats)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kid)
		}
		return n, nil
	default:
		return &node{lit: v}, nil
	}
}

// fields compiles a map of named nodes (properties, relations).
func (c *compiler) fields(v any, where, field string, stats *ruleStats) ([]string, []*node, error) {
	if v == nil {
		return nil, nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("%s: %s.%s: expected an object of jq expressions, got %s", c.source, where, field, typeName(v))
	}
	keys := sortedKeys(m)
	nodes := make([]*node, len(keys))
	for i, k := range keys {
		n, err := c.node(m[k], where, field+"."+k, stats)
		if err != nil {
			return nil, nil, err
		}
		nodes[i] = n
	}
	return keys, nodes, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
