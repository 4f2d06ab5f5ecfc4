package porttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"sort"
	"time"
)

// relation is a blueprint relation definition.
type relation struct {
	Target   string `json:"target"`
	Required bool   `json:"required"`
	Many     bool   `json:"many"`
}

// blueprint is a stored blueprint: the document as sent plus what entity
// validation needs from it.
type blueprint struct {
	id         string
	doc        map[string]any
	properties map[string]map[string]any
	required   []string
	relations  map[string]relation
	createdAt  time.Time
	updatedAt  time.Time
}

// propertyTypes are the types Port accepts for a top-level blueprint property.
var propertyTypes = map[string]bool{"string": true, "number": true, "boolean": true, "object": true, "array": true}

// parseBlueprint checks a blueprint document the way Port's route schema does
// for the parts the simulator relies on.
func parseBlueprint(raw []byte, now time.Time) (*blueprint, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decoding blueprint: %w", err)
	}
	return blueprintFromDoc(doc, now)
}

func blueprintFromDoc(doc map[string]any, now time.Time) (*blueprint, error) {
	id, _ := doc["identifier"].(string)
	if !validBlueprintID(id) {
		return nil, fmt.Errorf("identifier %q does not match Port's blueprint identifier rule", id)
	}
	if title, _ := doc["title"].(string); title == "" {
		return nil, errors.New("title is required")
	}
	schema, ok := doc["schema"].(map[string]any)
	if !ok {
		return nil, errors.New("schema is required")
	}
	props, ok := schema["properties"].(map[string]any)
	if !ok {
		return nil, errors.New("schema.properties is required")
	}
	bp := &blueprint{id: id, doc: doc, properties: map[string]map[string]any{}, relations: map[string]relation{}, createdAt: now, updatedAt: now}
	for name, p := range props {
		def, ok := p.(map[string]any)
		if !ok || !propertyName.MatchString(name) {
			return nil, fmt.Errorf("property %q is invalid", name)
		}
		if t, _ := def["type"].(string); !propertyTypes[t] {
			return nil, fmt.Errorf("property %q has unsupported type %v", name, def["type"])
		}
		bp.properties[name] = def
	}
	if req, ok := schema["required"].([]any); ok {
		for _, r := range req {
			name, _ := r.(string)
			if _, ok := bp.properties[name]; !ok {
				return nil, fmt.Errorf("required property %q is not defined", name)
			}
			bp.required = append(bp.required, name)
		}
	}
	if rels, ok := doc["relations"].(map[string]any); ok {
		for name, r := range rels {
			b, _ := json.Marshal(r)
			var rel relation
			if err := json.Unmarshal(b, &rel); err != nil || rel.Target == "" || !propertyName.MatchString(name) {
				return nil, fmt.Errorf("relation %q is invalid", name)
			}
			bp.relations[name] = rel
		}
	}
	return bp, nil
}

// render is the blueprint as Port returns it.
func (bp *blueprint) render() map[string]any {
	out := maps.Clone(bp.doc)
	for _, k := range []string{"relations", "mirrorProperties", "calculationProperties", "aggregationProperties"} {
		if _, ok := out[k]; !ok {
			out[k] = map[string]any{}
		}
	}
	out["createdAt"] = bp.createdAt.UTC().Format(time.RFC3339Nano)
	out["updatedAt"] = bp.updatedAt.UTC().Format(time.RFC3339Nano)
	out["createdBy"] = "porttest"
	out["updatedBy"] = "porttest"
	return out
}

// missingTarget returns a relation target that is not a stored blueprint (caller holds mu).
func (s *Server) missingTarget(bp *blueprint) (string, bool) {
	for _, rel := range bp.relations {
		if _, ok := s.blueprints[rel.Target]; !ok && rel.Target != bp.id {
			return rel.Target, true
		}
	}
	return "", false
}

func (s *Server) handleListBlueprints(w http.ResponseWriter, _ *http.Request, _ []byte) {
	s.mu.Lock()
	ids := make([]string, 0, len(s.blueprints))
	for id := range s.blueprints {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.blueprints[id].render())
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "blueprints": out})
}

