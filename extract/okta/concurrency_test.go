package okta

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// concurrencyHeader is what Okta sends with a concurrency-limit 429: the
// concurrent values, limit and remaining 0, and an estimated reset.
func concurrencyHeader(date time.Time) http.Header {
	h := http.Header{}
	h.Set("Date", date.UTC().Format(http.TimeFormat))
	h.Set("X-Rate-Limit-Limit", "0")
	h.Set("X-Rate-Limit-Remaining", "0")
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(date.Add(2*time.Second).Unix(), 10))
	return h
}

// TestGovernorLowersConcurrency: a concurrency 429 halves the requests
// allowed in flight (once per burst, however many of the burst come back
// 429) and leaves the bucket's window alone; successes win it back slowly.
func TestGovernorLowersConcurrency(t *testing.T) {
	clk := newManualClock()
	g := newGovernor(clk, 1, 8, slog.New(slog.DiscardHandler))
	okta := clk.Now()
	reset := okta.Truncate(time.Minute).Add(time.Minute)
	probe := admitted(t, g, "users")
	g.done(probe[0], rlHeader(okta, 100, 99, reset), 200, clk.Now())

	burst := admitted(t, g, "users")
	if len(burst) != 8 {
		t.Fatalf("%d admitted, want MaxConcurrency 8", len(burst))
	}
	for _, tk := range burst[:4] {
		g.done(tk, concurrencyHeader(okta), http.StatusTooManyRequests, clk.Now())
	}
	if n := len(admitted(t, g, "users")); n != 0 {
		t.Fatalf("%d admitted with 4 in flight after concurrency 429s, want 0 (limit 4)", n)
	}
	for i, tk := range burst[4:] {
		g.done(tk, rlHeader(okta, 100, 90-i, reset), 200, clk.Now())
	}
	again := admitted(t, g, "users")
	if len(again) != 4 {
		t.Fatalf("%d admitted after one burst of concurrency 429s, want 4 (halved once)", len(again))
	}
	g.mu.Lock()
	b := g.buckets["users"]
	penalty, remaining := b.penalty, b.remaining
	g.mu.Unlock()
	if penalty != 1 || remaining != 87 {
		t.Fatalf("bucket penalty %v remaining %d: a concurrency 429 must not count as the bucket's", penalty, remaining)
	}
	// Successes raise the limit again, one request at a time.
	for range 6 {
		for _, tk := range again {
			g.done(tk, rlHeader(okta, 100, 80, reset), 200, clk.Now())
		}
		again = admitted(t, g, "users")
	}
	if len(again) != 8 {
		t.Fatalf("%d admitted after six rounds of successes, want back to 8", len(again))
	}
	for _, tk := range again {
		g.done(tk, nil, 0, clk.Now())
	}
}

// TestConcurrency429IsNotABucket429: the client retries a concurrency 429
// after a short backoff, not at the bucket's reset, and counts it.
func TestConcurrency429IsNotABucket429(t *testing.T) {
	clk := newManualClock()
	n := 0
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		now := clk.Now()
		if n == 1 {
			for k, v := range concurrencyHeader(now) {
				w.Header()[k] = v
			}
			writeOktaError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.", "oae1")
			return
		}
		for k, v := range rlHeader(now, 100, 99, now.Truncate(time.Minute).Add(time.Minute)) {
			w.Header()[k] = v
		}
		writeJSON(w, []any{})
	}))
	c := newTestClient(t, srv.URL, func(c *Config) { c.Clock = clk })
	start := clk.Now()
	if _, err := c.Get(context.Background(), "/api/v1/users"); err != nil {
		t.Fatal(err)
	}
	if waited := clk.Now().Sub(start); waited > 3*time.Second {
		t.Fatalf("waited %v after a concurrency 429, want a short backoff", waited)
	}
	st := c.Stats()["users"]
	if st.TooMany != 1 || st.Retries != 1 || st.ConcurrencyLimited != 1 {
		t.Fatalf("stats %+v, want one 429, one retry, counted as concurrency-limited", st)
	}
}
