package oktatest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// largeOrg is the benchmark org: 100k users, 1M log events.
func largeOrg() OrgConfig {
	return OrgConfig{
		Seed: 1, Now: testNow, Users: 100_000, Admins: 50, Groups: 2_000, EmptyGroupFraction: 0.2,
		Apps: 200, CustomRoles: 10, ResourceSets: 5, LogEvents: 1_000_000, LogSpan: 7 * day,
		DeprovisionedFraction: 0.05, LateLogFraction: 0.02,
	}
}

// walkPages follows Link next headers from url, returning records and
// bytes; with poll set it stops at the first empty page.
func walkPages(b *testing.B, c *http.Client, url string, poll bool) (records, bytes int) {
	b.Helper()
	for url != "" {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		req.Header.Set("Authorization", "SSWS "+testToken)
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d %v", url, res.StatusCode, err)
		}
		n := countElements(body)
		records += n
		bytes += len(body)
		if poll && n == 0 {
			break
		}
		url = ""
		for _, l := range res.Header.Values("Link") {
			if strings.HasSuffix(l, `rel="next"`) {
				url = l[1:strings.Index(l, ">")]
			}
		}
	}
	return records, bytes
}

// countElements counts the elements of a JSON array in one pass, cheaper
// than decoding so the benchmark measures the server, not its client.
func countElements(body []byte) int {
	depth, n, inString, escaped, empty := 0, 0, false, false, true
	for _, c := range body {
		switch {
		case escaped:
			escaped = false
		case inString:
			escaped, inString = c == '\\', c != '"'
		case c == '"':
			inString, empty = true, false
		case c == '[' || c == '{':
			if depth == 1 {
				empty = false
			}
			depth++
		case c == ']' || c == '}':
			depth--
		case c == ',' && depth == 1:
			n++
		case depth == 1 && c > ' ':
			empty = false
		}
	}
	if empty {
		return 0
	}
	return n + 1
}

// peakRSSMB reads the process's high-water resident set size (Linux).
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return -1
}

// BenchmarkLargeOrgExtract serves a full extract of users, groups and the
// System Log of a 100k-user, 1M-event org, the simulator in-process, and
// reports throughput and the process's peak RSS.
func BenchmarkLargeOrgExtract(b *testing.B) {
	cfg := largeOrg()
	var records, bytes int
	start := time.Now()
	for b.Loop() {
		o := NewOrg(cfg)
		s := NewServer(o, Options{Token: testToken, Clock: NewManualClock(testNow)})
		c := s.Client()
		for _, w := range []struct {
			stream, path string
			poll         bool
		}{
			{"users", "/api/v1/users?limit=200&search=" + url.QueryEscape("status pr"), false},
			{"groups", "/api/v1/groups?expand=stats&limit=10000", false},
			{"logs", "/api/v1/logs?limit=1000", true},
		} {
			n, by := walkPages(b, c, s.URL+w.path, w.poll)
			if n != o.Count(w.stream) {
				b.Fatalf("%s: served %d records, Count says %d", w.stream, n, o.Count(w.stream))
			}
			records += n
			bytes += by
		}
		s.Close()
		runtime.GC()
	}
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(records)/elapsed, "records/s")
	b.ReportMetric(float64(bytes)/elapsed/1e6, "MB/s")
	b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
}

// BenchmarkLogPage measures one 1000-event polling page deep in a 1M-event log.
func BenchmarkLogPage(b *testing.B) {
	o := NewOrg(largeOrg())
	since := testNow.Add(-3 * day).UnixMilli()
	for b.Loop() {
		keys := o.pollingLogs(since, nil, 1000, testNow.UnixMilli(), nil)
		for _, k := range keys {
			_, _ = json.Marshal(o.logEventJSON(k))
		}
	}
}
