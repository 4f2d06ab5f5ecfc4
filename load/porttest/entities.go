package porttest

import (
	"bytes"
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
	// byHand marks an entity a test creates directly: validated like any,
	// but not a loader's upsert, so not counted in Stats.
	byHand bool
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
	if !p.byHand {
		s.stats.EntitiesUpserted++
		s.stats.UpsertedByBlueprint[bp.id]++
		if exists && sameContent(old, next) {
			s.stats.UnchangedUpserts++
		} else {
			s.stats.EntitiesChanged++
		}
	}
	return id, !exists, nil
}

// sameContent reports whether two stored entities read the same.
func sameContent(a, b *Entity) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// CreateEntity stores an entity directly, as a person editing Port's
// catalog would: validated against the blueprint like an upsert (it must
// not exist yet; relations must name existing entities) but not counted in
// Stats. Tests use it for entities a loader must leave alone.
func (s *Server) CreateEntity(blueprint string, e Entity) error {
	raw, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("creating entity %s in %s: encoding: %w", e.Identifier, blueprint, err)
	}
	if err := checkRouteSchema([]json.RawMessage{raw}); err != nil {
		return fmt.Errorf("creating entity %s in %s: %w", e.Identifier, blueprint, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bp, ok := s.blueprints[blueprint]
	if !ok {
		return fmt.Errorf("creating entity %s: no blueprint %q", e.Identifier, blueprint)
	}
	if _, _, eerr := s.upsertOne(bp, raw, upsertParams{byHand: true}); eerr != nil {
		return fmt.Errorf("creating entity %s in %s: %s: %s", e.Identifier, blueprint, eerr.code, eerr.message)
	}
	return nil
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
