package oktatest

import (
	"crypto"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
)

// Options configure a Server. The zero value serves an unlimited, instant,
// fault-free org that accepts no credentials.
type Options struct {
	// Token is the API token accepted as "Authorization: SSWS <Token>";
	// empty disables SSWS.
	Token string
	// ClientID and PublicKey enable OAuth 2.0 private-key-JWT: the token
	// endpoint accepts client assertions signed by the matching private key
	// (*rsa.PublicKey for RS256, *ecdsa.PublicKey on P-256 for ES256).
	ClientID  string
	PublicKey crypto.PublicKey
	// Scopes are the scopes the OAuth client is granted; nil grants every
	// scope the streams catalog uses.
	Scopes []string
	// DPoP makes the OAuth client require DPoP (RFC 9449), as the app
	// setting "Require Demonstrating Proof of Possession (DPoP) header in
	// token requests" does: token requests need a proof with the server's
	// nonce, tokens come as token_type DPoP bound to the proof's key, and
	// API calls need "Authorization: DPoP" with a proof of their own.
	DPoP bool
	// DPoPResourceNonce makes API calls' proofs carry a nonce too (RFC
	// 9449 section 9): a proof without the current one gets a 401
	// use_dpop_nonce challenge.
	DPoPResourceNonce bool
	// Clock drives latency, rate-limit windows, Date headers, token expiry
	// and log visibility. Nil is the wall clock.
	Clock clock.Clock
	// Latency is slept on Clock before every request is answered.
	Latency time.Duration
	// Limits caps requests per rate-limit bucket (BucketUsers … BucketOther,
	// as BucketFor classifies paths) per 60-second window aligned to whole
	// minutes. A missing or zero entry is unlimited.
	Limits map[string]int
	// Concurrency caps requests in flight; more get 429. Zero is unlimited.
	Concurrency int
	// Faults are injected in order; the first that fires answers the request.
	Faults []Fault
	// TimeoutPagesOver, when positive, makes every page asking for more
	// records than this (the endpoint's default when no limit is given)
	// take longer than Okta allows: it is answered 500 E0000009, the sign
	// of a timeout the List Groups reference documents ("If your request
	// times out, retry your request with a smaller limit").
	TimeoutPagesOver int
	// HookClient sends Event Hook deliveries and verifications (to trust a
	// test TLS certificate); nil is a plain client that follows no redirect.
	HookClient *http.Client
	// HookTimeout is how long a delivery waits for its answer (default 3s,
	// as Okta); HookBatch the most events one delivery carries (default
	// 10); HookInterval how often new events are looked for (default 50ms).
	HookTimeout, HookInterval time.Duration
	HookBatch                 int
	// AllowHTTPHooks accepts http:// hook URIs (Okta takes HTTPS only).
	AllowHTTPHooks bool
}

// Stats counts what a server has seen.
type Stats struct {
	// Requests counts requests per rate-limit bucket.
	Requests map[string]int
	// Paths counts requests per route pattern, e.g. "/api/v1/groups/{id}/users".
	Paths map[string]int
	// TooManyRequests counts 429s sent: rate limit, concurrency and storms.
	TooManyRequests int
	// TooManyByBucket splits TooManyRequests by bucket.
	TooManyByBucket map[string]int
	// ConcurrencyLimited counts the 429s of the concurrency limit, which are
	// not counted in any bucket's minute window.
	ConcurrencyLimited int
	// Faults counts injected faults other than 429 storms.
	Faults int
	// MaxInFlight is the most requests seen in flight at once.
	MaxInFlight int
}

// Server is a running simulated Okta org, like httptest.Server.
type Server struct {
	// URL is the base URL, http://127.0.0.1:port, with no trailing slash.
	URL string

	org   *Org
	opts  Options
	clock clock.Clock
	hs    *httptest.Server
	mux   *http.ServeMux

	inFlight atomic.Int64
	errSeq   atomic.Uint64
	reqSeq   atomic.Uint64

	mu      sync.Mutex
	stats   Stats
	windows map[string]*window
	storms  map[string]*storm
	faultN  []int // matching requests seen, per fault
	faults  []Fault
	tokens  map[string]grant
	jtis    map[string]time.Time
	dpop    dpopState
	// log is every request's route pattern and request URI, in arrival order.
	log []LoggedRequest

	hooks *hookState // Event Hooks (eventhooks.go)
}

// LoggedRequest is one request the server received.
type LoggedRequest struct {
	// Pattern is the route, e.g. "/api/v1/groups/{id}/users"; URI is the
	// request's path and query as sent.
	Pattern, URI string
}

// RequestLog returns the requests received so far, in arrival order.
func (s *Server) RequestLog() []LoggedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]LoggedRequest(nil), s.log...)
}

