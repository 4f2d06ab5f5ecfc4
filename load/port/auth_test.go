package port

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/load/porttest"
)

func TestTokenCachedAndRenewedBeforeExpiry(t *testing.T) {
	clk := newFakeClock()
	srv := newServer(t, porttest.Options{Clock: clk, TokenTTL: 100 * time.Second, Blueprints: oktaBlueprints(t)})
	c := newClient(t, srv, func(cfg *Config) { cfg.Clock = clk })
	ctx := context.Background()
	steps := []struct {
		advance    time.Duration
		wantTokens int
	}{
		{0, 1},
		{0, 1},
		{60 * time.Second, 1},
		{29 * time.Second, 1}, // 89s: still outside the 10s renewal margin
		{2 * time.Second, 2},  // 91s: renewed before the server would refuse it
		{50 * time.Second, 2},
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		if fs, err := c.Upsert(ctx, "okta_role", roles(3, 0)); err != nil || len(fs) != 0 {
			t.Fatalf("step %d: %v %v", i, fs, err)
		}
		if got := srv.Stats().TokensIssued; got != s.wantTokens {
			t.Errorf("step %d: tokens issued %d, want %d", i, got, s.wantTokens)
		}
	}
	st := c.Stats()
	if st.Requests != int64(len(steps)) || st.TokenRequests != 2 {
		t.Errorf("client stats %+v: want one request per step and no 401 resend", st)
	}
}

func TestUnauthorizedRenewsOnce(t *testing.T) {
	t.Run("renewal succeeds", func(t *testing.T) {
		srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t), Faults: []porttest.Fault{{From: 2, Status: http.StatusUnauthorized}}})
		c := newClient(t, srv, nil)
		if fs, err := c.Upsert(context.Background(), "okta_role", roles(60, 0)); err != nil || len(fs) != 0 {
			t.Fatalf("%v %v", fs, err)
		}
		if got := len(srv.Entities("okta_role")); got != 60 {
			t.Errorf("stored %d, want 60", got)
		}
		if got := srv.Stats().TokensIssued; got != 2 {
			t.Errorf("tokens issued %d, want 2", got)
		}
	})
	t.Run("second 401 is an error", func(t *testing.T) {
		srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t), Faults: []porttest.Fault{{From: 1, Count: 1000, Status: http.StatusUnauthorized}}})
		c := newClient(t, srv, func(cfg *Config) { cfg.Concurrency = 1 })
		_, err := c.Upsert(context.Background(), "okta_role", roles(1, 0))
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
			t.Fatalf("err %v, want a 401 APIError", err)
		}
		if got := srv.Stats().APIRequests; got != 2 {
			t.Errorf("API requests %d, want 2 (one renewal, no loop)", got)
		}
	})
	t.Run("bad credentials", func(t *testing.T) {
		srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
		c := newClient(t, srv, func(cfg *Config) { cfg.ClientSecret = "wrong" })
		_, err := c.Upsert(context.Background(), "okta_role", roles(1, 0))
		if err == nil || !strings.Contains(err.Error(), "authenticating with port") || !strings.Contains(err.Error(), "401") {
			t.Fatalf("err %v", err)
		}
	})
}

// TestSecretsNeverLeak runs the client through renewals, failures and bad
// credentials with debug logs on, and looks for the secret and every token
// it used in the logs and errors.
func TestSecretsNeverLeak(t *testing.T) {
	const secret = "SECRET-zq8Kx3-never-log-me"
	srv := newServer(t, porttest.Options{
		ClientSecret: secret,
		Blueprints:   oktaBlueprints(t),
		Faults: []porttest.Fault{
			{From: 2, Status: http.StatusUnauthorized},
			{From: 4, Status: http.StatusInternalServerError},
			{From: 6, Status: http.StatusTooManyRequests, Reset: time.Millisecond},
		},
	})
	rec := &recordingTransport{}
	logger, logs := logBuffer()
	var errs []string
	clk := newFakeClock()
	for _, s := range []string{secret, secret + "-wrong"} {
		c := newClient(t, srv, func(cfg *Config) {
			cfg.ClientSecret = s
			cfg.Logger = logger
			cfg.HTTPClient = &http.Client{Transport: rec}
			cfg.Clock = clk
		})
		bad := roles(3, 0)
		bad[1].Properties["created"] = "not a date"
		fs, err := c.Upsert(context.Background(), "okta_role", append(roles(50, 0), bad...))
		if err != nil {
			errs = append(errs, err.Error())
		}
		for _, f := range fs {
			errs = append(errs, f.Message, f.Error)
		}
		_, err = c.Delete(context.Background(), "okta_role", []string{"cr0001", "nope"}, false)
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) < 2 || !strings.Contains(logs.String(), "port request") {
		t.Fatalf("the scenario did not exercise failures and logging: errs %q", errs)
	}
	if len(rec.tokens) < 2 {
		t.Fatalf("saw %d tokens, want a renewal", len(rec.tokens))
	}
	haystack := logs.String() + strings.Join(errs, "\n")
	for _, needle := range append([]string{secret}, keys(rec.tokens)...) {
		if strings.Contains(haystack, needle) {
			t.Errorf("%q leaked into logs or errors", needle[:8]+"...")
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestTokenWaiterCancelledWhileFetchIsSlow: while one call's token request
// hangs, another call waiting for that token returns as soon as its own
// context is done, and the first call still gets its token afterwards.
func TestTokenWaiterCancelledWhileFetchIsSlow(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
	target, _ := url.Parse(srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	fetching, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/auth/access_token") {
			once.Do(func() { close(fetching) })
			<-release
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before front.Close: a hung token request must end
	c := newClient(t, srv, func(cfg *Config) { cfg.BaseURL = front.URL })

	first := make(chan error, 1)
	go func() {
		_, err := c.Upsert(context.Background(), "okta_role", roles(1, 0))
		first <- err
	}()
	<-fetching

	// The deadline gives the waiter time to reach the token before it ends:
	// a context already done would stop it at the pacer, proving nothing.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	waiter := make(chan error, 1)
	go func() {
		_, err := c.Upsert(ctx, "okta_role", roles(1, 0))
		waiter <- err
	}()
	select {
	case err := <-waiter:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("waiter past its deadline: err %v, want context.DeadlineExceeded", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("a caller waiting for the token was not released by its context")
	}
	unblock()
	if err := <-first; err != nil {
		t.Fatalf("the call that fetched the token: %v", err)
	}
	if got := srv.Stats().TokensIssued; got != 1 {
		t.Errorf("tokens issued %d, want 1", got)
	}
}
