package porttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
)

// Entity is an entity as the simulator stores and returns it.
type Entity struct {
	Identifier string         `json:"identifier"`
	Title      string         `json:"title,omitempty"`
	Icon       string         `json:"icon,omitempty"`
	Team       any            `json:"team,omitempty"`
	Properties map[string]any `json:"properties"`
	Relations  map[string]any `json:"relations"`
}

// maxBulkEntities is Port's limit on entities per bulk upsert.
const maxBulkEntities = 20

// Entities returns copies of a blueprint's entities, sorted by identifier.
func (s *Server) Entities(blueprint string) []Entity {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.entities[blueprint]))
	for id := range s.entities[blueprint] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]Entity, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.entities[blueprint][id].clone())
	}
	return out
}

// Entity returns a copy of one entity.
func (s *Server) Entity(blueprint, identifier string) (Entity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entities[blueprint][identifier]
	if !ok {
		return Entity{}, false
	}
	return e.clone(), true
}

// Blueprint returns a stored blueprint as Port would return it.
func (s *Server) Blueprint(identifier string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bp, ok := s.blueprints[identifier]
	if !ok {
		return nil, false
	}
	b, _ := json.Marshal(bp.render())
	return b, true
}

// clone deep-copies through JSON so callers never share maps with the store.
func (e *Entity) clone() Entity {
	b, _ := json.Marshal(e)
	var out Entity
	_ = json.Unmarshal(b, &out)
	return out
}

type upsertParams struct {
	upsert, merge, createMissing, validationOnly bool
}

type bulkResult struct {
	Identifier string `json:"identifier"`
	Index      int    `json:"index"`
	Created    bool   `json:"created"`
}

type bulkError struct {
	Identifier string `json:"identifier"`
	Index      int    `json:"index"`
	StatusCode int    `json:"statusCode"`
	Error      string `json:"error"`
	Message    string `json:"message"`
}

