package porttest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// maxBulkDelete is Port's limit on identifiers per bulk delete.
const maxBulkDelete = 100

// entityRef names an entity across blueprints.
type entityRef struct{ bp, id string }

func (s *Server) handleDeleteEntity(w http.ResponseWriter, r *http.Request, _ []byte) {
	bpID, id := r.PathValue("blueprint_identifier"), r.PathValue("entity_identifier")
	dependents := boolParam(r.URL.Query().Get("delete_dependents"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[bpID]; !ok {
		writeBlueprintNotFound(w, bpID)
		return
	}
	if _, ok := s.entities[bpID][id]; !ok {
		writeEntityNotFound(w, bpID, id)
		return
	}
	if _, err := s.deleteEntities(bpID, []string{id}, dependents); err != nil {
		writeError(w, err.status, err.code, err.message)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// handleBulkDelete deletes up to 100 entities; as in Port, if one has
// dependents and delete_dependents is false nothing is deleted. Identifiers
// that do not exist are skipped and left out of deletedEntities.
func (s *Server) handleBulkDelete(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Entities []string `json:"entities"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request", "body must be {\"entities\": [identifiers]}")
		return
	}
	if n := len(req.Entities); n == 0 || n > maxBulkDelete {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request", fmt.Sprintf("body/entities must have between 1 and %d items, got %d", maxBulkDelete, n))
		return
	}
	bpID := r.PathValue("blueprint_identifier")
	dependents := boolParam(r.URL.Query().Get("delete_dependents"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[bpID]; !ok {
		writeBlueprintNotFound(w, bpID)
		return
	}
	deleted, err := s.deleteEntities(bpID, req.Entities, dependents)
	if err != nil {
		writeError(w, err.status, err.code, err.message)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "deletedEntities": deleted})
}

func (s *Server) handleDeleteAll(w http.ResponseWriter, r *http.Request, _ []byte) {
	bpID := r.PathValue("blueprint_identifier")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[bpID]; !ok {
		writeBlueprintNotFound(w, bpID)
		return
	}
	ids := make([]string, 0, len(s.entities[bpID]))
	for id := range s.entities[bpID] {
		ids = append(ids, id)
	}
	if _, err := s.deleteEntities(bpID, ids, true); err != nil {
		writeError(w, err.status, err.code, err.message)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// deleteEntities deletes the existing ones among ids (caller holds mu) and
// returns them. Entities relating to a deleted entity are deleted too when
// dependents is set; otherwise a required relation blocks the whole delete
// and optional relations to it are cleared.
//
// As Port documents it: delete_dependents "will also delete all entities
// with a relation to the deleted entity" (Port API spec, DELETE
// /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier} and
// the bulk delete); with two blueprints joined by a required relation "the
// delete operation will fail if this flag is set to false, if the flag is
// set to true, the source entity will be deleted as well" (docs.port.io,
// Custom integration API, Advanced: Delete Dependents); a bulk delete with
// one such entity fails whole (the spec's bulk delete description).
func (s *Server) deleteEntities(bpID string, ids []string, dependents bool) ([]string, *entityError) {
	doomed := map[entityRef]bool{}
	var queue []entityRef
	deleted := []string{}
	for _, id := range ids {
		ref := entityRef{bpID, id}
		if _, ok := s.entities[bpID][id]; ok && !doomed[ref] {
			doomed[ref] = true
			queue = append(queue, ref)
			deleted = append(deleted, id)
		}
	}
	for i := 0; i < len(queue); i++ {
		t := queue[i]
		for obp, ents := range s.entities {
			bp := s.blueprints[obp]
			for eid, e := range ents {
				ref := entityRef{obp, eid}
				if doomed[ref] {
					continue
				}
				for name, def := range bp.relations {
					if def.Target != t.bp || !references(e.Relations[name], t.id) {
						continue
					}
					if dependents {
						doomed[ref] = true
						queue = append(queue, ref)
						break
					}
					if def.Required {
						return nil, &entityError{status: http.StatusUnprocessableEntity, code: "has_dependents",
							message: fmt.Sprintf("Entity %q of blueprint %q has dependent entity %q of blueprint %q (relation %q); set delete_dependents to delete it too", t.id, t.bp, eid, obp, name)}
					}
				}
			}
		}
	}
	for ref := range doomed {
		delete(s.entities[ref.bp], ref.id)
		s.stats.EntitiesDeleted++
		s.stats.DeletedByBlueprint[ref.bp]++
	}
	s.clearReferences(doomed)
	return deleted, nil
}

// clearReferences removes relation values that point at deleted entities.
func (s *Server) clearReferences(doomed map[entityRef]bool) {
	for obp, ents := range s.entities {
		bp := s.blueprints[obp]
		for _, e := range ents {
			for name, def := range bp.relations {
				switch v := e.Relations[name].(type) {
				case string:
					if doomed[entityRef{def.Target, v}] {
						delete(e.Relations, name)
					}
				case []any:
					kept := v[:0:0]
					for _, item := range v {
						if id, _ := item.(string); !doomed[entityRef{def.Target, id}] {
							kept = append(kept, item)
						}
					}
					e.Relations[name] = kept
				}
			}
		}
	}
}

func references(v any, id string) bool {
	switch x := v.(type) {
	case string:
		return x == id
	case []any:
		for _, item := range x {
			if item == id {
				return true
			}
		}
	}
	return false
}
