package porttest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Port's search page sizes ("Search a blueprint's entities": limit 1..1000,
// default 200).
const (
	searchDefaultLimit = 200
	searchMaxLimit     = 1000
)

// searchRequest is the body of POST .../entities/search; Port's route
// schema admits no other field.
type searchRequest struct {
	Query   map[string]any `json:"query"`
	Include []string       `json:"include"`
	Exclude []string       `json:"exclude"`
	Limit   *float64       `json:"limit"`
	From    *string        `json:"from"`
}

// handleSearchEntities pages a blueprint's entities matching query in
// identifier order. next carries the last identifier returned, so a walk
// stays stable while entities change: no entity comes twice, and every one
// that exists throughout comes once.
func (s *Server) handleSearchEntities(w http.ResponseWriter, r *http.Request, body []byte) {
	var req searchRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if len(bytes.TrimSpace(body)) > 0 {
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusUnprocessableEntity, "invalid_request", "The json provided does not match the route's schema: "+err.Error())
			return
		}
	}
	limit := searchDefaultLimit
	if req.Limit != nil {
		if *req.Limit < 1 || *req.Limit > searchMaxLimit {
			writeError(w, http.StatusUnprocessableEntity, "invalid_request", fmt.Sprintf("body/limit must be between 1 and %d, got %v", searchMaxLimit, *req.Limit))
			return
		}
		limit = int(*req.Limit)
	}
	after := ""
	if req.From != nil {
		a, err := decodeSearchCursor(*req.From)
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, "invalid_request", "body/from: "+err.Error())
			return
		}
		after = a
	}
	match := func(string, *Entity) bool { return true }
	if req.Query != nil {
		m, err := compileQuery(req.Query, searchOps)
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, "invalid_request", "body/query: "+err.Error())
			return
		}
		match = m
	}
	bpID := r.PathValue("blueprint_identifier")
	s.mu.Lock()
	if _, ok := s.blueprints[bpID]; !ok {
		s.mu.Unlock()
		writeBlueprintNotFound(w, bpID)
		return
	}
	var ids []string
	for id, e := range s.entities[bpID] {
		if id > after && match(bpID, e) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	more := len(ids) > limit
	ids = ids[:min(len(ids), limit)]
	page := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		page = append(page, project(s.entities[bpID][id], req.Include, req.Exclude))
	}
	s.mu.Unlock()
	resp := map[string]any{"ok": true, "entities": page}
	if more {
		resp["next"] = encodeSearchCursor(ids[len(ids)-1])
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleCountEntities answers GET .../entities-count.
func (s *Server) handleCountEntities(w http.ResponseWriter, r *http.Request, _ []byte) {
	bpID := r.PathValue("blueprint_identifier")
	s.mu.Lock()
	_, ok := s.blueprints[bpID]
	n := len(s.entities[bpID])
	s.mu.Unlock()
	if !ok {
		writeBlueprintNotFound(w, bpID)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "count": n})
}

// project renders e with only the include fields (when given) and without
// the exclude ones. Names with a $ are meta-properties ($identifier,
// $title, $icon, $team); others name properties or relations.
func project(e *Entity, include, exclude []string) map[string]any {
	c := e.clone()
	full := map[string]any{"identifier": c.Identifier, "properties": c.Properties, "relations": c.Relations}
	if c.Title != "" {
		full["title"] = c.Title
	}
	if c.Icon != "" {
		full["icon"] = c.Icon
	}
	if c.Team != nil {
		full["team"] = c.Team
	}
	if c.Properties == nil {
		full["properties"] = map[string]any{}
	}
	if c.Relations == nil {
		full["relations"] = map[string]any{}
	}
	if len(include) > 0 {
		kept := map[string]any{}
		for _, name := range include {
			copyField(kept, full, name)
		}
		full = kept
	}
	for _, name := range exclude {
		if meta, ok := strings.CutPrefix(name, "$"); ok {
			delete(full, meta)
			continue
		}
		for _, group := range []string{"properties", "relations"} {
			if m, ok := full[group].(map[string]any); ok {
				delete(m, name)
			}
		}
	}
	return full
}

// copyField copies the named field of from into to.
func copyField(to, from map[string]any, name string) {
	if meta, ok := strings.CutPrefix(name, "$"); ok {
		if v, ok := from[meta]; ok {
			to[meta] = v
		}
		return
	}
	for _, group := range []string{"properties", "relations"} {
		src := from[group].(map[string]any)
		if v, ok := src[name]; ok {
			dst, _ := to[group].(map[string]any)
			if dst == nil {
				dst = map[string]any{}
				to[group] = dst
			}
			dst[name] = v
		}
	}
}

// The next/from token is opaque to clients; it holds the last identifier.
const searchCursorPrefix = "porttest:"

func encodeSearchCursor(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(searchCursorPrefix + lastID))
}

func decodeSearchCursor(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !bytes.HasPrefix(b, []byte(searchCursorPrefix)) {
		return "", fmt.Errorf("%.40q is not a next value this server returned", s)
	}
	return string(b[len(searchCursorPrefix):]), nil
}
