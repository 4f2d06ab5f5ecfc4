package serve

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// ErrStopping answers deliveries that arrive while the server stops: Okta
// retries them, and the next serve takes them.
var ErrStopping = errors.New("serve is stopping")

// Server receives Okta Event Hook deliveries.
type Server struct {
	cfg    Config
	secret [32]byte // SHA-256 of the secret: compared in constant time, whatever its length

	mu      sync.RWMutex // guards closed against submits
	closed  bool
	intake  chan *delivery
	seen    *seenSet // touched by the committer only
	refresh *refreshQueue
	// progress is the refresh progress: read by New, then touched by the
	// refresh loop only.
	progress refreshedState
	wake     chan struct{}
	ready    atomic.Bool
	done     sync.WaitGroup
	stopped  chan struct{}
}

// delivery is one request's events waiting for their commit.
type delivery struct {
	events []event
	result chan error
}

// event is one System Log event of a delivery: its raw JSON and what
// routing and dedupe need.
type event struct {
	raw    json.RawMessage
	info   eventInfo
	object string // the event_hook_events object it was committed in
}

type eventInfo struct {
	UUID      string `json:"uuid"`
	EventType string `json:"eventType"`
	Published string `json:"published"`
	Target    []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"target"`
}

// New checks cfg and reads the uuids of the newest committed events, so
// that a delivery committed before a restart is not committed twice.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		secret:  sha256.Sum256([]byte(cfg.Secret)),
		intake:  make(chan *delivery),
		seen:    newSeenSet(cfg.Dedupe),
		refresh: newRefreshQueue(),
		wake:    make(chan struct{}, 1),
		stopped: make(chan struct{}),
	}
	if err := s.seedSeen(ctx); err != nil {
		return nil, err
	}
	if err := s.resumeRefreshes(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Start runs the committer, the refresher and the loader until Stop.
func (s *Server) Start(ctx context.Context) {
	s.done.Add(2)
	go func() { defer s.done.Done(); s.commitLoop() }()
	go func() { defer s.done.Done(); defer close(s.stopped); s.refreshLoop(ctx) }()
	if s.cfg.Load != nil {
		s.done.Add(1)
		go func() { defer s.done.Done(); s.loadLoop(ctx) }()
	}
	s.ready.Store(true)
}

// Stop refuses new deliveries, commits those in flight, finishes the
// refreshes queued and a last load, then returns; ctx bounds the wait.
// Call it after the HTTP server's Shutdown, so no handler is left waiting.
func (s *Server) Stop(ctx context.Context) error {
	s.ready.Store(false)
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.intake)
	}
	s.mu.Unlock()
	finished := make(chan struct{})
	go func() { s.done.Wait(); close(finished) }()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stopping serve: %w (refreshes left: %d)", ctx.Err(), s.refresh.len())
	}
}

// Metrics returns the server's metrics.
func (s *Server) Metrics() http.Handler { return s.cfg.Metrics.Handler() }

// Handler routes the Event Hook endpoint, /healthz, /readyz and /metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(HookPath, s.handleHook)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	mux.Handle("/metrics", s.cfg.Metrics.Handler())
	return mux
}

func (s *Server) authorized(r *http.Request) bool {
	got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
	return subtle.ConstantTimeCompare(got[:], s.secret[:]) == 1
}

// handleHook answers Okta: the one-time verification (GET) and deliveries
// (POST), each only with the secret.
func (s *Server) handleHook(w http.ResponseWriter, r *http.Request) {
	m := s.cfg.Metrics
	start := time.Now() // wall time: what Okta's timeout counts
	if !s.authorized(r) {
		m.Deliveries.WithLabelValues("unauthorized").Inc()
		s.cfg.Logger.Warn("event hook request without the secret", "method", r.Method, "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	switch r.Method {
	case http.MethodGet:
		// Okta's verification: echo the challenge ("Event hooks" concept
		// doc, "One-time verification request").
		challenge := r.Header.Get("X-Okta-Verification-Challenge")
		if challenge == "" {
			m.Deliveries.WithLabelValues("malformed").Inc()
			http.Error(w, "no X-Okta-Verification-Challenge header", http.StatusBadRequest)
			return
		}
		m.Deliveries.WithLabelValues("verification").Inc()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"verification": challenge})
	case http.MethodPost:
		s.handleDelivery(w, r)
		m.AckSeconds.Observe(time.Since(start).Seconds())
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *Server) handleDelivery(w http.ResponseWriter, r *http.Request) {
	m := s.cfg.Metrics
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			m.Deliveries.WithLabelValues("too_large").Inc()
			http.Error(w, fmt.Sprintf("body over %d bytes", s.cfg.MaxBody), http.StatusRequestEntityTooLarge)
			return
		}
		m.Deliveries.WithLabelValues("malformed").Inc()
		http.Error(w, "reading the body: "+err.Error(), http.StatusBadRequest)
		return
	}
	events, err := parseDelivery(body)
	if err != nil {
		m.Deliveries.WithLabelValues("malformed").Inc()
		s.cfg.Logger.Warn("malformed event hook delivery", "error", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := s.submit(r.Context(), events); err != nil {
		m.Deliveries.WithLabelValues("failed").Inc()
		s.cfg.Logger.Error("event hook delivery not committed (Okta retries it)", "events", len(events), "error", err)
		status := http.StatusInternalServerError
		if errors.Is(err, ErrStopping) {
			status = http.StatusServiceUnavailable
		}
		http.Error(w, "not committed", status)
		return
	}
	m.Deliveries.WithLabelValues("accepted").Inc()
	w.WriteHeader(http.StatusOK)
}

// parseDelivery reads Okta's delivery body: data.events[], each a System
// Log event with a uuid. An error names the event at fault.
func parseDelivery(body []byte) ([]event, error) {
	var d struct {
		Data *struct {
			Events []json.RawMessage `json:"events"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("the body is not JSON: %w", err)
	}
	if d.Data == nil || d.Data.Events == nil {
		return nil, errors.New("the body has no data.events array")
	}
	out := make([]event, 0, len(d.Data.Events))
	for i, raw := range d.Data.Events {
		var info eventInfo
		if err := json.Unmarshal(raw, &info); err != nil {
			return nil, fmt.Errorf("data.events[%d]: not a System Log event: %w", i, err)
		}
		if info.UUID == "" {
			return nil, fmt.Errorf("data.events[%d]: no uuid", i)
		}
		out = append(out, event{raw: raw, info: info})
	}
	return out, nil
}

