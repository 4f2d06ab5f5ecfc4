package oktatest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// The Event Hooks management API and its deliveries, as Okta documents
// them: the Event Hooks API (okta-management-subset.yaml, tag EventHook:
// create, list, get, replace, delete, activate, deactivate, verify) and the
// "Event hooks" concept page (developer.okta.com/docs/concepts/event-hooks/):
//   - a hook is created ACTIVE and UNVERIFIED; only ACTIVE, VERIFIED hooks
//     receive events; verification is a one-time GET to the hook's URI
//     carrying X-Okta-Verification-Challenge, answered with
//     {"verification": "<the challenge>"};
//   - deliveries are POSTs of {"data": {"events": [...]}, ...} with the
//     hook's authScheme header (Authorization: <secret>) and its headers;
//     several events may share one request;
//   - Okta waits 3 seconds for an answer and retries once after a timeout
//     or a server error; events may arrive out of order, and a retry may
//     deliver what the first attempt already did (at least once);
//   - the endpoint must be HTTPS (Options.AllowHTTPHooks lifts this for
//     loopback tests);
//   - a hook must be deactivated before it is deleted; the authScheme value
//     is write-only and never returned.

// Delivery defaults.
const (
	// defaultHookTimeout is Okta's wait for an answer ("Event hooks"
	// concept doc: "Okta waits 3 seconds").
	defaultHookTimeout = 3 * time.Second
	// defaultHookBatch is how many events one delivery carries at most.
	defaultHookBatch = 10
	// defaultHookInterval is how often new events are looked for.
	defaultHookInterval = 50 * time.Millisecond
	// kindEventHook seeds event hook IDs ("who…").
	kindEventHook = 1 << 40
)

type eventHook struct {
	id, name, status, verification string
	description                    *string
	uri                            string
	authKey, authValue             string
	headers                        []hookHeader
	events                         []string
	created, lastUpdated           time.Time
}

type hookHeader struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// hookState is the server's hooks and delivery loop.
type hookState struct {
	mu         sync.Mutex
	hooks      map[string]*eventHook
	order      []string
	seq        int
	cursor     int // org events looked at
	deliveries []HookDelivery
	stop       chan struct{}
	stopOnce   sync.Once
	wg         sync.WaitGroup
	client     *http.Client
}

func eventHookRoutes() []route {
	const scope = "okta.eventHooks.manage"
	return []route{
		{"/api/v1/eventHooks", http.MethodGet, scope, handleListEventHooks},
		{"/api/v1/eventHooks", http.MethodPost, scope, handleCreateEventHook},
		{"/api/v1/eventHooks/{id}", http.MethodGet, scope, handleGetEventHook},
		{"/api/v1/eventHooks/{id}", http.MethodPut, scope, handleReplaceEventHook},
		{"/api/v1/eventHooks/{id}", http.MethodDelete, scope, handleDeleteEventHook},
		{"/api/v1/eventHooks/{id}/lifecycle/activate", http.MethodPost, scope, handleEventHookLifecycle("ACTIVE")},
		{"/api/v1/eventHooks/{id}/lifecycle/deactivate", http.MethodPost, scope, handleEventHookLifecycle("INACTIVE")},
		{"/api/v1/eventHooks/{id}/lifecycle/verify", http.MethodPost, scope, handleVerifyEventHook},
		// Single objects a hook's receiver refreshes (Apps API: "Retrieve
		// an application", "Retrieve an application user").
		{"/api/v1/apps/{id}", http.MethodGet, "okta.apps.read", handleGetApp},
		{"/api/v1/apps/{id}/users/{uid}", http.MethodGet, "okta.apps.read", handleGetAppUser},
	}
}

// eventHookJSON is the EventHook schema of the spec.
type eventHookJSON struct {
	ID                 string          `json:"id,omitempty"`
	Name               string          `json:"name"`
	Description        *string         `json:"description,omitempty"`
	Status             string          `json:"status,omitempty"`
	VerificationStatus string          `json:"verificationStatus,omitempty"`
	Created            string          `json:"created,omitempty"`
	CreatedBy          string          `json:"createdBy,omitempty"`
	LastUpdated        string          `json:"lastUpdated,omitempty"`
	Events             hookEventsJSON  `json:"events"`
	Channel            hookChannelJSON `json:"channel"`
	Links              map[string]any  `json:"_links,omitempty"`
}

type hookEventsJSON struct {
	Type  string   `json:"type"`
	Items []string `json:"items"`
}

type hookChannelJSON struct {
	Type    string `json:"type"`
	Version string `json:"version"`
	Config  struct {
		URI        string       `json:"uri"`
		Method     string       `json:"method,omitempty"`
		Headers    []hookHeader `json:"headers,omitempty"`
		AuthScheme *struct {
			Type  string `json:"type"`
			Key   string `json:"key"`
			Value string `json:"value,omitempty"`
		} `json:"authScheme,omitempty"`
	} `json:"config"`
}

