package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/gzip"
	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/laketest"
	"github.com/oktalake/oktalake/load/mapping"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/porttest"
	"github.com/oktalake/oktalake/schemas"
	"github.com/oktalake/oktalake/streams"
)

func TestMain(m *testing.M) { laketest.Main(m) }

// testNow is the simulated present of the tests' orgs and Port clocks.
var testNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// portEnv is a simulated Port and a client for it.
type portEnv struct {
	srv    *porttest.Server
	client *port.Client
	// paths records the path of every API request the client sent, in order.
	paths *requestLog
	tr    *recordingTransport
}

// onRequest runs hook before each API request the client sends, with the
// request's 1-based number.
func (p *portEnv) onRequest(hook func(n int)) {
	p.paths.mu.Lock()
	defer p.paths.mu.Unlock()
	p.tr.onRequest = hook
}

// doneKeys returns a checkpoint's loaded keys, sorted.
func doneKeys(done map[string]time.Time) []string {
	out := make([]string, 0, len(done))
	for k := range done {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// portSetup tunes newPort.
type portSetup struct {
	server porttest.Options
	client port.Config
	// realClock runs Port and the client on the wall clock (benchmarks);
	// otherwise they share a manual clock, so backoffs, 429 resets and
	// latency cost no real time.
	realClock bool
}

// newPort starts porttest (with the shipped blueprints unless others are
// given) and a client for it whose transport records request paths.
func newPort(tb testing.TB, ps portSetup) *portEnv {
	tb.Helper()
	if ps.server.Blueprints == nil {
		bps, err := schemas.PortBlueprints()
		if err != nil {
			tb.Fatal(err)
		}
		ps.server.Blueprints = bps
	}
	var clk clock.Clock = oktatest.NewManualClock(testNow)
	if ps.realClock {
		clk = clock.Real()
	}
	if ps.server.Clock == nil {
		ps.server.Clock = clk
	}
	srv := porttest.NewServer(ps.server)
	tb.Cleanup(srv.Close)
	log := &requestLog{}
	cfg := ps.client
	cfg.BaseURL, cfg.ClientID = srv.URL, srv.ClientID
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = srv.ClientSecret
	}
	if cfg.Clock == nil {
		cfg.Clock = clk
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 64
	tr := &recordingTransport{next: base, log: log}
	cfg.HTTPClient = &http.Client{Transport: tr, Timeout: time.Minute}
	c, err := port.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return &portEnv{srv: srv, client: c, paths: log, tr: tr}
}

// count returns the number of entities of a blueprint in the simulated Port.
func (p *portEnv) count(blueprint string) int { return len(p.srv.Entities(blueprint)) }

// requestLog keeps request paths and the access tokens Port issued.
type requestLog struct {
	mu     sync.Mutex
	paths  []string
	tokens []string
}

func (r *requestLog) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.paths...)
}

func (r *requestLog) issued() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.tokens...)
}

