package okta

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
)

// TestGovernorPacing runs many workers against a server that enforces Okta's
// per-bucket windows, on a clock 100 times faster than the wall (a one-minute
// window lasts 600 ms, so a loaded machine rarely spills a window), and
// checks the server's own counts.
func TestGovernorPacing(t *testing.T) {
	tests := []struct {
		name     string
		share    float64
		others   int // requests other integrations make at the start of each window
		requests int
		buckets  []string
		wantMax  int  // most of our requests in one window, per bucket
		full     bool // every window but the first and last holds exactly wantMax
	}{
		{name: "share 0.5", share: 0.5, requests: 50, buckets: []string{"/api/v1/users"}, wantMax: 10},
		{name: "share 1.0 uses every window fully", share: 1, requests: 100, buckets: []string{"/api/v1/users"}, wantMax: 20, full: true},
		{name: "share 1.0 on two buckets at once", share: 1, requests: 120, buckets: []string{"/api/v1/users", "/api/v1/groups"}, wantMax: 20, full: true},
		// Others took 8 of 20: we may only bring the window down to the 10
		// that share 0.5 leaves them, so 2 per window.
		{name: "share 0.5 with other clients", share: 0.5, others: 8, requests: 8, buckets: []string{"/api/v1/apps"}, wantMax: 2, full: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const limit, workers = 20, 16
			window := time.Minute
			clk := clock.Scaled(testStart, 100)
			fake := newLimitedOkta(clk, limit, tt.others, window)
			fake.delay = time.Millisecond
			var probeOverlap atomic.Int32
			var firstDone atomic.Bool
			var seen sync.Map
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, loaded := seen.LoadOrStore(r.URL.Path, true); !loaded {
					fake.ServeHTTP(w, r) // the first request of the bucket
					firstDone.Store(true)
					return
				}
				if !firstDone.Load() {
					probeOverlap.Add(1)
				}
				fake.ServeHTTP(w, r)
			}))
			c := newTestClient(t, srv.URL, func(c *Config) { c.Clock = clk; c.RateLimitShare = tt.share })

			start := clk.Now()
			jobs := make(chan string)
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for range workers {
				wg.Go(func() {
					for p := range jobs {
						if _, err := c.Get(context.Background(), p); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			for i := range tt.requests {
				jobs <- tt.buckets[i%len(tt.buckets)] + "?i=" + strconv.Itoa(i)
			}
			close(jobs)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("Get: %v", err)
			}
			elapsed := clk.Now().Sub(start)

			if len(tt.buckets) == 1 && probeOverlap.Load() != 0 {
				t.Errorf("%d requests overlapped the first one, which must go alone", probeOverlap.Load())
			}
			for _, b := range tt.buckets {
				bucket := streamsBucket(b)
				perWindow, tooMany, maxIn := fake.stats(bucket)
				if tooMany != 0 {
					t.Errorf("server answered %d 429s", tooMany)
				}
				if maxIn > DefaultMaxConcurrency {
					t.Errorf("server saw %d requests in flight, want at most %d", maxIn, DefaultMaxConcurrency)
				}
				total := 0
				for i, n := range perWindow {
					total += n
					if n > tt.wantMax {
						t.Errorf("%s: window %d held %d of our requests, want at most %d (all: %v)", bucket, i, n, tt.wantMax, perWindow)
					}
					if tt.full && i > 0 && i < len(perWindow)-1 && n != tt.wantMax {
						t.Errorf("%s: window %d held %d of our requests, want the full %d (all: %v)", bucket, i, n, tt.wantMax, perWindow)
					}
				}
				t.Logf("%s: our requests per window %v", bucket, perWindow)
				if want := tt.requests / len(tt.buckets); total != want {
					t.Errorf("%s: server counted %d of our requests, want %d", bucket, total, want)
				}
				st := c.Stats()[bucket]
				if st.TooMany != 0 || st.Retries != 0 || st.Waits == 0 || st.WaitTime <= 0 {
					t.Errorf("%s: stats %+v, want waits and neither 429s nor retries", bucket, st)
				}
			}
			// The floor is requests/allowed windows; a partial first window may
			// save one, and rounding the last may cost one.
			perBucket := tt.requests / len(tt.buckets)
			floor := time.Duration((perBucket+tt.wantMax-1)/tt.wantMax) * window
			if elapsed > floor+window/2 {
				t.Errorf("took %v of simulated time, want at most %v (floor %v)", elapsed, floor+window/2, floor)
			}
		})
	}
}

func streamsBucket(path string) string {
	return map[string]string{"/api/v1/users": "users", "/api/v1/groups": "groups", "/api/v1/apps": "apps"}[path]
}

// rlHeader builds a response header with Okta's rate-limit fields.
func rlHeader(date time.Time, limit, remaining int, reset time.Time) http.Header {
	h := http.Header{}
	h.Set("Date", date.UTC().Format(http.TimeFormat))
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(reset.Unix(), 10))
	return h
}

// admitted counts how many requests the governor admits at once, without
// letting any finish.
func admitted(t *testing.T, g *governor, bucket string) []*ticket {
	t.Helper()
	var ts []*ticket
	for {
		g.mu.Lock()
		b := g.bucketLocked(bucket, bucket)
		g.rollLocked(b, g.clk.Now())
		_, reason := g.admissibleLocked(b, g.clk.Now())
		g.mu.Unlock()
		if reason != "" {
			return ts
		}
		tk, err := g.acquire(context.Background(), bucket, bucket)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tk)
	}
}

