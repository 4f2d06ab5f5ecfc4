package porttest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// relationOps are the operators the simulator resolves in search queries
// used as identifiers and relation values; others are kept as sent.
var relationOps = opSet("=", "in")

// searchOps are the rule operators of Port's entity search ("Search &
// query": string and equality rules) that the simulator evaluates; a query
// with any other (between, containsAny, relation rules …) is refused with
// 422 rather than answered wrongly.
var searchOps = opSet("=", "!=", "in", "notIn", "contains", "doesNotContains", "beginsWith",
	"doesNotBeginsWith", "endsWith", "doesNotEndsWith", "isEmpty", "isNotEmpty")

func opSet(ops ...string) map[string]bool {
	m := map[string]bool{}
	for _, op := range ops {
		m[op] = true
	}
	return m
}

// resolveQuery evaluates a Port search query ({combinator, rules}) against
// the stored entities of a blueprint (caller holds mu). Rules with operator
// "=" or "in" on $identifier, $title or a property are resolved; anything
// else makes ok false and the caller keeps the query as sent.
func (s *Server) resolveQuery(bpID string, q map[string]any) (ids []string, ok bool) {
	if rules, _ := q["rules"].([]any); len(rules) == 0 {
		return nil, false
	}
	match, err := compileQuery(q, relationOps)
	if err != nil {
		return nil, false
	}
	for id, e := range s.entities[bpID] {
		if match(bpID, e) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, true
}

// matcher tells whether entity e of blueprint bp satisfies a query.
type matcher func(bp string, e *Entity) bool

// compileQuery compiles {combinator, rules} with rules using the allowed
// operators. A combinator with no rules holds for every entity.
func compileQuery(q map[string]any, allowed map[string]bool) (matcher, error) {
	comb, _ := q["combinator"].(string)
	if comb != "and" && comb != "or" {
		return nil, fmt.Errorf("combinator must be \"and\" or \"or\", got %v", q["combinator"])
	}
	rules, ok := q["rules"].([]any)
	if !ok && q["rules"] != nil {
		return nil, fmt.Errorf("rules must be an array")
	}
	var ms []matcher
	for i, r := range rules {
		rule, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("rules[%d] is not an object", i)
		}
		m, err := compileRule(rule, allowed)
		if err != nil {
			return nil, fmt.Errorf("rules[%d]: %w", i, err)
		}
		ms = append(ms, m)
	}
	if len(ms) == 0 {
		return func(string, *Entity) bool { return true }, nil
	}
	return func(bp string, e *Entity) bool {
		for _, m := range ms {
			if m(bp, e) == (comb == "or") {
				return comb == "or"
			}
		}
		return comb == "and"
	}, nil
}

func compileRule(rule map[string]any, allowed map[string]bool) (matcher, error) {
	if _, nested := rule["combinator"]; nested {
		return compileQuery(rule, allowed)
	}
	op, _ := rule["operator"].(string)
	if !allowed[op] {
		return nil, fmt.Errorf("operator %q is not supported by the simulator", op)
	}
	prop, _ := rule["property"].(string)
	if prop == "" {
		return nil, fmt.Errorf("only property rules are supported by the simulator, got %v", rule)
	}
	value := rule["value"]
	str, isStr := value.(string)
	text := func(e *Entity, bp string) (string, bool) {
		s, ok := field(bp, e, prop).(string)
		return s, ok
	}
	switch op {
	case "=", "!=":
		eq := op == "="
		return func(bp string, e *Entity) bool { return reflect.DeepEqual(field(bp, e, prop), value) == eq }, nil
	case "in", "notIn":
		list, ok := value.([]any)
		if !ok {
			return nil, fmt.Errorf("operator %s needs an array value", op)
		}
		in := op == "in"
		return func(bp string, e *Entity) bool { return inEnum(list, field(bp, e, prop)) == in }, nil
	case "isEmpty", "isNotEmpty":
		empty := op == "isEmpty"
		return func(bp string, e *Entity) bool { return isEmptyValue(field(bp, e, prop)) == empty }, nil
	}
	if !isStr {
		return nil, fmt.Errorf("operator %s needs a string value", op)
	}
	test, negate := map[string]func(string, string) bool{
		"contains": strings.Contains, "doesNotContains": strings.Contains,
		"beginsWith": strings.HasPrefix, "doesNotBeginsWith": strings.HasPrefix,
		"endsWith": strings.HasSuffix, "doesNotEndsWith": strings.HasSuffix,
	}[op], strings.HasPrefix(op, "doesNot")
	return func(bp string, e *Entity) bool {
		v, ok := text(e, bp)
		return ok && test(v, str) != negate
	}, nil
}

func field(bp string, e *Entity, prop string) any {
	switch prop {
	case "$identifier":
		return e.Identifier
	case "$title":
		return e.Title
	case "$blueprint":
		return bp
	}
	return e.Properties[prop]
}

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// recordUnresolved keeps a query the simulator could not evaluate (caller holds mu).
func (s *Server) recordUnresolved(q any) {
	b, _ := json.Marshal(q)
	s.stats.UnresolvedQueries = append(s.stats.UnresolvedQueries, string(b))
}
