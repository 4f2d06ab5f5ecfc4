package oktatest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"path"
	"time"
)

// FaultKind is what goes wrong when a fault fires.
type FaultKind int

// Fault kinds.
const (
	// FaultStatus answers with Fault.Status (default 500): a 500 carries
	// Okta's JSON error, 502/503/504 the HTML a load balancer sends.
	FaultStatus FaultKind = iota + 1
	// FaultReset closes the connection without a response (TCP RST).
	FaultReset
	// FaultRateLimitStorm answers the firing request and the next Count-1
	// requests of its rate-limit bucket with 429, reset Fault.Reset ahead.
	FaultRateLimitStorm
	// FaultMalformed answers 200 with the JSON body cut in half.
	FaultMalformed
)

// Fault is one deterministic failure rule.
type Fault struct {
	// Kind is what happens.
	Kind FaultKind
	// Path is a path.Match pattern on the request path, e.g.
	// "/api/v1/groups/*/users"; empty matches every request.
	Path string
	// Nth fires the fault on the Nth matching request (1-based), and on
	// the Count-1 after it (storms fire once and last Count requests).
	Nth int
	// Count is how many requests the fault covers; zero means one.
	Count int
	// Fraction, when Nth is zero, fires on this share of matching requests,
	// chosen by a hash of Seed and the request's ordinal (deterministic).
	// With both Nth and Fraction zero every matching request faults.
	Fraction float64
	// Seed varies which requests a Fraction picks.
	Seed int64
	// Status is FaultStatus's code: 500, 502, 503 or 504.
	Status int
	// Reset is how far ahead a storm's X-Rate-Limit-Reset points; zero
	// means five seconds.
	Reset time.Duration
}

func (f Fault) matches(p string) bool {
	if f.Path == "" {
		return true
	}
	ok, err := path.Match(f.Path, p)
	return err == nil && ok
}

// fires reports whether the m-th matching request (1-based) of fault i faults.
func (f Fault) fires(i, m int) bool {
	switch {
	case f.Nth > 0:
		span := max(f.Count, 1)
		if f.Kind == FaultRateLimitStorm {
			span = 1
		}
		return m >= f.Nth && m < f.Nth+span
	case f.Fraction > 0:
		return float64(hash64(f.Seed, kindFault, i, m)>>11)/(1<<53) < f.Fraction
	}
	return true
}

// injectFault answers the request with the first firing fault, if any, and
// reports whether it did. serve renders the real response (for FaultMalformed).
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request, bucket string, now time.Time, serve func(http.ResponseWriter)) bool {
	s.mu.Lock()
	var hit *Fault
	for i, f := range s.faults {
		if !f.matches(r.URL.Path) {
			continue
		}
		s.faultN[i]++
		if hit == nil && f.fires(i, s.faultN[i]) {
			hit = &s.faults[i]
		}
	}
	if hit == nil {
		s.mu.Unlock()
		return false
	}
	f := *hit
	if f.Kind == FaultRateLimitStorm {
		reset := f.Reset
		if reset <= 0 {
			reset = 5 * time.Second
		}
		st := &storm{left: max(f.Count, 1) - 1, reset: now.Add(reset)}
		s.storms[bucket] = st
		s.stats.TooManyRequests++
		s.stats.TooManyByBucket[bucket]++
		s.mu.Unlock()
		h := w.Header()
		h.Set("X-Rate-Limit-Remaining", "0")
		h.Set("X-Rate-Limit-Reset", formatUnix(st.reset))
		s.writeError(w, http.StatusTooManyRequests, codeRateLimit, summaryRateLimit)
		return true
	}
	s.stats.Faults++
	s.mu.Unlock()

	switch f.Kind {
	case FaultReset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler) // no hijacking (HTTP/2): abort the stream instead
	case FaultMalformed:
		rec := httptest.NewRecorder()
		for k, v := range w.Header() {
			rec.Header()[k] = v
		}
		serve(rec)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		body := rec.Body.Bytes()
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:len(body)/2])
	default:
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		if status == http.StatusInternalServerError {
			s.writeError(w, status, codeInternal, summaryInternal)
			return true
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<html><head><title>" + http.StatusText(status) + "</title></head><body><h1>" +
			http.StatusText(status) + "</h1></body></html>\n"))
	}
	return true
}
