package okta

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
)

// BucketStats counts the traffic of one rate-limit bucket.
type BucketStats struct {
	// Requests is the number of HTTP requests sent, retries included.
	Requests int64
	// Waits is the number of times a request waited for a window to reset
	// (pacing, a 429, or the first response's limits).
	Waits int64
	// WaitTime is the total time spent in those waits, on the Clock.
	WaitTime time.Duration
	// TooMany is the number of 429 responses.
	TooMany int64
	// Retries is the number of retried attempts.
	Retries int64
	// Errors is the number of requests that failed for good.
	Errors int64
	// ConcurrencyLimited is the number of those 429s that were Okta's
	// concurrency limit (X-Rate-Limit-Limit 0), not the bucket's.
	ConcurrencyLimited int64
}

const (
	// resetMargin is added to every computed reset: a request sent a hair
	// early lands in the old, exhausted window and earns a 429.
	resetMargin = 250 * time.Millisecond
	// defaultWindow is Okta's rate-limit window, used until two resets
	// reveal the real one.
	defaultWindow = time.Minute
	// maxWindow bounds a plausible reset − Date; beyond it the headers are
	// taken as inconsistent (clocks from different worlds).
	maxWindow = 5 * time.Minute
	// After a 429 the bucket's share is multiplied by penaltyFactor (down to
	// minPenalty) for penaltyWindows windows.
	penaltyFactor  = 0.8
	minPenalty     = 0.2
	penaltyWindows = 3
)

// governor paces requests so this tool uses at most share of each Okta
// rate-limit bucket per window and keeps at most concLimit requests in flight.
// One governor is shared by every goroutine using the Client.
//
// Okta counts requests per bucket in fixed windows and reports, on every
// response, the bucket's limit, what remains in the window, and when the
// window resets (epoch seconds). The reset is read against the response's
// Date header, so the skew between our clock and Okta's does not matter: a
// window ends (reset − Date) after we received the response, on our Clock.
//
// Okta also limits the requests in flight org-wide, and answers the first
// request past that limit with a 429 whose headers carry the concurrent
// values (limit and remaining 0). Such a 429 says nothing of the bucket: the
// governor halves concLimit instead (once per burst: requests sent before
// the decrease do not decrease it again) and wins it back by one request per
// concLimit successes, as TCP's AIMD does.
type governor struct {
	clk     clock.Clock
	share   float64
	log     *slog.Logger
	maxConc int

	mu        sync.Mutex
	concLimit float64                 // requests allowed in flight, in [1, maxConc]
	concEpoch int                     // bumped at each decrease
	active    int                     // requests in flight
	buckets   map[string]*bucket      // by route: the windows learnt
	hints     map[string]*BucketStats // by the client's bucket hint, for Stats
	tags      map[string]*BucketStats
	changed   chan struct{} // closed and replaced on every state change
}

// bucket is the governor's view of the rate-limit bucket one route (a path
// shape, such as /api/v1/users/{id}/roles) counts against. Okta's buckets
// are learnt, not assumed: every route paces on the headers of its own
// responses, so two real buckets never share a window (their remaining
// counts and resets would be mixed up, and the fuller one would hold the
// other back). Routes that do share a real bucket (an app's users and its
// groups) still pace on its true remaining count, which every response
// reports; requests in flight on the other route can overshoot it at the
// end of a window, and the 429 that may follow waits for the reset. Two
// buckets reporting the same limit and reset are not taken as one: Okta's
// windows all end on the minute, so that is no evidence.
type bucket struct {
	name      string // the route
	hint      string // the client's bucket name, for Stats
	known     bool   // limits seen on a response
	unlimited bool   // a success came without rate-limit headers: only concurrency applies
	probing   bool   // the first request is in flight, the others wait for its headers

	limit     int
	remaining int           // least remaining seen in the current window
	reset     int64         // server epoch second at which the window ends
	windowEnd time.Time     // that instant on our Clock, margin included
	windowLen time.Duration // estimated window length, for rolling over without a response
	rolled    bool          // our Clock passed windowEnd and no response of the new window came yet

	gen         int // window generation, bumped at each rollover
	started     int // our requests counted in the current window
	inFlight    int // our requests in flight, whatever their window
	inFlightCur int // of which started in the current window

	penalty     float64 // share multiplier after a 429
	penaltyLeft int     // windows before the penalty lifts
}

