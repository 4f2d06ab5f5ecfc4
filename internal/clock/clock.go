// Package clock lets the Okta client, the governor and the simulators share a
// notion of time, so benchmarks can run a compressed simulated clock and tests
// never sleep for real minutes.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock tells the time and sleeps.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx.Err() in that case.
	Sleep(ctx context.Context, d time.Duration) error
}

// Real returns the wall clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	return sleepReal(ctx, d)
}

func sleepReal(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Scaled returns a clock that starts at start and runs factor times faster
// than the wall clock: Sleep(time.Minute) with factor 60 takes one real second.
// Benchmarks use it to run Okta's per-minute rate limits in seconds while
// every ratio (requests per window, wall time against the floor) is unchanged.
func Scaled(start time.Time, factor float64) Clock {
	if factor <= 0 {
		factor = 1
	}
	return &scaled{start: start, origin: time.Now(), factor: factor}
}

type scaled struct {
	mu     sync.Mutex
	start  time.Time
	origin time.Time
	factor float64
}

func (s *scaled) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	elapsed := time.Since(s.origin)
	return s.start.Add(time.Duration(float64(elapsed) * s.factor))
}

func (s *scaled) Sleep(ctx context.Context, d time.Duration) error {
	return sleepReal(ctx, time.Duration(float64(d)/s.factor))
}