// submit hands events to the committer and waits for their commit.
func (s *Server) submit(ctx context.Context, events []event) error {
	d := &delivery{events: events, result: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrStopping
	}
	select {
	case s.intake <- d:
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	s.mu.RUnlock()
	// Once handed over, the answer waits for the commit whatever the
	// client does: the commit happens either way.
	return <-d.result
}

// seedSeen fills the dedupe set from the newest committed objects of
// event_hook_events (key order is time order in the default layout).
func (s *Server) seedSeen(ctx context.Context) error {
	prefix := lake.JoinKey(s.cfg.Prefix, s.cfg.Namespace, streams.EventHookStream) + "/"
	var keys []string
	err := s.cfg.Store.List(ctx, prefix, "", func(o lake.ObjectInfo) error {
		if lake.IsDataObject(o.Key) {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("listing %s to remember committed events: %w", prefix, err)
	}
	var uuids []string
	for i := len(keys) - 1; i >= 0 && len(uuids) < s.cfg.Dedupe; i-- {
		got, err := readUUIDs(ctx, s.cfg.Store, keys[i])
		if err != nil {
			return err
		}
		uuids = append(uuids, got...)
	}
	// Oldest first, so the newest stay when the set is full.
	for i := len(uuids) - 1; i >= 0; i-- {
		s.seen.add(uuids[i])
	}
	s.cfg.Logger.Debug("remembered committed events", "uuids", s.seen.len(), "objects", len(keys))
	return nil
}

// readUUIDs reads the event uuids of one committed object.
func readUUIDs(ctx context.Context, store lake.Store, key string) ([]string, error) {
	events, err := readEvents(ctx, store, key)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.info.UUID
	}
	return out, nil
}