// ticket is one admitted request. Its holder must call governor.done once.
type ticket struct {
	b     *bucket
	gen   int
	probe bool
	epoch int // concEpoch when sent
}

func newGovernor(clk clock.Clock, share float64, maxConcurrency int, log *slog.Logger) *governor {
	return &governor{
		clk:       clk,
		share:     share,
		log:       log,
		maxConc:   max(1, maxConcurrency),
		concLimit: float64(max(1, maxConcurrency)),
		buckets:   map[string]*bucket{},
		hints:     map[string]*BucketStats{},
		tags:      map[string]*BucketStats{},
		changed:   make(chan struct{}),
	}
}

// acquire waits until a request on route (its path shape) may be sent, then
// reserves it. hint is the client's bucket name, under which Stats counts it.
func (g *governor) acquire(ctx context.Context, hint, route string) (*ticket, error) {
	start := g.clk.Now()
	waited, lastReason := false, ""
	for {
		g.mu.Lock()
		b := g.bucketLocked(hint, route)
		now := g.clk.Now()
		g.rollLocked(b, now)
		wait, reason := g.admissibleLocked(b, now)
		if reason == "" {
			t := &ticket{b: b, gen: b.gen, epoch: g.concEpoch}
			g.active++
			if !b.known && !b.unlimited {
				b.probing, t.probe = true, true
			}
			b.started++
			b.inFlight++
			b.inFlightCur++
			if waited {
				for _, st := range g.statsLocked(ctx, b) {
					st.Waits++
					st.WaitTime += now.Sub(start)
				}
			}
			g.mu.Unlock()
			return t, nil
		}
		ch := g.changed
		g.mu.Unlock()
		if reason != lastReason {
			g.log.Debug("okta rate-limit wait", "bucket", hint, "route", route, "duration", wait, "reason", reason)
			lastReason = reason
		}
		waited = true
		if err := g.sleep(ctx, ch, wait); err != nil {
			return nil, err
		}
	}
}

// admissibleLocked says why a request to b must wait, bucket or concurrency.
func (g *governor) admissibleLocked(b *bucket, now time.Time) (time.Duration, string) {
	if wait, reason := g.blockedLocked(b, now); reason != "" {
		return wait, reason
	}
	if g.active >= int(g.concLimit) {
		return 0, "the requests in flight are at the concurrency limit"
	}
	return 0, ""
}

// blockedLocked says why a request to b must wait, and for how long at most
// (0: until the state changes). reason is "" when it may go.
func (g *governor) blockedLocked(b *bucket, now time.Time) (time.Duration, string) {
	if b.unlimited {
		return 0, ""
	}
	if !b.known {
		if b.probing {
			return 0, "waiting for the first response's rate limits"
		}
		return 0, ""
	}
	if b.rolled && b.inFlightCur > 0 {
		// Until a response tells, we do not know what other clients have
		// already used of the new window: one request goes first.
		return 0, "waiting for the new window's first response"
	}
	share := g.share * b.penalty
	allowed := max(1, int(math.Floor(share*float64(b.limit)+1e-9)))
	reserve := (1 - share) * float64(b.limit)
	wait := b.windowEnd.Sub(now)
	// Requests in flight from an earlier window may still land in this one.
	if b.started+(b.inFlight-b.inFlightCur) >= allowed {
		return wait, "our share of the window is used"
	}
	if float64(b.remaining-b.inFlight) <= reserve+1e-9 {
		return wait, "the rest of the window is left to other clients"
	}
	return 0, ""
}

