package extract

import (
	"bufio"
	"context"
	"flag"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

var (
	benchScale  = flag.Float64("bench.scale", 1, "fraction of the benchmark org's sizes (1 = the issue's 100k users, 5k groups, 500 apps, 1M events)")
	benchFactor = flag.Float64("bench.clock", 30, "simulated seconds per real second in the rate-limited benchmarks")
)

// enterpriseLimits are the Enterprise column of Okta's Management rate
// limits table, as the simulator holds it (oktatest.LimitsEnterprise): the
// client knows none of it and learns its buckets from the headers.
var enterpriseLimits = oktatest.LimitsEnterprise.Limits()

func benchOrg(now time.Time) oktatest.OrgConfig {
	s := *benchScale
	scale := func(n int) int { return max(1, int(math.Round(float64(n)*s))) }
	return oktatest.OrgConfig{
		Seed: 7, Now: now,
		Users: scale(100_000), Admins: scale(50), Groups: scale(5_000), EmptyGroupFraction: 0.2,
		Apps: scale(500), CustomRoles: 10, ResourceSets: 5,
		LogEvents: scale(1_000_000), LogSpan: 30 * 24 * time.Hour, DeprovisionedFraction: 0.05,
	}
}

// peakRSS samples the process's high-water resident set (VmHWM), in MB.
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkExtractUsers100k is the foundation figure: the users stream of a
// 100k-user org with 20 ms per request, no rate limit. Pages of one stream
// are sequential (each carries the next cursor), so the floor is
// requests × latency.
func BenchmarkExtractUsers100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		org := oktatest.NewOrg(benchOrg(time.Now().UTC().Truncate(time.Second)))
		srv := oktatest.NewServer(org, oktatest.Options{Token: "t", Latency: 20 * time.Millisecond})
		client, _ := okta.New(okta.Config{Domain: srv.URL, APIToken: "t", RateLimitShare: 1})
		store, _, _ := lake.OpenStore(context.Background(), b.TempDir(), lake.StoreOptions{})
		sel, _ := streams.Select([]string{"users"})
		start := time.Now()
		sum, err := Run(context.Background(), Config{Client: client, Store: store, Streams: sel})
		wall := time.Since(start)
		if err == nil {
			err = sum.Err()
		}
		if err != nil {
			b.Fatal(err)
		}
		srv.Close()
		users := org.Count("users")
		minimum := int(math.Ceil(float64(users) / 200))
		requests := srv.Stats().Requests[oktatest.BucketUsers]
		b.ReportMetric(float64(requests)/float64(minimum), "requests/min")
		b.ReportMetric(wall.Seconds(), "wall_s")
		b.ReportMetric(wall.Seconds()/(float64(minimum)*0.020), "wall/latency_floor")
		b.ReportMetric(float64(sum.Records())/wall.Seconds(), "records/s")
	}
}

// BenchmarkExtractEnterprise runs every stream (logs: the default 7 days)
// against Enterprise-like limits, 35 concurrent requests allowed and 50 ms
// latency, on a compressed clock. It reports requests against the minimum,
// wall time against the rate-limit floor at share 1.0, 429s and peak RSS.
func BenchmarkExtractEnterprise(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_, clk, org, srv, client, store := enterpriseSetup(b)
		stop := sampleHeap()
		t0 := clk.Now()
		sum, err := Run(context.Background(), Config{Client: client, Store: store, Streams: streams.All(), Clock: clk, Concurrency: 35})
		simWall := clk.Now().Sub(t0)
		heap := stop()
		rss := peakRSS() // before the verification below reads the bucket back
		if err == nil {
			err = sum.Err()
		}
		if err != nil {
			b.Fatal(err)
		}
		srv.Close()
		st := srv.Stats()
		minimum, perBucketMin := minimumRequests(b, org, store)
		total := 0
		for _, n := range st.Requests {
			total += n
		}
		floor := rateFloor(st.Requests)
		b.ReportMetric(float64(total)/float64(minimum), "requests/min")
		b.ReportMetric(simWall.Minutes(), "sim_min")
		b.ReportMetric(floor.Minutes(), "floor_min")
		b.ReportMetric(simWall.Seconds()/floor.Seconds(), "wall/floor")
		b.ReportMetric(float64(st.TooManyRequests), "429s")
		b.ReportMetric(rss, "peak_rss_MB")
		b.ReportMetric(heap, "peak_heap_MB")
		b.Logf("requests per bucket %v, minimum %v (total %d vs %d); simulated wall %s, floor %s", st.Requests, perBucketMin, total, minimum, simWall.Round(time.Second), floor.Round(time.Second))
	}
}