// recordingTransport observes the client's real HTTP traffic: the path of
// each request, and the access tokens in token responses (so tests can
// prove they never reach a log).
type recordingTransport struct {
	next http.RoundTripper
	log  *requestLog
	// onRequest, when set, runs before each API request is sent.
	onRequest func(n int)
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	isToken := strings.HasSuffix(req.URL.Path, "/auth/access_token")
	t.log.mu.Lock()
	var n int
	if !isToken {
		t.log.paths = append(t.log.paths, req.URL.Path)
		n = len(t.log.paths)
	}
	hook := t.onRequest
	t.log.mu.Unlock()
	if hook != nil && !isToken {
		hook(n)
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil || !isToken {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	if json.Unmarshal(body, &tok) == nil && tok.AccessToken != "" {
		t.log.mu.Lock()
		t.log.tokens = append(t.log.tokens, tok.AccessToken)
		t.log.mu.Unlock()
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// bulkBlueprint returns the blueprint of a bulk-upsert path, or "".
func bulkBlueprint(path string) string {
	rest, ok := strings.CutPrefix(path, "/v1/blueprints/")
	if !ok {
		return ""
	}
	bp, tail, _ := strings.Cut(rest, "/")
	if tail != "entities/bulk" {
		return ""
	}
	return bp
}

// newStore opens a fresh local-directory bucket.
func newStore(tb testing.TB) lake.Store {
	tb.Helper()
	s, _, err := lake.OpenStore(context.Background(), tb.TempDir(), lake.StoreOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// parseMapping compiles a webhook- or Ocean-dialect mapping.
func parseMapping(tb testing.TB, data []byte) *mapping.Mapping {
	tb.Helper()
	m, err := mapping.Parse(data, "test mapping", mapping.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func defaultMapping(tb testing.TB) *mapping.Mapping {
	return parseMapping(tb, schemas.DefaultMapping())
}

// newLoader builds a loader on store for pe with the default mapping unless
// cfg names another.
func newLoader(tb testing.TB, store lake.Store, pe *portEnv, cfg Config) *Loader {
	tb.Helper()
	cfg.Store, cfg.Port = store, pe.client
	if cfg.Mapping == nil {
		cfg.Mapping = defaultMapping(tb)
	}
	l, err := New(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// run runs a loader once and fails the test on error.
func run(tb testing.TB, l *Loader) *Summary {
	tb.Helper()
	sum, err := l.Run(context.Background())
	if err != nil {
		tb.Fatalf("Run: %v", err)
	}
	return sum
}

// dataKey is a key in the default layout (prefix data, namespace okta).
func dataKey(stream, name string) string {
	return lake.JoinKey("data", "okta", stream, "year=2026", "month=11", name+".jsonl.gz")
}

// userRecord is an Okta user that the okta_user blueprint accepts.
func userRecord(i int) map[string]any {
	login := fmt.Sprintf("user%05d@example.com", i)
	return map[string]any{
		"id":          fmt.Sprintf("00u%06d", i),
		"status":      "ACTIVE",
		"created":     "2026-01-02T03:04:05.000Z",
		"lastUpdated": "2026-01-02T03:04:05.000Z",
		"type":        map[string]any{"id": "oty1"},
		"profile":     map[string]any{"login": login, "email": login, "firstName": "First", "lastName": fmt.Sprintf("Last%d", i)},
		"credentials": map[string]any{"provider": map[string]any{"type": "OKTA", "name": "OKTA"}},
	}
}

// users returns user records from..to-1.
func users(from, to int) []map[string]any {
	out := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, userRecord(i))
	}
	return out
}

// userID is the identifier of userRecord(i).
func userID(i int) string { return fmt.Sprintf("00u%06d", i) }

// encodeObject builds a gzip JSONL object of records in an envelope.
func encodeObject(tb testing.TB, env lake.Envelope, records []map[string]any) []byte {
	tb.Helper()
	var lines []byte
	for _, r := range records {
		b, err := json.Marshal(r)
		if err != nil {
			tb.Fatal(err)
		}
		lines, err = env.AppendLine(lines, b, lake.LineMeta{RawID: uuid.NewString(), ExtractedAt: testNow})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return gzipBytes(tb, lines)
}

func gzipBytes(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// putObject writes records as a v2 gzip JSONL object at key.
func putObject(tb testing.TB, store lake.Store, key string, records []map[string]any) {
	tb.Helper()
	if err := store.Put(context.Background(), key, encodeObject(tb, lake.V2, records)); err != nil {
		tb.Fatal(err)
	}
}

// deadLettersIn reads every dead letter under the prefix's errors folder,
// with the key of the object holding it.
func deadLettersIn(tb testing.TB, store lake.Store, prefix string) (keys []string, items []DeadLetter) {
	tb.Helper()
	ctx := context.Background()
	base := lake.ErrorsRoot(prefix)
	err := store.List(ctx, base, "", func(o lake.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	for _, k := range keys {
		dls, err := readDeadLetters(ctx, store, k, 0)
		if err != nil {
			tb.Fatal(err)
		}
		items = append(items, dls...)
	}
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].ObjectKey != items[j].ObjectKey {
			return items[i].ObjectKey < items[j].ObjectKey
		}
		return items[i].Line < items[j].Line
	})
	return keys, items
}

// readCheckpoint reads a loader checkpoint from the bucket.
func readCheckpoint(tb testing.TB, store lake.Store, prefix, name string) Checkpoint {
	tb.Helper()
	var cp Checkpoint
	found, err := lake.ReadJSON(context.Background(), store, lake.CheckpointKey(prefix, name), &cp)
	if err != nil || !found {
		tb.Fatalf("reading checkpoint %s: found=%v err=%v", name, found, err)
	}
	return cp
}

// dataKeys lists the data objects of a stream.
func dataKeys(tb testing.TB, store lake.Store, stream string) []string {
	tb.Helper()
	var keys []string
	err := store.List(context.Background(), lake.JoinKey("data", "okta", stream)+"/", "", func(o lake.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return keys
}

// extractOrg extracts every stream of a default simulated org into store
// with the real extractor and returns the org.
func extractOrg(tb testing.TB, store lake.Store, prefix string) *oktatest.Org {
	tb.Helper()
	cfg := oktatest.DefaultOrgConfig()
	cfg.Now = testNow
	org := oktatest.NewOrg(cfg)
	clk := oktatest.NewManualClock(testNow)
	token := "okta-test-token-" + uuid.NewString()
	srv := oktatest.NewServer(org, oktatest.Options{Token: token, Clock: clk})
	tb.Cleanup(srv.Close)
	client, err := okta.New(okta.Config{Domain: srv.URL, APIToken: token, Clock: clk, RateLimitShare: 1, MaxConcurrency: 8})
	if err != nil {
		tb.Fatal(err)
	}
	sum, err := extract.Run(context.Background(), extract.Config{
		Client: client, Store: store, Prefix: prefix, Streams: streams.All(), FullRefresh: true, Clock: clk,
	})
	if err != nil {
		tb.Fatalf("extracting: %v", err)
	}
	if err := sum.Err(); err != nil {
		tb.Fatalf("extracting: %v", err)
	}
	return org
}

// blueprintOf returns, for each stream, the blueprint the default mapping
// sends its records to (read from the mapping's filters).
func blueprintOf(tb testing.TB) map[string]string {
	tb.Helper()
	var rules []struct {
		Blueprint string `json:"blueprint"`
		Filter    string `json:"filter"`
	}
	if err := json.Unmarshal(schemas.DefaultMapping(), &rules); err != nil {
		tb.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rules {
		_, after, ok := strings.Cut(r.Filter, `.[2] == "`)
		if !ok {
			tb.Fatalf("default mapping filter %q does not select a stream by key", r.Filter)
		}
		out[strings.TrimSuffix(after, `"`)] = r.Blueprint
	}
	return out
}

// eventually polls cond until it holds or the deadline passes.
func eventually(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