func (s *Server) handleBulkUpsert(w http.ResponseWriter, r *http.Request, body []byte) {
	q := r.URL.Query()
	params := upsertParams{
		upsert:         boolParam(q.Get("upsert")),
		merge:          boolParam(q.Get("merge")),
		createMissing:  boolParam(q.Get("create_missing_related_entities")),
		validationOnly: boolParam(q.Get("validation_only")),
	}
	var req struct {
		Entities []json.RawMessage `json:"entities"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request", "body must be {\"entities\": [...]}")
		return
	}
	if n := len(req.Entities); n == 0 || n > maxBulkEntities {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request", fmt.Sprintf("body/entities must have between 1 and %d items, got %d", maxBulkEntities, n))
		return
	}
	if err := checkRouteSchema(req.Entities); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request", "The json provided does not match the route's schema: "+err.Error())
		return
	}
	bpID := r.PathValue("blueprint_identifier")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.MaxBulkEntities = max(s.stats.MaxBulkEntities, len(req.Entities))
	bp, ok := s.blueprints[bpID]
	if !ok {
		writeBlueprintNotFound(w, bpID)
		return
	}
	results := []bulkResult{}
	errs := []bulkError{}
	for i, raw := range req.Entities {
		id, created, err := s.upsertOne(bp, raw, params)
		if err != nil {
			errs = append(errs, bulkError{Identifier: id, Index: i, StatusCode: err.status, Error: err.code, Message: err.message})
			continue
		}
		results = append(results, bulkResult{Identifier: id, Index: i, Created: created})
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusMultiStatus
	}
	writeJSON(w, status, map[string]any{"ok": len(errs) == 0, "entities": results, "errors": errs})
}

// upsertOne validates and stores one entity of a bulk request (caller holds
// mu). id is the identifier to report, even on failure.
func (s *Server) upsertOne(bp *blueprint, raw json.RawMessage, p upsertParams) (id string, created bool, err *entityError) {
	var in map[string]any
	if json.Unmarshal(raw, &in) != nil || in == nil {
		return "", false, invalid("invalid_request", "entity must be a JSON object")
	}
	id, err = s.entityID(bp, in["identifier"])
	if err != nil {
		return id, false, err
	}
	old, exists := s.entities[bp.id][id]
	if exists && !p.upsert {
		return id, false, &entityError{status: http.StatusConflict, code: "entity_exists", message: fmt.Sprintf("Entity with identifier %q already exists in blueprint %q", id, bp.id)}
	}
	next := &Entity{Identifier: id, Properties: map[string]any{}, Relations: map[string]any{}}
	if exists && p.merge {
		c := old.clone()
		next = &c
	}
	if err := applyMeta(next, in); err != nil {
		return id, false, err
	}
	props, ok := in["properties"].(map[string]any)
	if !ok && in["properties"] != nil {
		return id, false, invalid("invalid_request", "properties must be an object")
	}
	if err := bp.checkProperties(props); err != nil {
		return id, false, err
	}
	for k, v := range props {
		if v == nil {
			delete(next.Properties, k)
		} else {
			next.Properties[k] = v
		}
	}
	if err := bp.checkRequired(next.Properties); err != nil {
		return id, false, err
	}
	rels, ok := in["relations"].(map[string]any)
	if !ok && in["relations"] != nil {
		return id, false, invalid("invalid_request", "relations must be an object")
	}
	stubs, err := s.applyRelations(bp, next, rels, p.createMissing)
	if err != nil {
		return id, false, err
	}
	if p.validationOnly {
		return id, !exists, nil
	}
	for target, ids := range stubs {
		for _, sid := range ids {
			if _, ok := s.entities[target][sid]; !ok {
				s.entities[target][sid] = &Entity{Identifier: sid, Properties: map[string]any{}, Relations: map[string]any{}}
				s.stats.StubsCreated++
			}
		}
	}
	s.entities[bp.id][id] = next
	s.stats.EntitiesUpserted++
	return id, !exists, nil
}

// entityID reads a string identifier or resolves a search-query identifier
// to exactly one stored entity.
func (s *Server) entityID(bp *blueprint, v any) (string, *entityError) {
	switch x := v.(type) {
	case string:
		if !validEntityID(x) {
			return x, invalid("invalid_identifier", "identifier %q does not match Port's identifier rule", x)
		}
		return x, nil
	case map[string]any:
		s.stats.SearchQueries++
		b, _ := json.Marshal(x)
		ids, ok := s.resolveQuery(bp.id, x)
		if !ok {
			s.recordUnresolved(x)
			return string(b), invalid("unsupported_search_query", "the simulator cannot resolve identifier query %s", b)
		}
		if len(ids) != 1 {
			return string(b), &entityError{status: http.StatusNotFound, code: "entity_not_found", message: fmt.Sprintf("identifier query %s matched %d entities, want 1", b, len(ids))}
		}
		return ids[0], nil
	}
	return "", invalid("invalid_identifier", "identifier must be a string or a search query")
}

// applyMeta copies title, icon and team when the request has them.
func applyMeta(e *Entity, in map[string]any) *entityError {
	for _, k := range []string{"title", "icon"} {
		v, present := in[k]
		if !present {
			continue
		}
		s, ok := v.(string)
		if !ok && v != nil {
			return invalid("invalid_request", "%s must be a string", k)
		}
		if k == "title" {
			e.Title = s
		} else {
			e.Icon = s
		}
	}
	if team, present := in["team"]; present {
		switch team.(type) {
		case nil, string, []any, map[string]any:
			e.Team = team
		default:
			return invalid("invalid_request", "team must be a string, an array or a search query")
		}
	}
	return nil
}

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

func (s *Server) handleListEntities(w http.ResponseWriter, r *http.Request, _ []byte) {
	bpID := r.PathValue("blueprint_identifier")
	s.mu.Lock()
	_, ok := s.blueprints[bpID]
	s.mu.Unlock()
	if !ok {
		writeBlueprintNotFound(w, bpID)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "entities": s.Entities(bpID)})
}

func (s *Server) handleGetEntity(w http.ResponseWriter, r *http.Request, _ []byte) {
	bpID, id := r.PathValue("blueprint_identifier"), r.PathValue("entity_identifier")
	e, ok := s.Entity(bpID, id)
	if !ok {
		writeEntityNotFound(w, bpID, id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "entity": e})
}

func writeEntityNotFound(w http.ResponseWriter, bpID, id string) {
	writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("Entity with identifier %q of blueprint %q was not found", id, bpID))
}

func boolParam(v string) bool {
	b, _ := strconv.ParseBool(v)
	return b
}