// BenchmarkBackfill30Days backfills 30 days of system log (1M events at
// full scale) in 6h windows with 4 workers against the logs limit.
func BenchmarkBackfill30Days(b *testing.B) {
	for i := 0; i < b.N; i++ {
		start, clk, org, srv, client, store := enterpriseSetup(b)
		since := start.Add(-30 * 24 * time.Hour).Truncate(time.Hour)
		until := start.Add(-DefaultBackfillSafetyLag) // where polling takes over
		stop := sampleHeap()
		t0 := clk.Now()
		sum, err := Backfill(context.Background(), BackfillConfig{
			Client: client, Store: store, Clock: clk,
			Since: since, Until: until, Window: 6 * time.Hour, Workers: 4,
		})
		simWall := clk.Now().Sub(t0)
		heap := stop()
		rss := peakRSS()
		if err != nil {
			b.Fatal(err)
		}
		srv.Close()
		st := srv.Stats()
		// Each window needs ceil(events/1000) pages, at least one.
		minimum := 0
		for _, w := range SplitWindows(since, until, 6*time.Hour) {
			minimum += max(1, int(math.Ceil(float64(org.CountLogs(w.Since, w.Until, start))/1000)))
		}
		floor := rateFloor(st.Requests)
		b.ReportMetric(float64(st.Requests[oktatest.BucketLogs])/float64(minimum), "requests/min")
		b.ReportMetric(simWall.Seconds()/floor.Seconds(), "wall/floor")
		b.ReportMetric(float64(st.TooManyRequests), "429s")
		b.ReportMetric(float64(sum.Events), "events")
		b.ReportMetric(rss, "peak_rss_MB")
		b.ReportMetric(heap, "peak_heap_MB")
		b.Logf("%d events, %d requests (minimum %d), simulated wall %s vs floor %s", sum.Events, st.Requests[oktatest.BucketLogs], minimum, simWall.Round(time.Second), floor.Round(time.Second))
	}
}

// enterpriseSetup starts the benchmark org behind Enterprise's limits (its
// per-minute table and 75 concurrent requests; the client sends 35 at most)
// and 50 ms latency, on a compressed clock that starts
// on a minute boundary (where Okta's windows start).
func enterpriseSetup(b *testing.B) (time.Time, clock.Clock, *oktatest.Org, *oktatest.Server, *okta.Client, lake.Store) {
	start := time.Now().UTC().Truncate(time.Minute).Add(time.Minute)
	clk := clock.Scaled(start, *benchFactor)
	org := oktatest.NewOrg(benchOrg(start))
	srv := oktatest.NewServer(org, oktatest.Options{Token: "t", Clock: clk, Latency: 50 * time.Millisecond, Limits: enterpriseLimits, Concurrency: oktatest.LimitsEnterprise.Concurrency})
	client, err := okta.New(okta.Config{Domain: srv.URL, APIToken: "t", Clock: clk, RateLimitShare: 1, MaxConcurrency: 35})
	if err != nil {
		b.Fatal(err)
	}
	store, _, err := lake.OpenStore(context.Background(), b.TempDir(), lake.StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return start, clk, org, srv, client, store
}

// rateFloor is the time the requests need at share 1.0 if every bucket
// runs its requests at its limit in parallel with the others: the slowest
// bucket's requests/limit.
func rateFloor(requests map[string]int) time.Duration {
	var worst float64
	for bucket, n := range requests {
		if lim := enterpriseLimits[bucket]; lim > 0 {
			worst = math.Max(worst, float64(n)/float64(lim))
		}
	}
	return time.Duration(worst * float64(time.Minute))
}

// minimumRequests counts the requests a perfect client needs: for every
// listing, ceil(records/page) and at least one; one listing per parent
// asked; logs need one extra empty page to learn they are caught up.
func minimumRequests(b *testing.B, org *oktatest.Org, store lake.Store) (int, map[string]int) {
	perBucket := map[string]int{}
	add := func(bucket string, n int) { perBucket[bucket] += n }
	pages := func(n, size int) int {
		if size <= 0 {
			return 1
		}
		return max(1, int(math.Ceil(float64(n)/float64(size))))
	}
	cfg := org.Config()
	for _, st := range streams.All() {
		if st.Parent != "" {
			continue
		}
		add(oktatest.BucketFor(st.Path), pages(org.Count(st.Name), st.PageSize))
	}
	add(oktatest.BucketLogs, 1)
	children := func(stream, field string) map[string]int {
		counts := map[string]int{}
		eachRecord(b, store, stream, func(r map[string]any) {
			id, _ := r[field].(string)
			counts[id]++
		})
		return counts
	}
	// Fan-out requests count where the simulator's table puts the child
	// endpoint (group members in the groups list row, roles in /api/v1).
	child := func(stream string) string {
		st, _ := streams.Lookup(stream)
		return oktatest.BucketFor(strings.Replace(st.Path, "{id}", "x1", 1))
	}
	nonEmpty := cfg.Groups - int(math.Round(float64(cfg.Groups-1)*cfg.EmptyGroupFraction))
	members := children("group_members", "groupId")
	for _, n := range members {
		add(child("group_members"), pages(n, 1000))
	}
	add(child("group_members"), max(0, nonEmpty-len(members)))
	add(child("group_role_assignments"), cfg.Groups) // every group is asked
	add(oktatest.BucketGroups, 1)                    // the full parent list (groups' own listing is incremental)
	for _, s := range []struct {
		stream string
		size   int
	}{{"application_users", 500}, {"application_groups", 200}} {
		c := children(s.stream, "appId")
		for _, n := range c {
			add(child(s.stream), pages(n, s.size))
		}
		add(child(s.stream), cfg.Apps-len(c))
	}
	add(child("permissions"), cfg.CustomRoles)
	add(oktatest.BucketFor("/api/v1/iam/assignees/users"), 1)
	add(child("user_role_assignments"), len(org.AdminIDs()))
	total := 0
	for _, n := range perBucket {
		total += n
	}
	return total, perBucket
}

// sampleHeap samples the Go heap every 50 ms until stopped; it returns the
// peak in MB.
func sampleHeap() func() float64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return func() float64 {
		close(done)
		wg.Wait()
		return float64(peak.Load()) / (1 << 20)
	}
}

