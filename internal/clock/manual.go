package clock

import (
	"context"
	"sync"
	"time"
)

// Manual is a Clock for tests and simulations: it moves only when told to,
// and Sleep advances it by the duration at once instead of waiting, so
// latencies, rate-limit windows and backoffs cost no real time. It records
// every sleep, so tests can check waits to the millisecond.
type Manual struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// NewManual returns a manual clock reading start.
func NewManual(start time.Time) *Manual { return &Manual{now: start} }

// Now returns the clock's time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Sleep advances the clock by d and returns at once, or returns ctx.Err()
// without advancing when ctx is already done.
func (m *Manual) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sleeps = append(m.sleeps, d)
	if d > 0 {
		m.now = m.now.Add(d)
	}
	return nil
}

// Advance moves the clock forward by d (negative d is ignored).
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d > 0 {
		m.now = m.now.Add(d)
	}
}

// Set moves the clock to t, backwards included.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = t
}

// Sleeps returns every duration Sleep was called with, in order.
func (m *Manual) Sleeps() []time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]time.Duration(nil), m.sleeps...)
}
