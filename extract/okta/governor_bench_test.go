package okta

import (
	"context"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
)

// BenchmarkGovernorFloor measures the governor against its goal: at share 1.0
// on a server that enforces its limits, no 429 and a wall time within 1.1× of
// the rate-limit floor (requests / limit windows). Time runs 600× faster, so a
// one-minute window lasts 100 ms. Metrics: wall/floor, 429s, windows (simulated time
// in windows; the ideal is just over 9 for 10 windows' worth of requests).
func BenchmarkGovernorFloor(b *testing.B) {
	const limit, requests, workers = 100, 1000, 16
	window := time.Minute
	var ratio, tooMany, windows float64
	for b.Loop() {
		clk := clock.Scaled(testStart, 600) // starts on a window boundary
		fake := newLimitedOkta(clk, limit, 0, window)
		fake.delay = 500 * time.Microsecond
		srv := httptest.NewServer(fake)
		c, err := New(Config{Domain: srv.URL, APIToken: testToken, Clock: clk, RateLimitShare: 1, MaxConcurrency: 10})
		if err != nil {
			b.Fatal(err)
		}
		start := clk.Now()
		jobs := make(chan int)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := range jobs {
					if _, err := c.Get(context.Background(), "/api/v1/users?i="+strconv.Itoa(i)); err != nil {
						b.Error(err)
					}
				}
			})
		}
		for i := range requests {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		elapsed := clk.Now().Sub(start)
		srv.Close()
		_, n429, _ := fake.stats("users")
		floor := time.Duration(requests/limit) * window
		// A perfect pacer ends early in the last window: about (floor − 1
		// window) + a few round trips, so wall/floor is just under 1.
		ratio = float64(elapsed) / float64(floor)
		windows = float64(elapsed) / float64(window)
		tooMany = float64(n429)
	}
	b.ReportMetric(ratio, "wall/floor")
	b.ReportMetric(tooMany, "429s")
	b.ReportMetric(windows, "windows")
}
