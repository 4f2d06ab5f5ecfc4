package porttest

import (
	"encoding/json"
	"fmt"
	"sort"
)

// applyRelations validates relation values against the blueprint and sets
// them on e. It returns the missing targets to create as stubs, by blueprint.
func (s *Server) applyRelations(bp *blueprint, e *Entity, rels map[string]any, createMissing bool) (map[string][]string, *entityError) {
	stubs := map[string][]string{}
	names := make([]string, 0, len(rels))
	for name := range rels {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := rels[name]
		def, ok := bp.relations[name]
		if !ok {
			return nil, invalid("unknown_relation", "relation %q is not defined in blueprint %q", name, bp.id)
		}
		ids, keep, err := s.relationTargets(name, def, v)
		if err != nil {
			return nil, err
		}
		if v == nil {
			delete(e.Relations, name)
			continue
		}
		for _, tid := range ids {
			if _, ok := s.entities[def.Target][tid]; ok {
				continue
			}
			if !createMissing {
				return nil, invalid("related_entity_not_found", "relation %q: entity %q of blueprint %q was not found", name, tid, def.Target)
			}
			stubs[def.Target] = append(stubs[def.Target], tid)
		}
		e.Relations[name] = keep
	}
	for name, def := range bp.relations {
		if !def.Required {
			continue
		}
		if v, ok := e.Relations[name]; !ok || v == nil || isEmptyList(v) {
			return nil, invalid("missing_required_relations", "required relation %q is missing", name)
		}
	}
	return stubs, nil
}

// relationTargets checks a relation value's shape (one: a string; many: an
// array of strings; either: a search query) and returns the identifiers it
// names and the value to store.
func (s *Server) relationTargets(name string, def relation, v any) (ids []string, keep any, err *entityError) {
	switch x := v.(type) {
	case nil:
		return nil, nil, nil
	case string:
		if def.Many {
			return nil, nil, invalid("invalid_relation_value", "relation %q is many: want an array of identifiers, got a string", name)
		}
		if !validEntityID(x) {
			return nil, nil, invalid("invalid_relation_value", "relation %q: identifier %q does not match Port's identifier rule", name, x)
		}
		return []string{x}, x, nil
	case []any:
		if !def.Many {
			return nil, nil, invalid("invalid_relation_value", "relation %q is single: want an identifier, got an array", name)
		}
		out := make([]any, 0, len(x))
		for _, item := range x {
			sid, ok := item.(string)
			if !ok || !validEntityID(sid) {
				return nil, nil, invalid("invalid_relation_value", "relation %q: %v is not a valid identifier", name, item)
			}
			ids = append(ids, sid)
			out = append(out, sid)
		}
		return ids, out, nil
	case map[string]any:
		s.stats.SearchQueries++
		found, ok := s.resolveQuery(def.Target, x)
		if !ok {
			s.recordUnresolved(x)
			return nil, x, nil
		}
		if def.Many {
			out := make([]any, 0, len(found))
			for _, f := range found {
				out = append(out, f)
			}
			return nil, out, nil
		}
		if len(found) != 1 {
			b, _ := json.Marshal(x)
			return nil, nil, invalid("related_entity_not_found", "relation %q: query %s matched %d entities of blueprint %q, want 1", name, b, len(found), def.Target)
		}
		return nil, found[0], nil
	}
	return nil, nil, invalid("invalid_relation_value", "relation %q has a value of type %s", name, jsonType(v))
}

// checkRouteSchema applies the parts of Port's route schema that reject a
// whole bulk request before any entity is processed: each entity is an
// object whose identifier and relation values follow the identifier rule,
// and whose title and icon are strings.
func checkRouteSchema(entities []json.RawMessage) error {
	for i, raw := range entities {
		var e map[string]any
		if json.Unmarshal(raw, &e) != nil || e == nil {
			return fmt.Errorf("body/entities/%d must be object", i)
		}
		switch id := e["identifier"].(type) {
		case string:
			if !validEntityID(id) {
				return fmt.Errorf("body/entities/%d/identifier %q must match the identifier rule", i, id)
			}
		case map[string]any:
		default:
			return fmt.Errorf("body/entities/%d/identifier must be a string or a search query", i)
		}
		for _, k := range []string{"title", "icon"} {
			if v, ok := e[k]; ok {
				if _, isString := v.(string); !isString {
					return fmt.Errorf("body/entities/%d/%s must be string", i, k)
				}
			}
		}
		rels, _ := e["relations"].(map[string]any)
		for name, v := range rels {
			if !routeRelationValue(v) {
				return fmt.Errorf("body/entities/%d/relations/%s must be an identifier, an array of identifiers, null or a search query", i, name)
			}
		}
	}
	return nil
}

func routeRelationValue(v any) bool {
	switch x := v.(type) {
	case nil, map[string]any:
		return true
	case string:
		return validEntityID(x)
	case []any:
		for _, item := range x {
			if s, ok := item.(string); !ok || s == "." || s == ".." || !entityIDChars.MatchString(s) {
				return false
			}
		}
		return true
	}
	return false
}

func isEmptyList(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) == 0
}
