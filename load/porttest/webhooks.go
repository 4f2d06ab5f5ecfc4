package porttest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"time"

	"github.com/itchyny/gojq"
)

// Port's custom webhook integrations, as the /v1/webhooks API manages
// them (Port's OpenAPI document, paths /v1/webhooks and
// /v1/webhooks/{identifier}) and as
// https://docs.port.io/build-your-software-catalog/custom-integration/webhook/
// describes their ingestion: each integration has a webhook key and an
// ingest URL (https://ingest.getport.io/<key>; here IngestURL + "/<key>"),
// a mapping of jq expressions applied to {"body", "headers",
// "queryParams"} of every request, optional security settings (an HMAC of
// the raw body with sha1 or sha256, or the plain secret, in a named header
// after a prefix) and a requestIdentifierPath whose value de-duplicates
// requests.

// webhooks holds the integrations; the Server's mu guards it.
type webhooks struct {
	byID   map[string]*webhookIntegration
	byKey  map[string]*webhookIntegration
	ingest *httptest.Server
	stats  WebhookStats
}

// WebhookStats counts what the ingest endpoint did.
type WebhookStats struct {
	// Received counts requests to a known key; Ingested those whose
	// mappings ran; Duplicates those skipped by requestIdentifierPath;
	// BadSignature those refused by the security settings; Disabled those
	// dropped by a disabled integration.
	Received, Ingested, Duplicates, BadSignature, Disabled int
	// Upserted and Deleted count entity operations the mappings made;
	// Failed lists the ones Port would show as failed in the integration's
	// audit log (blueprint validation, jq errors of filter or identifier).
	Upserted, Deleted int
	Failed            []string
}

type webhookIntegration struct {
	Identifier      string            `json:"identifier"`
	Title           string            `json:"title"`
	Description     string            `json:"description,omitempty"`
	Icon            string            `json:"icon,omitempty"`
	Mappings        []json.RawMessage `json:"mappings"`
	Enabled         bool              `json:"enabled"`
	Security        webhookSecurity   `json:"security"`
	IntegrationType string            `json:"integrationType,omitempty"`
	WebhookKey      string            `json:"webhookKey"`
	URL             string            `json:"url"`
	CreatedAt       string            `json:"createdAt"`
	UpdatedAt       string            `json:"updatedAt"`

	compiled []webhookMapping
	seen     map[string]bool
}

