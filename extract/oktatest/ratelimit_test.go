package oktatest

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestRateLimitWindow checks the headers counting down, the 429 past the
// limit, bucket independence and the window rolling over on the minute.
func TestRateLimitWindow(t *testing.T) {
	sp := mustSpec(t)
	s, clk := startServer(t, testOrgConfig(), Options{Limits: map[string]int{BucketUsers: 3}})
	clk.Set(testNow.Add(10 * time.Second))
	wantReset := strconv.FormatInt(testNow.Add(time.Minute).Unix(), 10)
	for i, want := range []struct {
		status    int
		remaining string
	}{{200, "2"}, {200, "1"}, {200, "0"}, {429, "0"}} {
		r := get(t, s, "/api/v1/users?limit=1")
		h := r.header
		if r.status != want.status || h.Get("X-Rate-Limit-Limit") != "3" || h.Get("X-Rate-Limit-Remaining") != want.remaining ||
			h.Get("X-Rate-Limit-Reset") != wantReset {
			t.Fatalf("request %d: %d limit=%s remaining=%s reset=%s, want %d 3 %s %s", i+1, r.status,
				h.Get("X-Rate-Limit-Limit"), h.Get("X-Rate-Limit-Remaining"), h.Get("X-Rate-Limit-Reset"), want.status, want.remaining, wantReset)
		}
		if h.Get("Date") != clk.Now().Format(http.TimeFormat) {
			t.Fatalf("Date %q, want the clock's %q", h.Get("Date"), clk.Now().Format(http.TimeFormat))
		}
		if r.status == 429 {
			var e oktaError
			if err := json.Unmarshal(r.body, &e); err != nil || e.ErrorCode != "E0000047" ||
				e.ErrorSummary != "API call exceeded rate limit due to too many requests." {
				t.Fatalf("429 body %s", r.body)
			}
			if err := sp.validate(s.URL+"/api/v1/users?limit=1", r); err != nil {
				t.Fatalf("429 against the spec: %v", err)
			}
		}
	}
	if r := get(t, s, "/api/v1/groups"); r.status != 200 {
		t.Fatalf("groups bucket limited by users traffic: %d", r.status)
	}
	// Getting a user by id is a row of its own in Okta's table.
	if r := get(t, s, "/api/v1/users/"+s.Org().UserID(1)); r.status != 200 {
		t.Fatalf("user by id limited by the users listing: %d", r.status)
	}
	clk.Set(testNow.Add(time.Minute))
	r := get(t, s, "/api/v1/users")
	if r.status != 200 || r.header.Get("X-Rate-Limit-Remaining") != "2" {
		t.Fatalf("new window: %d remaining %s", r.status, r.header.Get("X-Rate-Limit-Remaining"))
	}
	st := s.Stats()
	if st.Requests[BucketUsers] != 5 || st.Requests[BucketUserByID] != 1 || st.Requests[BucketGroups] != 1 || st.TooManyRequests != 1 ||
		st.TooManyByBucket[BucketUsers] != 1 || st.Paths["/api/v1/users"] != 5 || st.Paths["/api/v1/users/{id}"] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// gateClock blocks every Sleep until the gate opens, to hold requests in
// flight.
type gateClock struct {
	*ManualClock
	gate chan struct{}
}

func (g gateClock) Sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-g.gate:
		return g.ManualClock.Sleep(ctx, d)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestConcurrencyLimit(t *testing.T) {
	clk := gateClock{NewManualClock(testNow), make(chan struct{})}
	s, _ := startServer(t, testOrgConfig(), Options{Clock: clk, Latency: time.Second, Concurrency: 1, Limits: map[string]int{BucketApps: 5}})
	var wg sync.WaitGroup
	var first response
	wg.Add(1)
	go func() {
		defer wg.Done()
		first = get(t, s, "/api/v1/groups")
	}()
	for s.Stats().MaxInFlight < 1 {
		time.Sleep(time.Millisecond)
	}
	second := get(t, s, "/api/v1/apps")
	close(clk.gate)
	wg.Wait()
	if first.status != 200 || second.status != 429 {
		t.Fatalf("held request %d, concurrent request %d; want 200 and 429", first.status, second.status)
	}
	if st := s.Stats(); st.MaxInFlight != 2 || st.TooManyByBucket[BucketApps] != 1 || st.ConcurrencyLimited != 1 {
		t.Fatalf("stats %+v", st)
	}
	// Okta reports a concurrency 429 with the concurrent values: limit and
	// remaining 0 and an estimated reset ("Rate limit best practices",
	// https://developer.okta.com/docs/reference/rl-best-practices/).
	h := second.header
	reset, err := strconv.ParseInt(h.Get("X-Rate-Limit-Reset"), 10, 64)
	if h.Get("X-Rate-Limit-Limit") != "0" || h.Get("X-Rate-Limit-Remaining") != "0" || err != nil ||
		reset <= testNow.Unix() || reset > testNow.Add(time.Minute).Unix() {
		t.Fatalf("concurrency 429 headers limit=%q remaining=%q reset=%q, want 0, 0 and a reset within the minute",
			h.Get("X-Rate-Limit-Limit"), h.Get("X-Rate-Limit-Remaining"), h.Get("X-Rate-Limit-Reset"))
	}
	// ... and it is not counted in the apps bucket's minute window.
	if r := get(t, s, "/api/v1/apps"); r.status != 200 || r.header.Get("X-Rate-Limit-Remaining") != "4" {
		t.Fatalf("after a concurrency 429: %d remaining %s, want 200 and 4 of 5", r.status, r.header.Get("X-Rate-Limit-Remaining"))
	}
	if got := clk.Now(); !got.Equal(testNow.Add(2 * time.Second)) {
		t.Fatalf("latency advanced the clock to %v, want two seconds (the held request, the apps one; not the turned away one)", got)
	}
}
