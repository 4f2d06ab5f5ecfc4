package porttest

import (
	"encoding/json"
	"reflect"
	"sort"
)

// resolveQuery evaluates a Port search query ({combinator, rules}) against
// the stored entities of a blueprint (caller holds mu). Rules with operator
// "=" or "in" on $identifier, $title or a property are resolved; anything
// else makes ok false and the caller keeps the query as sent.
func (s *Server) resolveQuery(bpID string, q map[string]any) (ids []string, ok bool) {
	match, ok := compileQuery(q)
	if !ok {
		return nil, false
	}
	for id, e := range s.entities[bpID] {
		if match(e) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, true
}

type matcher func(*Entity) bool

func compileQuery(q map[string]any) (matcher, bool) {
	comb, _ := q["combinator"].(string)
	rules, _ := q["rules"].([]any)
	if (comb != "and" && comb != "or") || len(rules) == 0 {
		return nil, false
	}
	var ms []matcher
	for _, r := range rules {
		rule, ok := r.(map[string]any)
		if !ok {
			return nil, false
		}
		m, ok := compileRule(rule)
		if !ok {
			return nil, false
		}
		ms = append(ms, m)
	}
	return func(e *Entity) bool {
		for _, m := range ms {
			if m(e) == (comb == "or") {
				return comb == "or"
			}
		}
		return comb == "and"
	}, true
}

func compileRule(rule map[string]any) (matcher, bool) {
	if _, nested := rule["combinator"]; nested {
		return compileQuery(rule)
	}
	prop, _ := rule["property"].(string)
	if prop == "" {
		return nil, false
	}
	value := rule["value"]
	switch rule["operator"] {
	case "=":
		return func(e *Entity) bool { return reflect.DeepEqual(field(e, prop), value) }, true
	case "in":
		list, ok := value.([]any)
		if !ok {
			return nil, false
		}
		return func(e *Entity) bool { return inEnum(list, field(e, prop)) }, true
	}
	return nil, false
}

func field(e *Entity, prop string) any {
	switch prop {
	case "$identifier":
		return e.Identifier
	case "$title":
		return e.Title
	}
	return e.Properties[prop]
}

// recordUnresolved keeps a query the simulator could not evaluate (caller holds mu).
func (s *Server) recordUnresolved(q any) {
	b, _ := json.Marshal(q)
	s.stats.UnresolvedQueries = append(s.stats.UnresolvedQueries, string(b))
}