func (s *Server) hookJSON(hk *eventHook, base string) eventHookJSON {
	j := eventHookJSON{ID: hk.id, Name: hk.name, Description: hk.description, Status: hk.status,
		VerificationStatus: hk.verification, Created: ts(hk.created), CreatedBy: s.org.orgID, LastUpdated: ts(hk.lastUpdated),
		Events: hookEventsJSON{Type: "EVENT_TYPE", Items: append([]string{}, hk.events...)}}
	j.Channel.Type, j.Channel.Version = "HTTP", "1.0.0"
	j.Channel.Config.URI, j.Channel.Config.Method = hk.uri, "POST"
	j.Channel.Config.Headers = append([]hookHeader(nil), hk.headers...)
	if hk.authKey != "" {
		j.Channel.Config.AuthScheme = &struct {
			Type  string `json:"type"`
			Key   string `json:"key"`
			Value string `json:"value,omitempty"`
		}{Type: "HEADER", Key: hk.authKey} // the value is write-only
	}
	self := base + "/api/v1/eventHooks/" + hk.id
	j.Links = map[string]any{"self": map[string]any{"href": self}}
	if hk.status == "ACTIVE" {
		j.Links["deactivate"] = map[string]any{"href": self + "/lifecycle/deactivate", "hints": map[string]any{"allow": []string{"POST"}}}
	} else {
		j.Links["activate"] = map[string]any{"href": self + "/lifecycle/activate", "hints": map[string]any{"allow": []string{"POST"}}}
	}
	j.Links["verify"] = map[string]any{"href": self + "/lifecycle/verify", "hints": map[string]any{"allow": []string{"POST"}}}
	return j
}

var eventTypePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// decodeHook reads and validates a create or replace body into hk; the
// errors are the causes of Okta's E0000001.
func (s *Server) decodeHook(r *http.Request, hk *eventHook) []string {
	var in eventHookJSON
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		return []string{"The request body was not well-formed: " + err.Error()}
	}
	var causes []string
	if strings.TrimSpace(in.Name) == "" {
		causes = append(causes, "name: The field cannot be left blank.")
	}
	if in.Events.Type != "EVENT_TYPE" {
		causes = append(causes, "events.type: Only EVENT_TYPE is supported.")
	}
	if len(in.Events.Items) == 0 {
		causes = append(causes, "events.items: At least one event type is required.")
	}
	for _, e := range in.Events.Items {
		if !eventTypePattern.MatchString(e) {
			causes = append(causes, "events.items: "+e+" is not an event type.")
		}
	}
	ch := in.Channel
	if ch.Type != "HTTP" || ch.Version != "1.0.0" {
		causes = append(causes, "channel: type must be HTTP and version 1.0.0.")
	}
	u, err := url.Parse(ch.Config.URI)
	switch {
	case err != nil || u.Host == "":
		causes = append(causes, "channel.config.uri: Not a valid URI.")
	case u.Scheme != "https" && !(s.opts.AllowHTTPHooks && u.Scheme == "http"):
		causes = append(causes, "channel.config.uri: The URI must use HTTPS.")
	}
	if a := ch.Config.AuthScheme; a != nil && (a.Type != "HEADER" || a.Key == "") {
		causes = append(causes, "channel.config.authScheme: type must be HEADER, with a key.")
	}
	if len(causes) > 0 {
		return causes
	}
	hk.name, hk.description, hk.uri = in.Name, in.Description, ch.Config.URI
	hk.headers = append([]hookHeader(nil), ch.Config.Headers...)
	hk.events = append([]string(nil), in.Events.Items...)
	sort.Strings(hk.events)
	if a := ch.Config.AuthScheme; a != nil {
		hk.authKey = a.Key
		if a.Value != "" {
			hk.authValue = a.Value
		}
	}
	return nil
}

func handleListEventHooks(s *Server, w http.ResponseWriter, r *http.Request, _ []string, _ time.Time) {
	h := s.hooks
	h.mu.Lock()
	out := []eventHookJSON{}
	for _, id := range h.order {
		out = append(out, s.hookJSON(h.hooks[id], origin(r)))
	}
	h.mu.Unlock()
	writeJSON(w, out)
}

func handleCreateEventHook(s *Server, w http.ResponseWriter, r *http.Request, _ []string, now time.Time) {
	hk := &eventHook{status: "ACTIVE", verification: "UNVERIFIED", created: now.UTC(), lastUpdated: now.UTC()}
	if causes := s.decodeHook(r, hk); causes != nil {
		s.writeError(w, http.StatusBadRequest, codeValidation, "Api validation failed: eventHook", causes...)
		return
	}
	h := s.hooks
	h.mu.Lock()
	h.seq++
	hk.id = "who" + randomChars(newRNG(s.org.cfg.Seed, kindEventHook, h.seq), 17)
	h.hooks[hk.id] = hk
	h.order = append(h.order, hk.id)
	j := s.hookJSON(hk, origin(r))
	h.mu.Unlock()
	writeJSON(w, j)
}