// NewServer starts a server for org on a loopback port.
func NewServer(org *Org, opts Options) *Server {
	s := &Server{
		org:     org,
		opts:    opts,
		clock:   opts.Clock,
		windows: map[string]*window{},
		storms:  map[string]*storm{},
		faults:  append([]Fault(nil), opts.Faults...),
		tokens:  map[string]grant{},
		jtis:    map[string]time.Time{},
		dpop:    newDPoPState(),
		stats: Stats{
			Requests:        map[string]int{},
			Paths:           map[string]int{},
			TooManyByBucket: map[string]int{},
		},
	}
	if s.clock == nil {
		s.clock = clock.Real()
	}
	s.faultN = make([]int, len(s.faults))
	s.mux = s.routes()
	s.hs = httptest.NewServer(s)
	s.URL = s.hs.URL
	s.startHooks()
	return s
}

// Close shuts the server down, waiting for requests and Event Hook
// deliveries in flight.
func (s *Server) Close() {
	s.stopHooks()
	s.hs.Close()
}

// Org returns the org the server serves.
func (s *Server) Org() *Org { return s.org }

// Client returns an HTTP client for the server (plain net/http, no auth).
func (s *Server) Client() *http.Client { return s.hs.Client() }

// AddFault appends a fault while the server runs.
func (s *Server) AddFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
	s.faultN = append(s.faultN, 0)
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Requests = maps.Clone(s.stats.Requests)
	st.Paths = maps.Clone(s.stats.Paths)
	st.TooManyByBucket = maps.Clone(s.stats.TooManyByBucket)
	return st
}

// ServeHTTP routes the request (routes.go) and serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// serve runs the request through Okta's gates in order: concurrency
// (rejected at once), latency, rate limit, faults, authentication and
// scopes, then the endpoint. Every response carries Date and the bucket's
// X-Rate-Limit-* headers.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	params := rt.params(r)
	bucket := BucketFor(r.URL.Path)
	s.mu.Lock()
	s.stats.Requests[bucket]++
	s.stats.Paths[rt.pattern]++
	s.log = append(s.log, LoggedRequest{Pattern: rt.pattern, URI: r.URL.RequestURI()})
	s.stats.MaxInFlight = max(s.stats.MaxInFlight, int(n))
	s.mu.Unlock()

	// Okta turns away requests over the concurrency limit at once, before
	// doing any work for them.
	overConcurrency := s.opts.Concurrency > 0 && n > int64(s.opts.Concurrency)
	if !overConcurrency && s.opts.Latency > 0 {
		if err := s.clock.Sleep(r.Context(), s.opts.Latency); err != nil {
			return
		}
	}
	now := s.clock.Now()
	h := w.Header()
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set("X-Okta-Request-Id", strconv.FormatUint(s.reqSeq.Add(1), 36))

	if overConcurrency {
		// Okta's concurrent limit is "distinct from the org-wide, per-minute
		// API rate limits" ("Additional rate limits",
		// https://developer.okta.com/docs/reference/rl-additional-limits/):
		// the request is not counted in the bucket's window, and the headers
		// report the concurrent values, limit and remaining 0 with a reset
		// that "is only an estimate" ("Rate limit best practices",
		// https://developer.okta.com/docs/reference/rl-best-practices/).
		setRateHeaders(h, 0, 0, concurrencyReset(now, s.opts.Latency))
		s.mu.Lock()
		s.stats.TooManyRequests++
		s.stats.TooManyByBucket[bucket]++
		s.stats.ConcurrencyLimited++
		s.mu.Unlock()
		s.writeError(w, http.StatusTooManyRequests, codeRateLimit, summaryRateLimit)
		return
	}
	if s.admit(h, bucket, now) {
		s.mu.Lock()
		s.stats.TooManyRequests++
		s.stats.TooManyByBucket[bucket]++
		s.mu.Unlock()
		s.writeError(w, http.StatusTooManyRequests, codeRateLimit, summaryRateLimit)
		return
	}
	if s.injectFault(w, r, bucket, now, func(w http.ResponseWriter) { s.serveRoute(w, r, rt, params, now) }) {
		return
	}
	s.serveRoute(w, r, rt, params, now)
}

// serveRoute authenticates and dispatches.
func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, rt route, params []string, now time.Time) {
	if rt.handle == nil {
		s.writeError(w, http.StatusNotFound, codeNotFound, "Not found: Resource not found: "+r.URL.Path+" (Endpoint)")
		return
	}
	if r.Method != rt.method {
		w.Header().Set("Allow", rt.method)
		s.writeError(w, http.StatusMethodNotAllowed, codeMethod, "The endpoint does not support the provided HTTP method")
		return
	}
	if rt.scope != "" && !s.authorize(w, r, rt.scope, now) {
		return
	}
	rt.handle(s, w, r, params, now)
}

// origin is the scheme and host the client used, for absolute links.
func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
