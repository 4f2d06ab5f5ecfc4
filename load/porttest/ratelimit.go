package porttest

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// rateWindow counts requests admitted in the current fixed window.
type rateWindow struct {
	start time.Time
	used  int
}

// admit counts an API request against the window, sets Port's rate-limit
// headers and answers 429 when the window is spent.
func (s *Server) admit(w http.ResponseWriter) bool {
	limit := s.opts.RateLimit
	if limit <= 0 {
		return true
	}
	now := s.clock.Now()
	s.mu.Lock()
	start := now.Truncate(s.opts.Window)
	if !start.Equal(s.window.start) {
		s.window = rateWindow{start: start}
	}
	ok := s.window.used < limit
	if ok {
		s.window.used++
	} else {
		s.stats.RateLimited++
	}
	remaining := limit - s.window.used
	s.mu.Unlock()
	s.setRateHeaders(w, limit, remaining, now, start.Add(s.opts.Window))
	if !ok {
		writeError(w, http.StatusTooManyRequests, "rate_limit_exceeded", "Too many requests, please retry after the rate limit resets")
	}
	return ok
}

func (s *Server) setRateHeaders(w http.ResponseWriter, limit, remaining int, now, reset time.Time) {
	h := w.Header()
	h.Set("x-ratelimit-limit", strconv.Itoa(limit))
	h.Set("x-ratelimit-remaining", strconv.Itoa(remaining))
	if s.opts.ResetAsEpoch {
		h.Set("x-ratelimit-reset", strconv.FormatInt(int64(math.Ceil(float64(reset.UnixMilli())/1000)), 10))
		return
	}
	// Seconds until reset, rounded up to the millisecond so a client that
	// waits exactly this long lands in the next window.
	ms := math.Ceil(float64(reset.Sub(now)) / float64(time.Millisecond))
	h.Set("x-ratelimit-reset", strconv.FormatFloat(ms/1000, 'f', -1, 64))
}

// nextFault counts an API request and returns the fault that hits it, if any.
func (s *Server) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiRequests++
	s.stats.APIRequests = s.apiRequests
	for _, f := range s.opts.Faults {
		if n := max(f.Count, 1); s.apiRequests >= f.From && s.apiRequests < f.From+n {
			return f, true
		}
	}
	return Fault{}, false
}

func (s *Server) injectFault(w http.ResponseWriter, f Fault) {
	switch {
	case f.Status == http.StatusUnauthorized:
		s.revokeTokens()
		writeError(w, http.StatusUnauthorized, "unauthorized", "Invalid or expired access token")
	case f.Status == http.StatusTooManyRequests:
		reset := f.Reset
		if reset <= 0 {
			reset = time.Second
		}
		s.mu.Lock()
		s.stats.RateLimited++
		s.mu.Unlock()
		now := s.clock.Now()
		s.setRateHeaders(w, max(s.opts.RateLimit, 1), 0, now, now.Add(reset))
		writeError(w, http.StatusTooManyRequests, "rate_limit_exceeded", "Too many requests, please retry after the rate limit resets")
	default:
		writeError(w, f.Status, "internal_error", "injected fault: "+http.StatusText(f.Status))
	}
}
