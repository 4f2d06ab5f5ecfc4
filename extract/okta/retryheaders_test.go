package okta

import (
	"context"
	"net/http"
	"sync"
	"testing"
)

// TestRetryHeaders: a retry carries X-Okta-Retry-For, the X-Okta-Request-Id
// of the first failed attempt, and X-Okta-Retry-Count, the retries so far,
// as Okta's SDKs send them (okta-sdk-golang's request executor,
// okta-sdk-dotnet's AddRetryOktaHeaders). The first attempt carries neither.
func TestRetryHeaders(t *testing.T) {
	var mu sync.Mutex
	var seen []http.Header
	fail := func(id string, code int) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Okta-Request-Id", id)
			writeOktaError(w, code, "E0000009", "Internal Server Error", id)
		}
	}
	replies := []func(http.ResponseWriter, *http.Request){fail("req-first", 500), fail("req-second", 502), fail("req-third", 503)}
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		i := len(seen)
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		if i < len(replies) {
			replies[i](w, r)
			return
		}
		writeJSON(w, []any{})
	}))
	c := newTestClient(t, srv.URL, func(c *Config) { c.Clock = newManualClock() })
	if _, err := c.Get(context.Background(), "/api/v1/users"); err != nil {
		t.Fatal(err)
	}
	want := []struct{ retryFor, count string }{{"", ""}, {"req-first", "1"}, {"req-first", "2"}, {"req-first", "3"}}
	if len(seen) != len(want) {
		t.Fatalf("%d attempts, want %d", len(seen), len(want))
	}
	for i, w := range want {
		h := seen[i]
		if h.Get("X-Okta-Retry-For") != w.retryFor || h.Get("X-Okta-Retry-Count") != w.count || len(h.Values("X-Okta-Retry-Count")) > 1 {
			t.Errorf("attempt %d: Retry-For %q Count %q, want %q %q", i+1, h.Get("X-Okta-Retry-For"), h.Values("X-Okta-Retry-Count"), w.retryFor, w.count)
		}
	}
}