// rollLocked starts a new window when our Clock passed the end of the
// current one. The new window's reset is only a guess until a response says.
func (g *governor) rollLocked(b *bucket, now time.Time) {
	if !b.known || now.Before(b.windowEnd) {
		return
	}
	n := int(now.Sub(b.windowEnd)/b.windowLen) + 1
	b.windowEnd = b.windowEnd.Add(time.Duration(n) * b.windowLen)
	b.rolled = true
	b.remaining = b.limit
	g.newWindowLocked(b, n)
}

func (g *governor) newWindowLocked(b *bucket, windows int) {
	b.gen++
	b.started = 0
	b.inFlightCur = 0
	if b.penaltyLeft > 0 {
		b.penaltyLeft = max(0, b.penaltyLeft-windows)
		if b.penaltyLeft == 0 {
			b.penalty = 1
		}
	}
}

// done records the end of an attempt: h is the response header (nil after a
// transport error), received is when it arrived on our Clock.
func (g *governor) done(t *ticket, h http.Header, status int, received time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	defer g.notifyLocked()
	g.active--
	switch {
	case status == http.StatusTooManyRequests && concurrencyLimited(h):
		if t.epoch == g.concEpoch {
			g.concLimit = max(1, g.concLimit/2)
			g.concEpoch++
			g.log.Debug("okta concurrency limit: fewer requests in flight", "limit", int(g.concLimit))
		}
	case status >= 200 && status < 300:
		g.concLimit = min(float64(g.maxConc), g.concLimit+1/g.concLimit)
	}
	b := t.b
	b.inFlight--
	if t.gen == b.gen {
		b.inFlightCur--
	}
	if t.probe {
		b.probing = false
	}
	rl, ok := parseRateLimit(h)
	if !ok {
		if h != nil && status >= 200 && status < 300 && !b.known {
			b.unlimited = true
		}
		return
	}
	b.unlimited = false
	end := received.Add(resetAfter(rl.reset, h, received)).Add(resetMargin)
	switch {
	case !b.known:
		b.known = true
		b.limit, b.remaining, b.reset, b.windowEnd = rl.limit, rl.remaining, rl.reset, end
		b.windowLen = defaultWindow
		b.penalty = 1
	case rl.reset > b.reset:
		if d := time.Duration(rl.reset-b.reset) * time.Second; d < b.windowLen {
			b.windowLen = d
		}
		if !b.rolled {
			// Okta's window ended before our estimate did.
			g.newWindowLocked(b, 1)
		}
		b.rolled = false
		b.limit, b.remaining, b.reset, b.windowEnd = rl.limit, rl.remaining, rl.reset, end
		if t.gen != b.gen {
			b.started++ // sent in the previous window, counted in this one
		}
	case rl.reset == b.reset && !b.rolled:
		b.limit = rl.limit
		b.remaining = min(b.remaining, rl.remaining)
		if end.Before(b.windowEnd) {
			b.windowEnd = end
		}
		if t.gen != b.gen {
			b.started++
		}
	default:
		// A late response from a window that is over.
	}
	if status == http.StatusTooManyRequests {
		if rl.reset == b.reset && !b.rolled {
			b.remaining = 0
		}
		b.penalty = max(minPenalty, b.penalty*penaltyFactor)
		b.penaltyLeft = penaltyWindows
	}
}

// count updates a bucket hint's counters, and those of the request's stats tag.
func (g *governor) count(ctx context.Context, hint string, f func(*BucketStats)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, st := range g.hintStatsLocked(ctx, hint) {
		f(st)
	}
}

// statsLocked returns the counters a request on b updates.
func (g *governor) statsLocked(ctx context.Context, b *bucket) []*BucketStats {
	return g.hintStatsLocked(ctx, b.hint)
}