type webhookSecurity struct {
	Secret                *string `json:"secret,omitempty"`
	SignatureHeaderName   *string `json:"signatureHeaderName,omitempty"`
	SignatureAlgorithm    *string `json:"signatureAlgorithm,omitempty"`
	SignaturePrefix       *string `json:"signaturePrefix,omitempty"`
	RequestIdentifierPath *string `json:"requestIdentifierPath,omitempty"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) startIngest() {
	s.hooks = &webhooks{byID: map[string]*webhookIntegration{}, byKey: map[string]*webhookIntegration{}}
	s.hooks.ingest = httptest.NewServer(http.HandlerFunc(s.handleIngest))
	s.IngestURL = s.hooks.ingest.URL
}

func (s *Server) closeIngest() { s.hooks.ingest.Close() }

// Webhook returns the integration's ingest URL and mapping count.
func (s *Server) Webhook(identifier string) (url string, mappings int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.hooks.byID[identifier]
	if w == nil {
		return "", 0, false
	}
	return w.URL, len(w.compiled), true
}

// WebhookStats returns what the ingest endpoint did so far.
func (s *Server) WebhookStats() WebhookStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.hooks.stats
	st.Failed = append([]string(nil), st.Failed...)
	return st
}

// webhookRequest is the body of POST /v1/webhooks and PUT /v1/webhooks/{identifier}.
type webhookRequest struct {
	Identifier      string            `json:"identifier"`
	Title           string            `json:"title"`
	Description     string            `json:"description"`
	Icon            string            `json:"icon"`
	Mappings        []json.RawMessage `json:"mappings"`
	Enabled         *bool             `json:"enabled"`
	Security        webhookSecurity   `json:"security"`
	IntegrationType string            `json:"integrationType"`
}

func (s *Server) handleCreateWebhook(w http.ResponseWriter, _ *http.Request, body []byte) {
	var req webhookRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request", "body must be a webhook object")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Identifier == "" {
		req.Identifier = "webhook-" + randomHex(6)
	}
	if _, exists := s.hooks.byID[req.Identifier]; exists {
		writeError(w, http.StatusConflict, "integration_already_exists", fmt.Sprintf("A webhook with identifier %q already exists", req.Identifier))
		return
	}
	wh, status, code, msg := s.buildWebhook(req, nil)
	if wh == nil {
		writeError(w, status, code, msg)
		return
	}
	s.hooks.byID[wh.Identifier] = wh
	s.hooks.byKey[wh.WebhookKey] = wh
	writeJSON(w, http.StatusCreated, map[string]any{"ok": true, "integration": wh})
}

func (s *Server) handleGetWebhook(w http.ResponseWriter, r *http.Request, _ []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wh := s.hooks.byID[r.PathValue("identifier")]
	if wh == nil {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("Webhook with identifier %q was not found", r.PathValue("identifier")))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "integration": wh})
}

// handleReplaceWebhook replaces an integration; its key (and URL) stay.
func (s *Server) handleReplaceWebhook(w http.ResponseWriter, r *http.Request, body []byte) {
	var req webhookRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request", "body must be a webhook object")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.hooks.byID[r.PathValue("identifier")]
	if old == nil {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("Webhook with identifier %q was not found", r.PathValue("identifier")))
		return
	}
	req.Identifier = old.Identifier
	wh, status, code, msg := s.buildWebhook(req, old)
	if wh == nil {
		writeError(w, status, code, msg)
		return
	}
	s.hooks.byID[wh.Identifier] = wh
	s.hooks.byKey[wh.WebhookKey] = wh
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "integration": wh})
}

// buildWebhook validates a request into an integration (caller holds mu).
func (s *Server) buildWebhook(req webhookRequest, old *webhookIntegration) (*webhookIntegration, int, string, string) {
	if req.Title == "" || req.Enabled == nil {
		return nil, http.StatusUnprocessableEntity, "invalid_request", "body must have required properties 'title' and 'enabled'"
	}
	if a := str(req.Security.SignatureAlgorithm); a != "" && a != "sha1" && a != "sha256" && a != "plain" {
		return nil, http.StatusUnprocessableEntity, "invalid_request", "security.signatureAlgorithm must be sha1, sha256 or plain"
	}
	now := s.clock.Now().UTC().Format(time.RFC3339Nano)
	wh := &webhookIntegration{
		Identifier: req.Identifier, Title: req.Title, Description: req.Description, Icon: req.Icon,
		Mappings: req.Mappings, Enabled: *req.Enabled, Security: req.Security, IntegrationType: req.IntegrationType,
		CreatedAt: now, UpdatedAt: now, seen: map[string]bool{},
	}
	if wh.Mappings == nil {
		wh.Mappings = []json.RawMessage{}
	}
	if old != nil {
		wh.WebhookKey, wh.CreatedAt, wh.seen = old.WebhookKey, old.CreatedAt, old.seen
	} else {
		wh.WebhookKey = randomHex(16)
	}
	wh.URL = s.hooks.ingest.URL + "/" + wh.WebhookKey
	for i, raw := range wh.Mappings {
		m, err := compileWebhookMapping(raw)
		if err != nil {
			return nil, http.StatusUnprocessableEntity, "invalid_mapping", fmt.Sprintf("mappings[%d]: %v", i, err)
		}
		wh.compiled = append(wh.compiled, m)
	}
	return wh, 0, "", ""
}

// handleIngest serves POST <IngestURL>/<key>. Port processes webhook
// events asynchronously and answers 202 once it took the request; the
// simulator applies the mapping before answering, so tests read the
// entities at once. Requests whose signature does not verify are dropped
// by Port; the simulator answers them 401 and counts them, so a test can
// tell a dropped request from an ingested one.
func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/")
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "webhooks take POST")
		return
	}
	body, tooLarge, err := readBody(r, s.opts.MaxBodyBytes)
	if err != nil || tooLarge {
		writeError(w, http.StatusRequestEntityTooLarge, "request_too_large", "Request body is too large (limit is 1MiB)")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wh := s.hooks.byKey[key]
	if wh == nil {
		writeError(w, http.StatusNotFound, "not_found", "webhook not found")
		return
	}
	s.hooks.stats.Received++
	if !wh.Enabled {
		s.hooks.stats.Disabled++
		writeJSON(w, http.StatusAccepted, map[string]any{"ok": true})
		return
	}
	if !verifySignature(wh.Security, r.Header, body) {
		s.hooks.stats.BadSignature++
		writeError(w, http.StatusUnauthorized, "invalid_signature", "the request's signature does not match the webhook's security settings")
		return
	}
	var parsed any
	if err := json.Unmarshal(body, &parsed); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_json", "the body is not JSON")
		return
	}
	// Header names reach jq lower-cased (HTTP header names are
	// case-insensitive, RFC 9110 section 5.1).
	headers := map[string]any{}
	for k, v := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	query := map[string]any{}
	for k, v := range r.URL.Query() {
		query[k] = v[0]
	}
	event := map[string]any{"body": parsed, "headers": headers, "queryParams": query}
	if path := str(wh.Security.RequestIdentifierPath); path != "" {
		id, err := evalFirst(path, event)
		if err == nil && id != nil {
			ids := fmt.Sprint(id)
			if wh.seen[ids] {
				s.hooks.stats.Duplicates++
				writeJSON(w, http.StatusAccepted, map[string]any{"ok": true})
				return
			}
			wh.seen[ids] = true
		}
	}
	s.hooks.stats.Ingested++
	for i, m := range wh.compiled {
		s.applyWebhookMapping(wh.Identifier, i, m, event)
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"ok": true})
}

// verifySignature checks the request against the security settings: no
// secret, or no header name, accepts every request.
func verifySignature(sec webhookSecurity, h http.Header, body []byte) bool {
	secret, header := str(sec.Secret), str(sec.SignatureHeaderName)
	if secret == "" || header == "" {
		return true
	}
	got := h.Get(header)
	prefix := str(sec.SignaturePrefix)
	var want string
	var mac func() hash.Hash
	switch str(sec.SignatureAlgorithm) {
	case "plain":
		want = prefix + secret
	case "sha1":
		mac = sha1.New
	default:
		mac = sha256.New
	}
	if mac != nil {
		m := hmac.New(mac, []byte(secret))
		m.Write(body)
		want = prefix + hex.EncodeToString(m.Sum(nil))
	}
	return hmac.Equal([]byte(got), []byte(want))
}

// webhookMapping is one compiled mapping entry.
type webhookMapping struct {
	blueprint    string
	filter       string
	itemsToParse string
	delete       bool
	dependents   bool
	entity       map[string]any // field -> jq string, or properties/relations -> map of jq strings
}

func compileWebhookMapping(raw json.RawMessage) (webhookMapping, error) {
	var m struct {
		Blueprint    string          `json:"blueprint"`
		Filter       string          `json:"filter"`
		ItemsToParse string          `json:"itemsToParse"`
		Operation    json.RawMessage `json:"operation"`
		Entity       map[string]any  `json:"entity"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return webhookMapping{}, err
	}
	out := webhookMapping{blueprint: m.Blueprint, filter: m.Filter, itemsToParse: m.ItemsToParse, entity: m.Entity}
	if out.blueprint == "" || out.entity == nil {
		return out, fmt.Errorf("blueprint and entity are required")
	}
	var op string
	if json.Unmarshal(m.Operation, &op) != nil {
		var adv struct {
			Type             string `json:"type"`
			DeleteDependents bool   `json:"deleteDependents"`
		}
		if len(m.Operation) > 0 {
			if err := json.Unmarshal(m.Operation, &adv); err != nil {
				return out, fmt.Errorf("operation: %v", err)
			}
		}
		op, out.dependents = adv.Type, adv.DeleteDependents
	}
	switch op {
	case "", "create":
	case "delete":
		out.delete = true
	default:
		return out, fmt.Errorf("operation %q is not create or delete", op)
	}
	for _, expr := range collectExprs(m.Entity) {
		if _, err := gojq.Parse(expr); err != nil {
			return out, fmt.Errorf("entity expression %q: %v", expr, err)
		}
	}
	for _, expr := range []string{m.Filter, m.ItemsToParse} {
		if expr == "" {
			continue
		}
		if _, err := gojq.Parse(expr); err != nil {
			return out, fmt.Errorf("expression %q: %v", expr, err)
		}
	}
	return out, nil
}