func (s *Server) handleGetBlueprint(w http.ResponseWriter, r *http.Request, _ []byte) {
	id := r.PathValue("identifier")
	s.mu.Lock()
	bp, ok := s.blueprints[id]
	var out map[string]any
	if ok {
		out = bp.render()
	}
	s.mu.Unlock()
	if !ok {
		writeBlueprintNotFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "blueprint": out})
}

func (s *Server) handleCreateBlueprint(w http.ResponseWriter, _ *http.Request, body []byte) {
	bp, err := parseBlueprint(body, s.clock.Now())
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[bp.id]; ok {
		writeError(w, http.StatusConflict, "identifier_taken", fmt.Sprintf("A blueprint with the identifier %q already exists", bp.id))
		return
	}
	if target, ok := s.missingTarget(bp); ok {
		writeBlueprintNotFound(w, target)
		return
	}
	s.blueprints[bp.id] = bp
	s.entities[bp.id] = map[string]*Entity{}
	writeJSON(w, http.StatusCreated, map[string]any{"ok": true, "blueprint": bp.render()})
}

// handleReplaceBlueprint is PUT: the document replaces the stored one.
func (s *Server) handleReplaceBlueprint(w http.ResponseWriter, r *http.Request, body []byte) {
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request", "body is not a JSON object")
		return
	}
	s.updateBlueprint(w, r.PathValue("identifier"), func(map[string]any) map[string]any { return doc })
}

// handlePatchBlueprint is PATCH: top-level fields replace stored ones, except
// that relations, property maps and schema.properties merge key by key.
func (s *Server) handlePatchBlueprint(w http.ResponseWriter, r *http.Request, body []byte) {
	var patch map[string]any
	if err := json.Unmarshal(body, &patch); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request", "body is not a JSON object")
		return
	}
	s.updateBlueprint(w, r.PathValue("identifier"), func(old map[string]any) map[string]any {
		doc := maps.Clone(old)
		for k, v := range patch {
			switch k {
			case "relations", "mirrorProperties", "calculationProperties", "aggregationProperties":
				doc[k] = mergeObjects(doc[k], v)
			case "schema":
				oldSchema, _ := doc[k].(map[string]any)
				newSchema, _ := v.(map[string]any)
				merged := maps.Clone(oldSchema)
				if merged == nil {
					merged = map[string]any{}
				}
				for sk, sv := range newSchema {
					if sk == "properties" {
						merged[sk] = mergeObjects(merged[sk], sv)
					} else {
						merged[sk] = sv
					}
				}
				doc[k] = merged
			default:
				doc[k] = v
			}
		}
		return doc
	})
}

func (s *Server) updateBlueprint(w http.ResponseWriter, id string, change func(old map[string]any) map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.blueprints[id]
	if !ok {
		writeBlueprintNotFound(w, id)
		return
	}
	doc := change(old.doc)
	if _, ok := doc["identifier"]; !ok {
		doc["identifier"] = id
	}
	bp, err := blueprintFromDoc(doc, s.clock.Now())
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request", err.Error())
		return
	}
	if bp.id != id {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request", "changing a blueprint's identifier is not supported")
		return
	}
	if target, ok := s.missingTarget(bp); ok {
		writeBlueprintNotFound(w, target)
		return
	}
	bp.createdAt = old.createdAt
	s.blueprints[id] = bp
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "blueprint": bp.render()})
}

func (s *Server) handleDeleteBlueprint(w http.ResponseWriter, r *http.Request, _ []byte) {
	id := r.PathValue("identifier")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[id]; !ok {
		writeBlueprintNotFound(w, id)
		return
	}
	for _, other := range s.blueprints {
		for name, rel := range other.relations {
			if rel.Target == id && other.id != id {
				writeError(w, http.StatusConflict, "blueprint_in_use", fmt.Sprintf("Blueprint %q is the target of relation %q of blueprint %q", id, name, other.id))
				return
			}
		}
	}
	delete(s.blueprints, id)
	delete(s.entities, id)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func mergeObjects(old, patch any) any {
	o, _ := old.(map[string]any)
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	out := maps.Clone(o)
	if out == nil {
		out = map[string]any{}
	}
	maps.Copy(out, p)
	return out
}

func writeBlueprintNotFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("Blueprint with identifier %q was not found", id))
}