// TestGovernorWindows drives the governor by hand: Okta's clock is a year
// ahead of ours, to show that only reset − Date matters.
func TestGovernorWindows(t *testing.T) {
	clk := newManualClock()
	g := newGovernor(clk, 1, 100, slog.New(slog.DiscardHandler))
	okta := time.Date(2027, 5, 5, 10, 0, 30, 0, time.UTC) // Okta's now; its window ends at 10:01:00
	reset := okta.Truncate(time.Minute).Add(time.Minute)

	probe := admitted(t, g, "users")
	if len(probe) != 1 {
		t.Fatalf("%d requests admitted before any limits were known, want 1 (the probe)", len(probe))
	}
	g.done(probe[0], rlHeader(okta, 10, 9, reset), 200, clk.Now())

	batch := admitted(t, g, "users")
	if len(batch) != 9 {
		t.Fatalf("%d admitted with 9 remaining at share 1, want 9", len(batch))
	}
	for i, tk := range batch {
		g.done(tk, rlHeader(okta, 10, 8-i, reset), 200, clk.Now())
	}
	if n := len(admitted(t, g, "users")); n != 0 {
		t.Fatalf("%d admitted in an exhausted window", n)
	}

	// The wait lasts until Okta's reset, 30 s after its Date, plus the margin.
	before := clk.Now()
	tk, err := g.acquire(context.Background(), "users", "users")
	if err != nil {
		t.Fatal(err)
	}
	if waited := clk.Now().Sub(before); waited != 30*time.Second+resetMargin {
		t.Fatalf("waited %v for the window, want %v", waited, 30*time.Second+resetMargin)
	}
	// A new window: its first request goes alone until it reports.
	if n := len(admitted(t, g, "users")); n != 0 {
		t.Fatalf("%d admitted beside the new window's first request", n)
	}
	okta = okta.Add(31 * time.Second)
	reset = reset.Add(time.Minute)
	// Another client used 5 of this window: we see it in Remaining.
	g.done(tk, rlHeader(okta, 10, 4, reset), 429, clk.Now())

	// After that 429 the share is 0.8: 8 of 10, but only 4 remain.
	g.mu.Lock()
	b := g.buckets["users"]
	penalty, left := b.penalty, b.penaltyLeft
	g.mu.Unlock()
	if penalty != penaltyFactor || left != penaltyWindows {
		t.Fatalf("after a 429: penalty %v for %d windows, want %v for %d", penalty, left, penaltyFactor, penaltyWindows)
	}
	if n := len(admitted(t, g, "users")); n != 0 {
		t.Fatalf("%d admitted after a 429 in the same window", n)
	}

	// Next window, learnt from a response that arrives before our estimate:
	// Okta's window ended earlier than we thought.
	clk.Advance(10 * time.Second)
	okta = okta.Add(40 * time.Second)
	reset = reset.Add(time.Minute)
	g.mu.Lock()
	late := &ticket{b: g.buckets["users"], gen: g.buckets["users"].gen}
	g.buckets["users"].inFlight++
	g.buckets["users"].inFlightCur++
	g.mu.Unlock()
	g.done(late, rlHeader(okta, 10, 9, reset), 200, clk.Now())
	// Penalised share 0.8 of 10: 8 per window, one of which (late) is spent.
	if n := len(admitted(t, g, "users")); n != 7 {
		t.Fatalf("%d admitted in a penalised window, want 7", n)
	}
}

// TestGovernorWithoutHeaders: a server that sends no rate-limit headers is
// only bounded by MaxConcurrency, not serialised behind an endless probe.
func TestGovernorWithoutHeaders(t *testing.T) {
	var in, maxIn atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := in.Add(1)
		defer in.Add(-1)
		for {
			m := maxIn.Load()
			if n <= m || maxIn.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		writeJSON(w, []any{})
	}))
	c := newTestClient(t, srv.URL, func(c *Config) { c.MaxConcurrency = 4 })
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Go(func() {
			if _, err := c.Get(context.Background(), fmt.Sprintf("/api/v1/users?i=%d", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if m := maxIn.Load(); m < 2 || m > 4 {
		t.Fatalf("max in flight %d, want 2..4", m)
	}
}

func TestGovernorHonoursContext(t *testing.T) {
	clk := clock.Scaled(testStart, 1)
	g := newGovernor(clk, 1, 1, slog.New(slog.DiscardHandler))
	tk, err := g.acquire(context.Background(), "logs", "logs")
	if err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	g.done(tk, rlHeader(now, 1, 0, now.Add(time.Hour/30)), 200, now) // window ends in 2 minutes
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := g.acquire(ctx, "logs", "logs"); err != context.DeadlineExceeded {
		t.Fatalf("acquire in an exhausted window = %v, want the context's deadline", err)
	}
	st := g.stats()["logs"]
	if st.Waits != 0 {
		t.Fatalf("a wait that never ended was counted: %+v", st)
	}
}

func TestResetAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		date string
		recv time.Time
		want time.Duration
	}{
		{"Date ahead of our clock", now.Add(time.Hour).Format(http.TimeFormat), now, 40 * time.Second},
		{"no Date: our clock", "", now.Add(time.Hour + 10*time.Second), 30 * time.Second},
		{"Date from another world: our clock", "Mon, 02 Jan 2006 15:04:05 GMT", now.Add(time.Hour - 30*time.Second), 70 * time.Second},
		{"nothing plausible: a default window", "Mon, 02 Jan 2006 15:04:05 GMT", now, defaultWindow},
		{"reset just passed", now.Add(time.Hour + 41*time.Second).Format(http.TimeFormat), now, 0},
	}
	reset := now.Add(time.Hour + 40*time.Second).Unix()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.date != "" {
				h.Set("Date", tt.date)
			}
			if got := resetAfter(reset, h, tt.recv); got != tt.want {
				t.Fatalf("resetAfter = %v, want %v", got, tt.want)
			}
		})
	}
}
