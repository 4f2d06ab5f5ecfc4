// Package porttest runs a simulated Port API over HTTP, like net/http/httptest:
// access tokens, blueprints, bulk upserts and deletes with Port's 200/207
// results, entity validation against the blueprint schema, identifier rules,
// relations, paged entity search and counts, the 1 MiB body limit,
// rate-limit headers and injected faults, and custom webhook integrations
// (/v1/webhooks) with their signed ingest endpoint (webhooks.go). Entities live in memory; tests
// read them back, create some by hand (CreateEntity), and read from Stats
// what a loader changed and what it sent for nothing.
package porttest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
)

// DefaultMaxBodyBytes is Port's request body limit (1 MiB).
const DefaultMaxBodyBytes = 1 << 20

// Options configure a simulated Port server. The zero value is a fast,
// unlimited server with no blueprints.
type Options struct {
	// Latency is added to every request before it is served.
	Latency time.Duration
	// RateLimit is the number of API requests (token requests excluded)
	// allowed per Window; 0 means unlimited. Excess requests get 429.
	RateLimit int
	// Window is the rate-limit window; default one minute.
	Window time.Duration
	// ResetAsEpoch sends x-ratelimit-reset as epoch seconds instead of
	// seconds until the window resets.
	ResetAsEpoch bool
	// Faults answer chosen requests with an error instead of serving them.
	Faults []Fault
	// Blueprints are preloaded, keyed by identifier.
	Blueprints map[string]json.RawMessage
	// Clock drives token expiry, rate-limit windows and latency; default the wall clock.
	Clock clock.Clock
	// TokenTTL is the lifetime of issued access tokens; default one hour.
	TokenTTL time.Duration
	// MaxBodyBytes is the request body limit; default DefaultMaxBodyBytes.
	MaxBodyBytes int
	// ClientID and ClientSecret are the accepted credentials; generated when empty.
	ClientID, ClientSecret string
	// Validator, when set, checks every request (answering 422 like Port's
	// route validation) and every response; violations are kept for
	// Violations. Tests plug in porttestspec.Spec, Port's OpenAPI document.
	Validator Validator
}

// Validator checks requests and responses against an API description.
type Validator interface {
	// ValidateRequest checks a request and its body.
	ValidateRequest(r *http.Request, body []byte) error
	// ValidateResponse checks the response to r (sent with reqBody).
	ValidateResponse(r *http.Request, reqBody []byte, status int, header http.Header, body []byte) error
}

// Fault makes the server answer Count consecutive API requests, starting
// with the From-th (1-based; token requests are not counted), with Status.
// A 401 also revokes every token issued so far, forcing a renewal; a 429
// carries rate-limit headers that reset after Reset (default one second).
type Fault struct {
	From, Count, Status int
	Reset               time.Duration
}

// Server is a running simulated Port API.
type Server struct {
	// URL is the base URL, like "http://127.0.0.1:1234".
	URL string
	// ClientID and ClientSecret are the credentials the token endpoint accepts.
	ClientID, ClientSecret string
	// IngestURL is the webhook ingest endpoint, like
	// https://ingest.getport.io: a webhook's URL is IngestURL + "/<key>".
	IngestURL string

	opts  Options
	clock clock.Clock
	http  *httptest.Server
	mux   *http.ServeMux

	mu          sync.Mutex
	blueprints  map[string]*blueprint
	entities    map[string]map[string]*Entity
	tokens      map[string]time.Time
	apiRequests int
	window      rateWindow
	inFlight    int
	stats       Stats
	violations  []string
	hooks       *webhooks // webhooks.go
}

// NewServer starts a simulated Port server. It panics if a preloaded
// blueprint is invalid, as httptest.NewServer panics on setup errors.
func NewServer(opts Options) *Server {
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.Window <= 0 {
		opts.Window = time.Minute
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.ClientID == "" {
		opts.ClientID = "porttest-" + randomHex(8)
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = randomHex(24)
	}
	s := &Server{
		ClientID:     opts.ClientID,
		ClientSecret: opts.ClientSecret,
		opts:         opts,
		clock:        opts.Clock,
		blueprints:   map[string]*blueprint{},
		entities:     map[string]map[string]*Entity{},
		tokens:       map[string]time.Time{},
		stats:        Stats{Requests: map[string]int{}, UpsertedByBlueprint: map[string]int{}, DeletedByBlueprint: map[string]int{}},
	}
	if err := s.preload(opts.Blueprints); err != nil {
		panic(fmt.Sprintf("porttest: preloading blueprints: %v", err))
	}
	s.mux = s.routes()
	s.startIngest()
	s.http = httptest.NewServer(s)
	s.URL = s.http.URL
	return s
}

// preload stores blueprints in an order where relation targets come first.
func (s *Server) preload(bps map[string]json.RawMessage) error {
	ids := make([]string, 0, len(bps))
	for id := range bps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	parsed := map[string]*blueprint{}
	for _, id := range ids {
		bp, err := parseBlueprint(bps[id], s.clock.Now())
		if err != nil {
			return fmt.Errorf("parsing blueprint %s: %w", id, err)
		}
		parsed[bp.id] = bp
	}
	for _, bp := range parsed {
		for name, rel := range bp.relations {
			if _, ok := parsed[rel.Target]; !ok {
				return fmt.Errorf("checking blueprint %s: relation %s targets unknown blueprint %q", bp.id, name, rel.Target)
			}
		}
	}
	for id, bp := range parsed {
		s.blueprints[id] = bp
		s.entities[id] = map[string]*Entity{}
	}
	return nil
}

// Close shuts the server down.
func (s *Server) Close() { s.http.Close(); s.closeIngest() }

// Violations returns the spec violations seen so far (requests and responses
// that Options.Validator refused); empty without a Validator.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
