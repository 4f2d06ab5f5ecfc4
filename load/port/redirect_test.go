package port

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/oktalake/oktalake/load/porttest"
)

// elsewhere is another origin that records whatever reaches it, so a test
// can prove that neither the client secret nor a bearer token nor an
// entity ever arrived there.
type elsewhere struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newElsewhere(t *testing.T) *elsewhere {
	t.Helper()
	e := &elsewhere{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.seen = append(e.seen, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization")+" body="+string(b))
		e.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"ok":true,"accessToken":"stolen","expiresIn":3600,"entities":[],"errors":[]}`)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *elsewhere) requests() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seen...)
}

// redirectingPort answers requests whose path ends with suffix with a
// redirect of the given status to target, and proxies the rest to srv.
func redirectingPort(t *testing.T, srv *porttest.Server, suffix string, status int, target string) *httptest.Server {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, suffix) {
			http.Redirect(w, r, target+r.URL.RequestURI(), status)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front
}

// TestRedirectToAnotherOriginRefused: a redirect that leaves Port's
// scheme+host+port is refused at once, whether it comes from the token
// endpoint (a 307 would re-POST clientId/clientSecret) or an API route (a
// 307 would forward the bearer token and the entities); nothing reaches
// the other origin and the error names the redirect without the secret.
func TestRedirectToAnotherOriginRefused(t *testing.T) {
	for _, tc := range []struct {
		name, suffix string
		status       int
	}{
		{"token endpoint 307", "/auth/access_token", http.StatusTemporaryRedirect},
		{"token endpoint 308", "/auth/access_token", http.StatusPermanentRedirect},
		{"bulk upsert 307", "/entities/bulk", http.StatusTemporaryRedirect},
		{"bulk upsert 302", "/entities/bulk", http.StatusFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const secret = "SECRET-redirect-9f3k"
			srv := newServer(t, porttest.Options{ClientSecret: secret, Blueprints: oktaBlueprints(t)})
			other := newElsewhere(t)
			front := redirectingPort(t, srv, tc.suffix, tc.status, other.URL)
			caller := &http.Client{}
			c, err := New(Config{BaseURL: front.URL, ClientID: srv.ClientID, ClientSecret: secret, HTTPClient: caller, Clock: newFakeClock()})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Upsert(context.Background(), "okta_role", roles(3, 0))
			if err == nil {
				t.Fatal("upsert through a cross-origin redirect succeeded")
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), other.URL) {
				t.Errorf("error %q does not name the refused redirect", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q contains the client secret", err)
			}
			if got := other.requests(); len(got) != 0 {
				t.Errorf("the other origin received %q", got)
			}
			// Refused at once: a redirect is not a transient failure.
			if st := c.Stats(); st.Retries != 0 {
				t.Errorf("retried %d times after a refused redirect", st.Retries)
			}
			if caller.CheckRedirect != nil {
				t.Error("the caller's http.Client was modified")
			}
		})
	}
}

// TestRedirectWithinOriginFollowed: a redirect that stays on Port's origin
// is followed as before.
func TestRedirectWithinOriginFollowed(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
	u, _ := url.Parse(srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(u)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/old"); ok {
			http.Redirect(w, r, rest+"?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	c := newClient(t, srv, func(cfg *Config) { cfg.BaseURL = front.URL + "/old" })
	if fs, err := c.Upsert(context.Background(), "okta_role", roles(3, 0)); err != nil || len(fs) != 0 {
		t.Fatalf("%v %v", fs, err)
	}
	if got := len(srv.Entities("okta_role")); got != 3 {
		t.Errorf("stored %d, want 3", got)
	}
}
