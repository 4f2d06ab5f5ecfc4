package httpx

import (
	"context"
	"sync"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
)

// FetchToken obtains a new access token and how long it lives.
type FetchToken func(ctx context.Context) (token string, life time.Duration, err error)

// TokenCache holds one access token and renews it before it expires.
// Concurrent callers share one fetch; a caller waiting for it stops waiting
// as soon as its own context is done, while the fetch goes on for the
// caller that started it. It is safe for concurrent use.
type TokenCache struct {
	clock       clock.Clock
	fetch       FetchToken
	renewBefore func(life time.Duration) time.Duration

	mu       sync.Mutex
	token    string
	renewAt  time.Time
	inflight *tokenFetch // nil when no fetch runs
}

// tokenFetch is one fetch in flight; done closes when its fields are set.
type tokenFetch struct {
	done  chan struct{}
	token string
	err   error
	// abandoned: the fetch ended because its caller's context did, which
	// says nothing about the token endpoint, so waiters try again.
	abandoned bool
	// joined counts the callers waiting for it (under TokenCache.mu).
	joined int
}

// NewTokenCache returns a cache that gets tokens from fetch and replaces
// each renewBefore(life) before it expires, so that no request leaves with
// a token about to die in transit. Time is read from clk.
func NewTokenCache(clk clock.Clock, renewBefore func(life time.Duration) time.Duration, fetch FetchToken) *TokenCache {
	return &TokenCache{clock: clk, fetch: fetch, renewBefore: renewBefore}
}

// Get returns a valid token: the cached one, or the result of a fetch that
// this call starts or joins. A fetch's error is every joined caller's error.
func (c *TokenCache) Get(ctx context.Context) (string, error) {
	for {
		c.mu.Lock()
		if c.token != "" && c.clock.Now().Before(c.renewAt) {
			tok := c.token
			c.mu.Unlock()
			return tok, nil
		}
		f := c.inflight
		if f == nil {
			f = &tokenFetch{done: make(chan struct{})}
			c.inflight = f
			c.mu.Unlock()
			return c.run(ctx, f)
		}
		f.joined++
		c.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		if !f.abandoned {
			return f.token, f.err
		}
		if err := ctx.Err(); err != nil {
			return "", err
		}
	}
}

// run performs fetch f for the calling goroutine and hands its result to
// those waiting.
func (c *TokenCache) run(ctx context.Context, f *tokenFetch) (string, error) {
	// A token's life is counted from before the request: it may have been
	// issued at any moment of the round trip.
	start := c.clock.Now()
	tok, life, err := c.fetch(ctx)
	c.mu.Lock()
	if err == nil {
		c.token = tok
		c.renewAt = start.Add(life - c.renewBefore(life))
	}
	f.token, f.err, f.abandoned = tok, err, err != nil && ctx.Err() != nil
	c.inflight = nil
	c.mu.Unlock()
	close(f.done)
	return tok, err
}

// Invalidate drops tok if it is still the cached token, so the next Get
// fetches a new one: after a 401, only the first of the requests that
// carried tok causes a renewal, and a token another caller already
// replaced is left alone.
func (c *TokenCache) Invalidate(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token = ""
	}
}

// Current is the cached token, even one due for renewal ("" if none), so
// that a client can blank it out of anything it logs.
func (c *TokenCache) Current() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}
