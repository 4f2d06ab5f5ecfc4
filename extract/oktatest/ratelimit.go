package oktatest

import (
	"net/http"
	"strconv"
	"time"
)

// nominalLimit is what X-Rate-Limit-Limit reports for an unlimited bucket,
// so clients that pace on the headers never throttle against it.
const nominalLimit = 1_000_000

// window is one bucket's fixed 60-second rate-limit window.
type window struct {
	start time.Time
	count int
}

// storm makes the next left requests of a bucket fail with 429.
type storm struct {
	left  int
	reset time.Time
}

// admit counts the request against its bucket's window, sets Okta's
// rate-limit headers and reports whether the request is over the limit.
// Windows are aligned to whole minutes, as Okta's are.
func (s *Server) admit(h http.Header, bucket string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.opts.Limits[bucket]
	start := now.UTC().Truncate(time.Minute)
	win := s.windows[bucket]
	if win == nil || !win.start.Equal(start) {
		win = &window{start: start}
		s.windows[bucket] = win
	}
	win.count++
	shown := limit
	if limit <= 0 {
		shown = nominalLimit
	}
	remaining := max(shown-win.count, 0)
	reset := start.Add(time.Minute)
	limited := limit > 0 && win.count > limit
	if st := s.storms[bucket]; st != nil && st.left > 0 && now.Before(st.reset) {
		st.left--
		limited, remaining, reset = true, 0, st.reset
	}
	setRateHeaders(h, shown, remaining, reset)
	return limited
}

func setRateHeaders(h http.Header, limit, remaining int, reset time.Time) {
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Rate-Limit-Reset", formatUnix(reset))
}

func formatUnix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// concurrencyReset estimates when a request turned away by the concurrency
// limit may find room: once the requests in flight, each taking about
// latency, have been answered; the next whole second at the soonest.
func concurrencyReset(now time.Time, latency time.Duration) time.Time {
	return now.Add(max(latency, time.Second)).Truncate(time.Second).Add(time.Second)
}
