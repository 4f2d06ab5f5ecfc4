package porttest

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
)

// tokenRoute is exempt from authentication, rate limits and faults.
const tokenRoute = "POST /v1/auth/access_token"

// apiHandler serves one route with the request body already read.
type apiHandler func(w http.ResponseWriter, r *http.Request, body []byte)

// routes maps Port's paths, with the spec's wildcard names so Stats keys read like the spec.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	handle := func(pattern string, h apiHandler) { mux.Handle(pattern, s.pipeline(pattern, h)) }
	handle(tokenRoute, s.handleToken)
	handle("GET /v1/blueprints", s.handleListBlueprints)
	handle("POST /v1/blueprints", s.handleCreateBlueprint)
	handle("GET /v1/blueprints/{identifier}", s.handleGetBlueprint)
	handle("PUT /v1/blueprints/{identifier}", s.handleReplaceBlueprint)
	handle("PATCH /v1/blueprints/{identifier}", s.handlePatchBlueprint)
	handle("DELETE /v1/blueprints/{identifier}", s.handleDeleteBlueprint)
	handle("POST /v1/blueprints/{blueprint_identifier}/entities/bulk", s.handleBulkUpsert)
	handle("GET /v1/blueprints/{blueprint_identifier}/entities", s.handleListEntities)
	handle("POST /v1/blueprints/{blueprint_identifier}/entities/search", s.handleSearchEntities)
	handle("GET /v1/blueprints/{blueprint_identifier}/entities-count", s.handleCountEntities)
	handle("GET /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}", s.handleGetEntity)
	handle("DELETE /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}", s.handleDeleteEntity)
	handle("POST /v1/blueprints/{blueprint_identifier}/bulk/entities/delete", s.handleBulkDelete)
	handle("DELETE /v1/blueprints/{blueprint_identifier}/all-entities", s.handleDeleteAll)
	handle("POST /v1/webhooks", s.handleCreateWebhook)
	handle("GET /v1/webhooks/{identifier}", s.handleGetWebhook)
	handle("PUT /v1/webhooks/{identifier}", s.handleReplaceWebhook)
	handle("/", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeError(w, http.StatusNotFound, "not_found", "route "+r.Method+" "+r.URL.Path+" not found")
	})
	return mux
}

// ServeHTTP serves one request: latency first, then the route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.inFlight++
	s.stats.MaxInFlight = max(s.stats.MaxInFlight, s.inFlight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	if s.opts.Latency > 0 {
		if err := s.clock.Sleep(r.Context(), s.opts.Latency); err != nil {
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// pipeline wraps a route with what every Port request goes through: the
// body limit, faults, authentication, rate limits and spec validation.
func (s *Server) pipeline(pattern string, h apiHandler) http.Handler {
	key := pattern
	if key == "/" {
		key = "unmatched"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.stats.Requests[key]++
		s.mu.Unlock()
		body, tooLarge, err := readBody(r, s.opts.MaxBodyBytes)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "reading body failed")
			return
		}
		rec := httptest.NewRecorder()
		s.serve(rec, r, pattern, body, tooLarge, h)
		if s.opts.Validator != nil && pattern != "/" {
			if err := s.opts.Validator.ValidateResponse(r, body, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
				s.violation("response", r, rec.Code, err)
			}
		}
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, pattern string, body []byte, tooLarge bool, h apiHandler) {
	if tooLarge {
		s.mu.Lock()
		s.stats.TooLarge++
		s.mu.Unlock()
		writeError(w, http.StatusRequestEntityTooLarge, "request_too_large", "Request body is too large (limit is 1MiB)")
		return
	}
	s.mu.Lock()
	s.stats.MaxBodyBytes = max(s.stats.MaxBodyBytes, len(body))
	s.mu.Unlock()
	if pattern != tokenRoute {
		if f, ok := s.nextFault(); ok {
			s.injectFault(w, f)
			return
		}
		if !s.authorized(r) {
			writeError(w, http.StatusUnauthorized, "unauthorized", "Invalid or expired access token")
			return
		}
		if !s.admit(w) {
			return
		}
	}
	if s.opts.Validator != nil && pattern != "/" {
		if err := s.opts.Validator.ValidateRequest(r, body); err != nil {
			s.violation("request", r, 0, err)
			writeError(w, http.StatusUnprocessableEntity, "invalid_request", "The json provided does not match the route's schema: "+err.Error())
			return
		}
	}
	h(w, r, body)
}

// readBody reads at most limit bytes; tooLarge reports a longer body.
func readBody(r *http.Request, limit int) (body []byte, tooLarge bool, err error) {
	if r.Body == nil {
		return nil, false, nil
	}
	body, err = io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return nil, false, err
	}
	return body, len(body) > limit, nil
}

func (s *Server) violation(kind string, r *http.Request, status int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := kind + " " + r.Method + " " + r.URL.Path
	if status != 0 {
		msg += " " + http.StatusText(status)
	}
	s.violations = append(s.violations, msg+": "+err.Error())
}