func collectExprs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case map[string]any:
		var out []string
		for _, e := range x {
			out = append(out, collectExprs(e)...)
		}
		return out
	}
	return nil
}

// evalFirst runs one jq expression on input and returns its first output
// (nil for none).
func evalFirst(expr string, input any) (any, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, err
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, err
	}
	it := code.Run(input)
	v, ok := it.Next()
	if !ok {
		return nil, nil
	}
	if err, isErr := v.(error); isErr {
		return nil, err
	}
	return v, nil
}

// applyWebhookMapping runs one mapping entry on an event and upserts or
// deletes what it makes (caller holds mu). A field whose jq fails is null,
// as in Port; an entity Port would refuse is listed in Stats.Failed.
func (s *Server) applyWebhookMapping(hook string, index int, m webhookMapping, event map[string]any) {
	fail := func(format string, args ...any) {
		s.hooks.stats.Failed = append(s.hooks.stats.Failed, fmt.Sprintf("%s mappings[%d] (%s): ", hook, index, m.blueprint)+fmt.Sprintf(format, args...))
	}
	if m.filter != "" {
		ok, err := evalFirst(m.filter, event)
		if err != nil {
			fail("filter: %v", err)
			return
		}
		if ok != true {
			return
		}
	}
	events := []map[string]any{event}
	if m.itemsToParse != "" {
		items, err := evalFirst(m.itemsToParse, event)
		arr, isArr := items.([]any)
		if err != nil || !isArr {
			fail("itemsToParse is not an array")
			return
		}
		events = events[:0]
		for _, it := range arr {
			e := map[string]any{"body": event["body"], "headers": event["headers"], "queryParams": event["queryParams"], "item": it}
			events = append(events, e)
		}
	}
	for _, e := range events {
		entity := map[string]any{}
		for field, spec := range m.entity {
			switch sub := spec.(type) {
			case string:
				v, _ := evalFirst(sub, e)
				if v != nil {
					entity[field] = v
				}
			case map[string]any:
				out := map[string]any{}
				keys := make([]string, 0, len(sub))
				for k := range sub {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					expr, _ := sub[k].(string)
					v, _ := evalFirst(expr, e)
					out[k] = v
				}
				entity[field] = out
			}
		}
		bp := s.blueprints[m.blueprint]
		if bp == nil {
			fail("blueprint %q not found", m.blueprint)
			continue
		}
		if m.delete {
			id, _ := entity["identifier"].(string)
			if _, exists := s.entities[bp.id][id]; !exists {
				continue
			}
			if _, err := s.deleteEntities(bp.id, []string{id}, m.dependents); err != nil {
				fail("delete %s: %s", id, err.message)
				continue
			}
			s.hooks.stats.Deleted++
			continue
		}
		raw, _ := json.Marshal(entity)
		id, _, err := s.upsertOne(bp, raw, upsertParams{upsert: true, merge: true, createMissing: true})
		if err != nil {
			fail("entity %s: %s", id, err.message)
			continue
		}
		s.hooks.stats.Upserted++
	}
}
