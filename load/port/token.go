package port

import (
	"context"
	"sync"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
)

// maxRenewMargin caps how long before expiry a token is renewed.
const maxRenewMargin = 5 * time.Minute

// tokenSource caches Port's access token and renews it before it expires.
// Holding mu across the fetch makes concurrent callers share one renewal.
type tokenSource struct {
	clock clock.Clock
	fetch func(ctx context.Context) (token string, expiresIn time.Duration, err error)

	mu      sync.Mutex
	token   string
	renewAt time.Time
}

// get returns a valid token, fetching one when none is cached or the cached
// one is within its renewal margin (a tenth of its life, at most five minutes).
func (ts *tokenSource) get(ctx context.Context) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	now := ts.clock.Now()
	if ts.token != "" && now.Before(ts.renewAt) {
		return ts.token, nil
	}
	token, expiresIn, err := ts.fetch(ctx)
	if err != nil {
		return "", err
	}
	ts.token = token
	ts.renewAt = now.Add(expiresIn - min(expiresIn/10, maxRenewMargin))
	return token, nil
}

// invalidate drops token if it is still the cached one, so the next get
// renews it; a token another goroutine already replaced is left alone.
func (ts *tokenSource) invalidate(token string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.token == token {
		ts.token = ""
	}
}
