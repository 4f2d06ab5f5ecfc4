package oktatest

import (
	"net/url"
	"sync"
	"testing"
	"time"
)

// TestLogInsertionsWhileServing adds events while the log is being read:
// under the race detector, an insertion must never write memory a reader
// is ranging over.
func TestLogInsertionsWhileServing(t *testing.T) {
	cfg := testOrgConfig()
	cfg.LogEvents = 50
	s, _ := startServer(t, cfg, Options{})
	o := s.Org()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 300 {
			// Published out of order so insertions land mid-slice.
			o.AddLogEvent(testNow.Add(-time.Duration(i%7)*time.Hour), testNow.Add(-time.Duration(i%7)*time.Hour))
		}
	}()
	since := url.QueryEscape(ts(testNow.Add(-day)))
	for range 40 {
		get(t, s, "/api/v1/logs?limit=1000&since="+since)
	}
	wg.Wait()
	if n := o.CountLogs(testNow.Add(-day), testNow.Add(time.Millisecond), testNow); n < 300 {
		t.Fatalf("CountLogs = %d after 300 insertions", n)
	}
}