// hookFromPath finds the hook of the path (404 otherwise); the caller
// holds hooks.mu.
func (s *Server) hookLocked(w http.ResponseWriter, id string) (*eventHook, bool) {
	hk, ok := s.hooks.hooks[id]
	if !ok {
		s.notFound(w, id, "EventHook")
	}
	return hk, ok
}

func handleGetEventHook(s *Server, w http.ResponseWriter, r *http.Request, p []string, _ time.Time) {
	h := s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	if hk, ok := s.hookLocked(w, p[0]); ok {
		writeJSON(w, s.hookJSON(hk, origin(r)))
	}
}

// handleReplaceEventHook replaces name, description, events and channel.
// A new URI must be verified again before it receives events.
func handleReplaceEventHook(s *Server, w http.ResponseWriter, r *http.Request, p []string, now time.Time) {
	h := s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	hk, ok := s.hookLocked(w, p[0])
	if !ok {
		return
	}
	next := *hk
	if causes := s.decodeHook(r, &next); causes != nil {
		s.writeError(w, http.StatusBadRequest, codeValidation, "Api validation failed: eventHook", causes...)
		return
	}
	if next.uri != hk.uri {
		next.verification = "UNVERIFIED"
	}
	next.lastUpdated = now.UTC()
	*hk = next
	writeJSON(w, s.hookJSON(hk, origin(r)))
}

func handleDeleteEventHook(s *Server, w http.ResponseWriter, r *http.Request, p []string, _ time.Time) {
	h := s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	hk, ok := s.hookLocked(w, p[0])
	if !ok {
		return
	}
	if hk.status == "ACTIVE" {
		s.writeError(w, http.StatusBadRequest, codeValidation, "Api validation failed: eventHook",
			"status: The event hook must be deactivated before it is deleted.")
		return
	}
	delete(h.hooks, hk.id)
	for i, id := range h.order {
		if id == hk.id {
			h.order = append(h.order[:i], h.order[i+1:]...)
			break
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func handleEventHookLifecycle(status string) handler {
	return func(s *Server, w http.ResponseWriter, r *http.Request, p []string, now time.Time) {
		h := s.hooks
		h.mu.Lock()
		defer h.mu.Unlock()
		hk, ok := s.hookLocked(w, p[0])
		if !ok {
			return
		}
		if hk.status != status {
			hk.status, hk.lastUpdated = status, now.UTC()
		}
		writeJSON(w, s.hookJSON(hk, origin(r)))
	}
}

// handleVerifyEventHook sends the one-time verification request to the
// hook's URI and marks the hook VERIFIED when the answer echoes the challenge.
func handleVerifyEventHook(s *Server, w http.ResponseWriter, r *http.Request, p []string, now time.Time) {
	h := s.hooks
	h.mu.Lock()
	hk, ok := s.hookLocked(w, p[0])
	var snap eventHook
	if ok {
		snap = *hk
		h.seq++
	}
	seq := h.seq
	h.mu.Unlock()
	if !ok {
		return
	}
	challenge := randomChars(newRNG(s.org.cfg.Seed, kindEventHook, 1<<20+seq), 40)
	var answer struct {
		Verification string `json:"verification"`
	}
	status, err := s.callHook(snap, http.MethodGet, nil, http.Header{"X-Okta-Verification-Challenge": {challenge}}, &answer)
	if err != nil || status != http.StatusOK || answer.Verification != challenge {
		why := fmt.Sprintf("the endpoint answered %d", status)
		if err != nil {
			why = err.Error()
		} else if status == http.StatusOK {
			why = "the answer did not echo the verification challenge"
		}
		s.writeError(w, http.StatusBadRequest, codeValidation, "Api validation failed: eventHook",
			"Verification of the event hook failed: "+why)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if hk, ok := s.hookLocked(w, p[0]); ok {
		hk.verification, hk.lastUpdated = "VERIFIED", now.UTC()
		writeJSON(w, s.hookJSON(hk, origin(r)))
	}
}

func handleGetApp(s *Server, w http.ResponseWriter, r *http.Request, p []string, _ time.Time) {
	if ap, ok := s.appFromPath(w, p[0]); ok {
		writeJSON(w, s.org.appJSON(ap, origin(r)))
	}
}

// handleGetAppUser answers one assignment; a user not assigned is a 404.
func handleGetAppUser(s *Server, w http.ResponseWriter, r *http.Request, p []string, _ time.Time) {
	ap, ok := s.appFromPath(w, p[0])
	if !ok {
		return
	}
	i := parseID(p[1], "00u", s.org.cfg.Seed, kindUser)
	u, ok := s.org.user(i)
	if !ok || !ap.users.has(i) {
		s.notFound(w, p[1], "AppUser")
		return
	}
	writeJSON(w, s.org.appUserJSON(ap, u, origin(r)))
}
