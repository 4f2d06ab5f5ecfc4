package okta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/internal/clock"
)

const testToken = "00testSSWStokenDoNotLeak"

// testStart is the simulated "now" of the tests' clocks.
var testStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newTestClient builds an SSWS client on srvURL with fast retries.
func newTestClient(t *testing.T, srvURL string, mods ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{Domain: srvURL, APIToken: testToken, Clock: clock.Scaled(testStart, 1000)}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// manualClock moves time on at each Sleep and records the sleeps, so waits
// can be checked to the millisecond.
type manualClock = clock.Manual

func newManualClock() *manualClock { return clock.NewManual(testStart) }

// writeJSON writes v as a 200 JSON response.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// writeOktaError writes an Okta error body.
func writeOktaError(w http.ResponseWriter, status int, code, summary, id string, causes ...string) {
	var cs []map[string]string
	for _, c := range causes {
		cs = append(cs, map[string]string{"errorSummary": c})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": id, "errorCauses": cs,
	})
}

// limitedOkta is a small Okta look-alike that counts requests per bucket in
// fixed windows of its clock, sends Okta's rate-limit headers and answers 429
// past the limit. others simulates the org's other integrations: they use that
// many requests at the start of every window.
type limitedOkta struct {
	clk    clock.Clock
	limit  int
	others int
	window time.Duration
	delay  time.Duration // real time per response, so requests overlap

	mu       sync.Mutex
	counts   map[string]map[int64]int // bucket → window start (unix s) → requests, others included
	ours     map[string]map[int64]int // same, ours only
	tooMany  int
	inFlight int
	maxIn    int
}

func newLimitedOkta(clk clock.Clock, limit, others int, window time.Duration) *limitedOkta {
	return &limitedOkta{clk: clk, limit: limit, others: others, window: window,
		counts: map[string]map[int64]int{}, ours: map[string]map[int64]int{}}
}

func (s *limitedOkta) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := s.clk.Now()
	start := now.Truncate(s.window)
	reset := start.Add(s.window)
	bucket := oktatest.BucketFor(r.URL.Path)

	s.mu.Lock()
	if s.counts[bucket] == nil {
		s.counts[bucket], s.ours[bucket] = map[int64]int{}, map[int64]int{}
	}
	key := start.Unix()
	if _, ok := s.counts[bucket][key]; !ok {
		s.counts[bucket][key] = s.others
	}
	s.counts[bucket][key]++
	n := s.counts[bucket][key]
	over := n > s.limit
	if over {
		s.tooMany++
		s.counts[bucket][key]--
	} else {
		s.ours[bucket][key]++
	}
	s.inFlight++
	s.maxIn = max(s.maxIn, s.inFlight)
	remaining := max(0, s.limit-min(n, s.limit))
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	if s.delay > 0 {
		time.Sleep(s.delay)
	}

	h := w.Header()
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(s.limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if over {
		writeOktaError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.", "oaeRate")
		return
	}
	writeJSON(w, []map[string]string{{"id": r.URL.Query().Get("i")}})
}

// stats returns ours per window (sorted by window) for a bucket, the 429 count
// and the most requests in flight at once.
func (s *limitedOkta) stats(bucket string) (perWindow []int, tooMany, maxIn int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []int64
	for k := range s.ours[bucket] {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	for _, k := range keys {
		perWindow = append(perWindow, s.ours[bucket][k])
	}
	return perWindow, s.tooMany, s.maxIn
}

// logBuffer captures slog output at debug level.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// hitCounter is a handler counting its requests, for "no request reached it".
type hitCounter struct {
	mu   sync.Mutex
	hits int
	auth []string
}

func (h *hitCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.hits++
	h.auth = append(h.auth, r.Header.Get("Authorization"))
	h.mu.Unlock()
	writeJSON(w, []any{})
}

func (h *hitCounter) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hits
}

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func ids(p *Page) string {
	var out []string
	for _, r := range p.Records {
		var v struct{ ID string }
		_ = json.Unmarshal(r, &v)
		out = append(out, v.ID)
	}
	return fmt.Sprint(out)
}
