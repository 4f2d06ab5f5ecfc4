package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Every name is exported once the metric has a value, and the Okta
// transport counts requests and remaining headroom per bucket.
func TestMetricsExported(t *testing.T) {
	s := New()
	okta := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Rate-Limit-Remaining", "42")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer okta.Close()
	hc := &http.Client{Transport: s.OktaTransport(nil, func(p string) string {
		if strings.HasPrefix(p, "/api/v1/users") {
			return "users"
		}
		return "other"
	})}
	res, err := hc.Get(okta.URL + "/api/v1/users/00u1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	s.Deliveries.WithLabelValues(DeliveryAccepted).Inc()
	s.Events.WithLabelValues(EventNew).Add(3)
	s.AckSeconds.Observe(0.1)
	s.Refreshes.WithLabelValues("users", RefreshRecord).Inc()
	s.ObserveCommit("users", 20*time.Millisecond, nil)
	s.EntitiesLoaded.WithLabelValues("users").Add(2)
	s.DeadLettersSent.WithLabelValues("users").Inc()

	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	res, err = http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	text := string(body)
	for _, name := range Names() {
		if !strings.Contains(text, "\n"+name) && !strings.Contains(text, "\n"+name+"_bucket") {
			t.Errorf("%s not exported", name)
		}
	}
	for _, want := range []string{
		`oktalake_okta_requests_total{bucket="users",code="429"} 1`,
		`oktalake_okta_rate_limit_remaining{bucket="users"} 42`,
		`oktalake_event_hook_events_total{result="new"} 3`,
		`oktalake_commits_total{result="ok",stream="users"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %s", want)
		}
	}
}
