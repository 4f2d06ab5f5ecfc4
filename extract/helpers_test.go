package extract

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// fixture is a simulated org, its server, a client and a local bucket.
type fixture struct {
	org    *oktatest.Org
	srv    *oktatest.Server
	client *okta.Client
	store  lake.Store
	dir    string // the bucket's directory
	clock  clock.Clock
}

type fixtureOptions struct {
	org     oktatest.OrgConfig
	server  oktatest.Options
	share   float64
	workers int
	clock   clock.Clock
}

// fixedNow is the present of tests on a manual clock.
var fixedNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func newFixture(t *testing.T, fo fixtureOptions) *fixture {
	t.Helper()
	if fo.org.Users == 0 {
		fo.org = oktatest.DefaultOrgConfig()
	}
	// A test either runs on a manual clock at a fixed date, or derives the
	// org's present from the clock it runs on: never a fixed org on the
	// wall clock, which passes only on the days near the fixed date.
	switch {
	case fo.clock != nil && fo.org.Now.IsZero():
		fo.org.Now = fo.clock.Now().UTC().Truncate(time.Second)
	case fo.clock == nil:
		if fo.org.Now.IsZero() {
			fo.org.Now = fixedNow
		}
		fo.clock = oktatest.NewManualClock(fo.org.Now)
	}
	if fo.share == 0 {
		fo.share = 1
	}
	org := oktatest.NewOrg(fo.org)
	fo.server.Token = "test-token-not-secret"
	fo.server.Clock = fo.clock
	srv := oktatest.NewServer(org, fo.server)
	t.Cleanup(srv.Close)
	client, err := okta.New(okta.Config{Domain: srv.URL, APIToken: fo.server.Token, Clock: fo.clock, RateLimitShare: fo.share, MaxConcurrency: max(fo.workers, 4)})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	store, _, err := lake.OpenStore(context.Background(), dir, lake.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{org: org, srv: srv, client: client, store: store, dir: dir, clock: fo.clock}
}

func (f *fixture) config(names ...string) Config {
	sel, err := streams.Select(names)
	if err != nil {
		panic(err)
	}
	return Config{Client: f.client, Store: f.store, Streams: sel, Clock: f.clock, Concurrency: 8}
}

// readStream returns every record of a stream in the bucket, in key order.
func readStream(t testing.TB, store lake.Store, stream string) []map[string]any {
	t.Helper()
	var out []map[string]any
	eachRecord(t, store, stream, func(m map[string]any) { out = append(out, m) })
	return out
}

// readObject returns the records of one object.
func readObject(t testing.TB, store lake.Store, key string) []map[string]any {
	t.Helper()
	var out []map[string]any
	eachInObject(t, store, key, func(m map[string]any) { out = append(out, m) })
	return out
}

// eachRecord calls fn for every record of a stream in key order, holding
// one record at a time (benchmarks count millions).
func eachRecord(t testing.TB, store lake.Store, stream string, fn func(map[string]any)) {
	t.Helper()
	for _, k := range keysUnder(t, store, "data/okta/"+stream+"/") {
		eachInObject(t, store, k, fn)
	}
}

// eachInObject checks every line of an object is a complete Airbyte v2
// envelope and calls fn with its record.
func eachInObject(t testing.TB, store lake.Store, k string, fn func(map[string]any)) {
	t.Helper()
	rc, err := store.Open(context.Background(), k)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	r, err := lake.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if rec.Envelope != lake.V2 || rec.RawID == "" || rec.ExtractedAt.IsZero() {
			t.Fatalf("%s line %d: not a complete Airbyte v2 envelope: %+v", k, rec.Line, rec)
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Data, &m); err != nil {
			t.Fatalf("%s line %d: %v", k, rec.Line, err)
		}
		fn(m)
	}
}

func uniqueField(recs []map[string]any, field string) map[string]int {
	out := map[string]int{}
	for _, r := range recs {
		if v, ok := r[field].(string); ok {
			out[v]++
		}
	}
	return out
}

// backfillConfig is a backfill of [since, until) on the client, bucket,
// layout, clock and logger of an extract configuration.
func backfillConfig(c Config, since, until time.Time) BackfillConfig {
	return BackfillConfig{
		Client: c.Client, Store: c.Store, Prefix: c.Prefix, Namespace: c.Namespace,
		PathFormat: c.PathFormat, Envelope: c.Envelope, MaxFileSize: c.MaxFileSize,
		Clock: c.Clock, Logger: c.Logger, StaleAge: c.StaleAge,
		Since: since, Until: until,
	}
}

func mustRun(t *testing.T, cfg Config) *Summary {
	t.Helper()
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := sum.Err(); err != nil {
		t.Fatal(err)
	}
	return sum
}

func keysUnder(t testing.TB, store lake.Store, prefix string) []string {
	t.Helper()
	var keys []string
	if err := store.List(context.Background(), prefix, "", func(o lake.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func clockReal() clock.Clock { return clock.Real() }