// BenchmarkExtractSteadyState runs the benchmark org (every stream but the
// System Log itself) on a manual clock: a full run, an hourly run of the
// unchanged org, and one after 1% of groups and apps changed (a member
// added to each changed group, a user assigned to each changed app). It
// reports each later run's requests as a ratio of the full run's, the
// unchanged run's requests per stream, and the changed run's extra
// requests per changed parent.
func BenchmarkExtractSteadyState(b *testing.B) {
	for i := 0; i < b.N; i++ {
		start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
		clk := clock.NewManual(start)
		cfg := benchOrg(start)
		cfg.LogEvents = 0 // the change feeds read only the mutations' events
		org := oktatest.NewOrg(cfg)
		srv := oktatest.NewServer(org, oktatest.Options{Token: "t", Clock: clk})
		client, err := okta.New(okta.Config{Domain: srv.URL, APIToken: "t", Clock: clk, RateLimitShare: 1, MaxConcurrency: 16})
		if err != nil {
			b.Fatal(err)
		}
		store, _, err := lake.OpenStore(context.Background(), b.TempDir(), lake.StoreOptions{})
		if err != nil {
			b.Fatal(err)
		}
		var sel []streams.Stream
		for _, st := range streams.All() {
			if !st.AppendOnly {
				sel = append(sel, st)
			}
		}
		run := func() int {
			from := len(srv.RequestLog())
			sum, err := Run(context.Background(), Config{Client: client, Store: store, Streams: sel, Clock: clk, Concurrency: 16})
			if err == nil {
				err = sum.Err()
			}
			if err != nil {
				b.Fatal(err)
			}
			clk.Advance(time.Hour)
			return len(srv.RequestLog()) - from
		}
		full := run()
		steady := run()
		at := clk.Now().Add(-30 * time.Minute)
		changed := 0
		for g := 1; g < cfg.Groups; g += 100 {
			for u := g; u < g+50; u++ {
				if org.AddGroupMember(org.GroupID(g), org.UserID(u%cfg.Users), at) == nil {
					changed++
					break
				}
			}
		}
		for a := 0; a < cfg.Apps; a += 100 {
			for u := a; u < a+50; u++ {
				if org.AssignUserToApp(org.AppID(a), org.UserID(u%cfg.Users), at) == nil {
					changed++
					break
				}
			}
		}
		after := run()
		srv.Close()
		b.ReportMetric(float64(full), "full_requests")
		b.ReportMetric(float64(steady)/float64(full), "steady/full")
		b.ReportMetric(float64(steady)/float64(len(sel)), "steady_requests/stream")
		b.ReportMetric(float64(after)/float64(full), "changed1pct/full")
		b.ReportMetric(float64(after-steady)/float64(max(changed, 1)), "extra_requests/changed_parent")
		b.Logf("requests: full %d, unchanged %d, after %d parents changed %d (%d streams)", full, steady, changed, after, len(sel))
	}
}
