package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/lake"
)

const testSecret = "hook-secret-0123456789"

// testNow is the fixed present of the tests' orgs and events.
var testNow = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// env is a serve on a directory bucket, optionally refreshing from a
// simulated Okta org.
type env struct {
	t     *testing.T
	store lake.Store
	dir   string
	okta  *oktatest.Server
	srv   *Server
	http  *httptest.Server
	clk   clock.Clock
}

type envOptions struct {
	okta   bool // refresh from an oktatest org
	cfg    func(*Config)
	dir    string // reuse a bucket (a restart)
	oktaOf *oktatest.Server
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{t: t, dir: o.dir, clk: clock.Real()}
	if e.dir == "" {
		e.dir = t.TempDir()
	}
	st, err := lake.NewLocalStore(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	e.store = st
	cfg := Config{Store: st, Secret: testSecret, GroupWindow: 20 * time.Millisecond, Clock: e.clk}
	e.okta = o.oktaOf
	if o.okta && e.okta == nil {
		e.okta = oktatest.NewServer(oktatest.NewOrg(orgConfig()), oktatest.Options{Token: "okta-token", AllowHTTPHooks: true})
		t.Cleanup(e.okta.Close)
	}
	if e.okta != nil {
		c, err := okta.New(okta.Config{Domain: e.okta.URL, APIToken: "okta-token"})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Okta = c
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	e.srv, err = New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Start(context.Background())
	e.http = httptest.NewServer(e.srv.Handler())
	t.Cleanup(func() { e.stop() })
	return e
}

var stopMu sync.Mutex

// stop shuts the HTTP server, then serve: what SIGTERM does.
func (e *env) stop() {
	stopMu.Lock()
	defer stopMu.Unlock()
	e.http.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Stop(ctx); err != nil {
		e.t.Errorf("stop: %v", err)
	}
}

func orgConfig() oktatest.OrgConfig {
	cfg := oktatest.DefaultOrgConfig()
	cfg.Now = testNow
	return cfg
}

// post sends a delivery body with an Authorization header.
func (e *env) post(auth string, body []byte) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, e.http.URL+HookPath, bytes.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatalf("POST: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// ev is a System Log event of type typ on targets (type:id pairs).
func ev(uuid, typ string, published time.Time, targets ...string) map[string]any {
	var ts []map[string]any
	for _, t := range targets {
		kind, id, _ := strings.Cut(t, ":")
		ts = append(ts, map[string]any{"id": id, "type": kind})
	}
	return map[string]any{"uuid": uuid, "eventType": typ, "published": published.UTC().Format("2006-01-02T15:04:05.000Z"),
		"version": "0", "severity": "INFO", "target": ts}
}

// body is Okta's delivery body around events.
func body(events ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "cloudEventsVersion": "0.1",
		"eventId": fmt.Sprint(time.Now().UnixNano()), "contentType": "application/json",
		"data": map[string]any{"events": events},
	})
	return b
}

// records reads every record of stream in key order.
func (e *env) records(stream string) []map[string]any {
	e.t.Helper()
	recs, _ := readStream(e.t, e.store, stream)
	return recs
}

func readStream(t *testing.T, st lake.Store, stream string) ([]map[string]any, int) {
	t.Helper()
	return readStreamAt(t, st, lake.JoinKey(lake.DefaultPrefix, lake.DefaultNamespace, stream)+"/")
}

// readStreamAt reads every record of the data objects under prefix in key order.
func readStreamAt(t *testing.T, st lake.Store, prefix string) ([]map[string]any, int) {
	t.Helper()
	var keys []string
	if err := st.List(context.Background(), prefix, "", func(o lake.ObjectInfo) error {
		if lake.IsDataObject(o.Key) {
			keys = append(keys, o.Key)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, k := range keys {
		rc, err := st.Open(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := lake.NewReader(rc)
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			var m map[string]any
			if err := json.Unmarshal(rec.Data, &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		rc.Close()
	}
	return out, len(keys)
}

func uuids(recs []map[string]any) map[string]int {
	out := map[string]int{}
	for _, r := range recs {
		out[fmt.Sprint(r["uuid"])]++
	}
	return out
}

// eventually polls cond for up to 10 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// remarshal decodes v's JSON into out.
func remarshal(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
