// Package metrics defines every Prometheus metric oktalake exports, in one
// place so their names stay stable for dashboards and alerts: serve's
// deliveries, events, refreshes and commits, the Okta client's requests and
// rate-limit headroom, and the loader's entities and dead letters.
package metrics

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metric names.
const (
	Deliveries             = "oktalake_event_hook_deliveries_total"
	Events                 = "oktalake_event_hook_events_total"
	AckSeconds             = "oktalake_event_hook_ack_seconds"
	Refreshes              = "oktalake_refreshes_total"
	Commits                = "oktalake_commits_total"
	CommitSeconds          = "oktalake_commit_duration_seconds"
	OktaRequests           = "oktalake_okta_requests_total"
	OktaRateLimitRemaining = "oktalake_okta_rate_limit_remaining"
	EntitiesLoaded         = "oktalake_entities_loaded_total"
	DeadLetters            = "oktalake_dead_letters_total"
)

// Delivery results (the result label of Deliveries).
const (
	DeliveryAccepted     = "accepted"
	DeliveryUnauthorized = "unauthorized"
	DeliveryTooLarge     = "too_large"
	DeliveryMalformed    = "malformed"
	DeliveryFailed       = "failed"
	DeliveryVerification = "verification"
)

// Event results (the result label of Events).
const (
	EventNew       = "new"
	EventDuplicate = "duplicate"
)

// Refresh results (the result label of Refreshes).
const (
	RefreshRecord    = "record"
	RefreshTombstone = "tombstone"
	RefreshSkipped   = "skipped"
	RefreshFailed    = "failed"
)

// Set is one process's metrics on its own registry (no global state).
type Set struct {
	// Registry holds every collector below, plus Go's and the process's.
	Registry *prometheus.Registry

	Deliveries      *prometheus.CounterVec   // result
	Events          *prometheus.CounterVec   // result
	AckSeconds      prometheus.Histogram     // time from a delivery's arrival to its answer
	Refreshes       *prometheus.CounterVec   // stream, result
	Commits         *prometheus.CounterVec   // stream, result (ok, failed)
	CommitSeconds   *prometheus.HistogramVec // stream
	OktaRequests    *prometheus.CounterVec   // bucket, code
	OktaRemaining   *prometheus.GaugeVec     // bucket
	EntitiesLoaded  *prometheus.CounterVec   // stream
	DeadLettersSent *prometheus.CounterVec   // stream
}

// latencyBuckets span a few milliseconds to Okta's 3-second timeout and past it.
var latencyBuckets = []float64{.005, .01, .025, .05, .1, .2, .3, .5, .75, 1, 1.5, 2, 3, 5, 10}

// New registers every metric on a new registry.
func New() *Set {
	s := &Set{
		Registry: prometheus.NewRegistry(),
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: Deliveries,
			Help: "Event Hook requests received, by result (accepted, unauthorized, too_large, malformed, failed, verification)."}, []string{"result"}),
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: Events,
			Help: "System Log events received in deliveries, by result (new, duplicate)."}, []string{"result"}),
		AckSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: AckSeconds,
			Help: "Time from a delivery's arrival to its answer (after its commit).", Buckets: latencyBuckets}),
		Refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: Refreshes,
			Help: "Objects refreshed from Okta after an event, by stream and result (record, tombstone, skipped, failed)."}, []string{"stream", "result"}),
		Commits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: Commits,
			Help: "Objects committed to the lake, by stream and result (ok, failed)."}, []string{"stream", "result"}),
		CommitSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: CommitSeconds,
			Help: "Time to write and commit one object, by stream.", Buckets: latencyBuckets}, []string{"stream"}),
		OktaRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: OktaRequests,
			Help: "HTTP requests sent to Okta, by rate-limit bucket and status code (0: no answer)."}, []string{"bucket", "code"}),
		OktaRemaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: OktaRateLimitRemaining,
			Help: "X-Rate-Limit-Remaining of the last Okta answer, by rate-limit bucket."}, []string{"bucket"}),
		EntitiesLoaded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: EntitiesLoaded,
			Help: "Entities accepted by Port, by stream."}, []string{"stream"}),
		DeadLettersSent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: DeadLetters,
			Help: "Records kept as dead letters (rejected by Port or by our checks, unreadable lines), by stream."}, []string{"stream"}),
	}
	s.Registry.MustRegister(s.Deliveries, s.Events, s.AckSeconds, s.Refreshes, s.Commits, s.CommitSeconds,
		s.OktaRequests, s.OktaRemaining, s.EntitiesLoaded, s.DeadLettersSent,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return s
}

// Names returns the names of oktalake's own metrics, sorted.
func Names() []string {
	out := []string{Deliveries, Events, AckSeconds, Refreshes, Commits, CommitSeconds,
		OktaRequests, OktaRateLimitRemaining, EntitiesLoaded, DeadLetters}
	sort.Strings(out)
	return out
}

// Handler serves the registry in Prometheus' text format.
func (s *Set) Handler() http.Handler {
	return promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{Registry: s.Registry})
}

// ObserveCommit records one commit of stream that took d.
func (s *Set) ObserveCommit(stream string, d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "failed"
	}
	s.Commits.WithLabelValues(stream, result).Inc()
	s.CommitSeconds.WithLabelValues(stream).Observe(d.Seconds())
}

// OktaTransport wraps base (nil: http.DefaultTransport) so that every
// answer from Okta counts a request of its bucket (bucketOf classifies a
// path) and sets the bucket's remaining requests from X-Rate-Limit-Remaining.
func (s *Set) OktaTransport(base http.RoundTripper, bucketOf func(path string) string) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &oktaTransport{base: base, bucketOf: bucketOf, set: s}
}

type oktaTransport struct {
	base     http.RoundTripper
	bucketOf func(string) string
	set      *Set
}

func (t *oktaTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	bucket := t.bucketOf(req.URL.Path)
	res, err := t.base.RoundTrip(req)
	if err != nil {
		t.set.OktaRequests.WithLabelValues(bucket, "0").Inc()
		return res, err
	}
	t.set.OktaRequests.WithLabelValues(bucket, strconv.Itoa(res.StatusCode)).Inc()
	if v := res.Header.Get("X-Rate-Limit-Remaining"); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			t.set.OktaRemaining.WithLabelValues(bucket).Set(n)
		}
	}
	return res, nil
}
