package port

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
)

// epochThreshold tells the two forms of x-ratelimit-reset apart: values
// above it are epoch seconds, smaller ones seconds until the reset.
const epochThreshold = 10_000

// parseReset reads x-ratelimit-reset (or Retry-After) as an absolute time.
func parseReset(h http.Header, now time.Time) (time.Time, bool) {
	v := strings.TrimSpace(h.Get("x-ratelimit-reset"))
	if v == "" {
		v = strings.TrimSpace(h.Get("Retry-After"))
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return time.Time{}, false
	}
	if f > epochThreshold {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)), true
	}
	return now.Add(time.Duration(f * float64(time.Second))), true
}

// pacer spaces requests by Port's rate-limit headers: after a 429 everyone
// waits for the reset, and when the remaining budget runs low the rest of
// it is spread evenly over the time left in the window.
type pacer struct {
	clock clock.Clock
	// lowWater is the remaining budget below which requests are spaced.
	lowWater int

	mu           sync.Mutex
	blockedUntil time.Time
	known        bool
	remaining    int
	reset        time.Time
	next         time.Time
	// inFlight counts requests let through and not yet finished: the
	// remaining count Port last reported may not include them yet.
	inFlight int
}

func newPacer(c clock.Clock, concurrency int) *pacer {
	return &pacer{clock: c, lowWater: 2 * concurrency}
}

// delay reserves a start time for one request, counts it in flight until
// finish, and returns how long to wait for the start.
func (p *pacer) delay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	start := now
	if p.blockedUntil.After(start) {
		start = p.blockedUntil
	}
	if avail := p.remaining - p.inFlight; p.known && p.reset.After(now) && avail < p.lowWater {
		if avail <= 0 {
			start = maxTime(start, p.reset)
		} else {
			interval := p.reset.Sub(now) / time.Duration(avail+1)
			start = maxTime(start, p.next)
			p.next = start.Add(interval)
		}
	}
	p.inFlight++
	return start.Sub(now)
}

// finish ends a request that delay let through, answered or not.
func (p *pacer) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inFlight--
}

// observe learns from a response's rate-limit headers; a 429 blocks every
// request until the reset (or, without one, for fallback).
func (p *pacer) observe(h http.Header, status int, fallback time.Duration) time.Duration {
	now := p.clock.Now()
	reset, hasReset := parseReset(h, now)
	p.mu.Lock()
	defer p.mu.Unlock()
	if rem, err := strconv.Atoi(strings.TrimSpace(h.Get("x-ratelimit-remaining"))); err == nil && hasReset {
		// Answers to concurrent requests arrive out of order: within one
		// window (resets less than a second apart, as seconds-until values
		// drift) the lowest remaining count is the freshest.
		sameWindow := p.known && reset.Sub(p.reset).Abs() < time.Second
		if !sameWindow || rem < p.remaining {
			p.known, p.remaining, p.reset = true, rem, reset
		}
	}
	if status != http.StatusTooManyRequests {
		return 0
	}
	until := now.Add(fallback)
	if hasReset {
		until = reset
	}
	p.blockedUntil = maxTime(p.blockedUntil, until)
	return until.Sub(now)
}

// wait sleeps until the pacer lets a request start; unless it fails, the
// caller must call finish once the request is answered or abandoned.
func (p *pacer) wait(ctx context.Context) (time.Duration, error) {
	d := p.delay()
	var err error
	if d > 0 {
		err = p.clock.Sleep(ctx, d)
	} else {
		err = ctx.Err()
	}
	if err != nil {
		p.finish()
	}
	return d, err
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
