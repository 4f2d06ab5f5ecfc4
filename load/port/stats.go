package port

import (
	"sync"
	"time"
)

// Stats counts what a client did, for the run summary.
type Stats struct {
	// Requests counts API requests sent, resends included, token requests excluded.
	Requests int64
	// TokenRequests counts access-token requests.
	TokenRequests int64
	// EntitiesSent counts entities in bulk upsert bodies built; an entity
	// in a batch that was split counts again in its half.
	EntitiesSent int64
	// Batches counts bulk upsert bodies built (resends not counted).
	Batches int64
	// Retries counts resends after 5xx answers or network errors.
	Retries int64
	// RateLimitWaits counts 429 answers waited out.
	RateLimitWaits int64
	// PacingWaits counts requests delayed to spread a low rate-limit budget.
	PacingWaits int64
	// WaitTime is the total time spent in backoff, 429 and pacing waits.
	WaitTime time.Duration
	// Splits counts batches split after a 413, or after a 422 that refused
	// a whole batch, to isolate the entities Port refuses.
	Splits int64
	// Failures counts entities reported as failures.
	Failures int64
	// Unconfirmed counts entities sent again because Port's reply did not
	// account for them.
	Unconfirmed int64
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	c.stats.mu.Lock()
	defer c.stats.mu.Unlock()
	return c.stats.s
}

type statsRecorder struct {
	mu sync.Mutex
	s  Stats
}

func (r *statsRecorder) add(f func(*Stats)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.s)
}

func (r *statsRecorder) request()      { r.add(func(s *Stats) { s.Requests++ }) }
func (r *statsRecorder) tokenRequest() { r.add(func(s *Stats) { s.TokenRequests++ }) }
func (r *statsRecorder) split()        { r.add(func(s *Stats) { s.Splits++ }) }
func (r *statsRecorder) batch(entities int) {
	r.add(func(s *Stats) { s.Batches++; s.EntitiesSent += int64(entities) })
}
func (r *statsRecorder) failures(n int) { r.add(func(s *Stats) { s.Failures += int64(n) }) }
func (r *statsRecorder) unconfirmed(n int) {
	r.add(func(s *Stats) { s.Unconfirmed += int64(n) })
}
func (r *statsRecorder) retry(d time.Duration) {
	r.add(func(s *Stats) { s.Retries++; s.WaitTime += d })
}
func (r *statsRecorder) rateLimited() { r.add(func(s *Stats) { s.RateLimitWaits++ }) }

// waited records time spent before a request could start; pacing says it
// was the pacer's own spacing rather than the wait after this request's 429.
func (r *statsRecorder) waited(d time.Duration, pacing bool) {
	r.add(func(s *Stats) {
		s.WaitTime += d
		if pacing {
			s.PacingWaits++
		}
	})
}