// hintStatsLocked returns the counters a request updates: its bucket hint's,
// and its tag's when the context carries one (WithStatsTag).
func (g *governor) hintStatsLocked(ctx context.Context, hint string) []*BucketStats {
	hs, ok := g.hints[hint]
	if !ok {
		hs = &BucketStats{}
		g.hints[hint] = hs
	}
	tag, _ := ctx.Value(statsTagKey{}).(string)
	if tag == "" {
		return []*BucketStats{hs}
	}
	st, ok := g.tags[tag]
	if !ok {
		st = &BucketStats{}
		g.tags[tag] = st
	}
	return []*BucketStats{hs, st}
}

// tagStats returns a copy of every tag's counters.
func (g *governor) tagStats() map[string]BucketStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]BucketStats, len(g.tags))
	for tag, st := range g.tags {
		out[tag] = *st
	}
	return out
}

type statsTagKey struct{}

// WithStatsTag labels the requests made with ctx, so their requests, waits,
// 429s, retries and errors are also counted under tag (TagStats): extract
// tags each stream's requests with the stream name.
func WithStatsTag(ctx context.Context, tag string) context.Context {
	return context.WithValue(ctx, statsTagKey{}, tag)
}

// stats returns a copy of every bucket hint's counters.
func (g *governor) stats() map[string]BucketStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]BucketStats, len(g.hints))
	for name, st := range g.hints {
		out[name] = *st
	}
	return out
}

func (g *governor) bucketLocked(hint, route string) *bucket {
	b, ok := g.buckets[route]
	if !ok {
		b = &bucket{name: route, hint: hint, penalty: 1, windowLen: defaultWindow}
		g.buckets[route] = b
	}
	return b
}

func (g *governor) notifyLocked() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// sleep waits for d on the Clock (d <= 0: no deadline), for a state change
// (ch closed), or for ctx.
func (g *governor) sleep(ctx context.Context, ch <-chan struct{}, d time.Duration) error {
	if d <= 0 {
		select {
		case <-ch:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	slept := make(chan struct{})
	go func() {
		_ = g.clk.Sleep(sctx, d)
		close(slept)
	}()
	select {
	case <-ch:
	case <-slept:
	case <-ctx.Done():
	}
	return ctx.Err()
}

// concurrencyLimited reports whether a 429's headers are Okta's concurrent
// values rather than a bucket's: X-Rate-Limit-Limit 0 ("Rate limit best
// practices": over the concurrent limit, the three headers "report the
// concurrent values").
func concurrencyLimited(h http.Header) bool {
	return h != nil && strings.TrimSpace(h.Get("X-Rate-Limit-Limit")) == "0"
}

// rateLimit holds the X-Rate-Limit-* headers of a response.
type rateLimit struct {
	limit, remaining int
	reset            int64
}

func parseRateLimit(h http.Header) (rateLimit, bool) {
	if h == nil {
		return rateLimit{}, false
	}
	limit, err1 := strconv.Atoi(h.Get("X-Rate-Limit-Limit"))
	remaining, err2 := strconv.Atoi(h.Get("X-Rate-Limit-Remaining"))
	reset, err3 := strconv.ParseInt(h.Get("X-Rate-Limit-Reset"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || limit <= 0 || reset <= 0 {
		return rateLimit{}, false
	}
	return rateLimit{limit: limit, remaining: max(0, remaining), reset: reset}, true
}

// resetAfter is how long after the response the window resets: reset minus
// the server's Date, so that only Okta's clock is involved. Without a usable
// Date, or when the two disagree wildly, it falls back on our clock.
func resetAfter(reset int64, h http.Header, received time.Time) time.Duration {
	at := time.Unix(reset, 0)
	plausible := func(d time.Duration) bool { return d > -2*time.Second && d <= maxWindow }
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		if d := at.Sub(date); plausible(d) {
			return max(0, d)
		}
	}
	if d := at.Sub(received); plausible(d) {
		return max(0, d)
	}
	return defaultWindow
}
