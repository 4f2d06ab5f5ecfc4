package extract

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
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
	"github.com/oktalake/oktalake/streams"
)

// windowCounter counts requests per rate-limit bucket per minute window on
// the shared clock, in front of the simulated org.
type windowCounter struct {
	mu     sync.Mutex
	clock  clock.Clock
	counts map[string]int
	next   http.Handler
}

func (w *windowCounter) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		win := w.clock.Now().Unix() / 60
		w.mu.Lock()
		w.counts[oktatest.BucketFor(r.URL.Path)+"@"+time.Unix(win*60, 0).UTC().Format("15:04")]++
		w.mu.Unlock()
	}
	w.next.ServeHTTP(rw, r)
}

// Many fan-out workers against low limits: the governor keeps this tool
// within its share of every bucket in every window, and Okta never has to
// answer 429.
func TestGovernorKeepsWithinShare(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Minute)
	clk := clock.Scaled(start, 300) // a minute window lasts 0.2 s
	orgCfg := oktatest.DefaultOrgConfig()
	orgCfg.Now = start
	org := oktatest.NewOrg(orgCfg)
	limits := map[string]int{oktatest.BucketUsers: 20, oktatest.BucketGroups: 20, oktatest.BucketApps: 20, oktatest.BucketLogs: 20, oktatest.BucketOther: 20}
	srv := oktatest.NewServer(org, oktatest.Options{Token: "t", Clock: clk, Limits: limits})
	defer srv.Close()
	wc := &windowCounter{clock: clk, counts: map[string]int{}, next: srv}
	front := httptest.NewServer(wc)
	defer front.Close()

	client, err := okta.New(okta.Config{Domain: front.URL, APIToken: "t", Clock: clk, RateLimitShare: 0.5, MaxConcurrency: 16})
	if err != nil {
		t.Fatal(err)
	}
	store, _, _ := lake.OpenStore(context.Background(), t.TempDir(), lake.StoreOptions{})
	sel, _ := streams.Select([]string{"group_members", "application_users", "group_role_assignments"})
	sum := mustRun(t, Config{Client: client, Store: store, Streams: sel, Clock: clk, Concurrency: 16})
	if n := srv.Stats().TooManyRequests; n != 0 {
		t.Errorf("Okta answered 429 %d times", n)
	}
	busiest := 0
	for k, n := range wc.counts {
		if n > 10 {
			t.Errorf("%d requests in window %s, over half of the limit of 20", n, k)
		}
		busiest = max(busiest, n)
	}
	if busiest < 8 {
		t.Errorf("busiest window had %d requests: the governor wastes its share (want close to 10)", busiest)
	}
	for _, name := range []string{"group_members", "application_users", "group_role_assignments"} {
		if got, want := len(readStream(t, store, name)), org.Count(name); got != want {
			t.Errorf("%s: %d records, want %d", name, got, want)
		}
	}
	var waits int64
	for _, b := range sum.Buckets {
		waits += b.Waits
	}
	if waits == 0 {
		t.Error("the summary reports no rate-limit waits")
	}
}

func pemKey(t *testing.T, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// OAuth 2.0 with a private key JWT: the simulated org verifies the
// assertion's signature; a wrong key is refused with a clear error that
// does not contain the key.
func TestOAuthExtract(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	cases := []struct {
		name    string
		server  any
		client  any
		wantErr bool
	}{
		{"rsa", &rsaKey.PublicKey, rsaKey, false},
		{"ec", &ecKey.PublicKey, ecKey, false},
		{"wrong key", &rsaKey.PublicKey, otherKey, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			orgCfg := oktatest.DefaultOrgConfig()
			org := oktatest.NewOrg(orgCfg)
			srv := oktatest.NewServer(org, oktatest.Options{ClientID: "0oaservice", PublicKey: tc.server})
			defer srv.Close()
			keyPEM := pemKey(t, tc.client)
			sel, _ := streams.Select([]string{"users", "groups"})
			client, err := okta.New(okta.Config{Domain: srv.URL, ClientID: "0oaservice", PrivateKey: keyPEM, Scopes: streams.Scopes(sel)})
			if err != nil {
				t.Fatal(err)
			}
			store, _, _ := lake.OpenStore(context.Background(), t.TempDir(), lake.StoreOptions{})
			sum, err := Run(context.Background(), Config{Client: client, Store: store, Streams: sel})
			if err == nil {
				err = sum.Err()
			}
			if tc.wantErr {
				if err == nil {
					t.Fatal("extract with the wrong key succeeded")
				}
				if strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), keyPEM[40:80]) {
					t.Fatalf("error leaks the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(readStream(t, store, "users")); got != org.Count("users") {
				t.Errorf("users = %d, want %d", got, org.Count("users"))
			}
		})
	}
}
