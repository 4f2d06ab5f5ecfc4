package httpx

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

func TestSameOriginComparesSchemeHostAndPort(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://dev-1.okta.com/api", "https://dev-1.okta.com", true},
		{"https://DEV-1.okta.com", "https://dev-1.okta.com", true},
		{"https://dev-1.okta.com:443", "https://dev-1.okta.com", true},
		{"http://127.0.0.1:80/x", "http://127.0.0.1", true},
		{"http://127.0.0.1:08080", "http://127.0.0.1:8080", true},
		{"http://dev-1.okta.com", "https://dev-1.okta.com", false},
		{"https://dev-1.okta.com:8443", "https://dev-1.okta.com", false},
		{"https://evil.example", "https://dev-1.okta.com", false},
		{"https://dev-1.okta.com.evil.example", "https://dev-1.okta.com", false},
	}
	for _, tt := range tests {
		a, _ := url.Parse(tt.a)
		b, _ := url.Parse(tt.b)
		if got := SameOrigin(a, b); got != tt.want {
			t.Errorf("SameOrigin(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestOriginDropsPathAndQuery(t *testing.T) {
	u, _ := url.Parse("https://user:pw@dev-1.okta.com:8443/oauth2/v1/token?client_secret=s3cret#frag")
	if got := Origin(u); got != "https://dev-1.okta.com:8443" {
		t.Errorf("Origin = %q", got)
	}
}

// TestSameOriginClientRefusesOtherOrigins: a redirect within the origin is
// followed, one to another origin is refused before anything reaches it
// (a 307 would re-send the body), the error names both origins and no path
// or query, and the caller's client is left as it was.
func TestSameOriginClientRefusesOtherOrigins(t *testing.T) {
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	defer other.Close()
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusTemporaryRedirect)
		case "/here":
			_, _ = w.Write([]byte("ok"))
		case "/away":
			http.Redirect(w, r, other.URL+"/steal?token=s3cret", http.StatusTemporaryRedirect)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	}))
	defer home.Close()
	origin, _ := url.Parse(home.URL)
	var prevCalls atomic.Int32
	caller := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { prevCalls.Add(1); return nil }}
	hc := SameOriginClient(caller, origin)
	if hc == caller {
		t.Fatal("SameOriginClient returned the caller's client, not a copy")
	}

	resp, err := hc.Post(home.URL+"/moved", "text/plain", strings.NewReader("secret body"))
	if err != nil {
		t.Fatalf("same-origin redirect: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || prevCalls.Load() != 1 {
		t.Errorf("same-origin redirect: status %d, caller's CheckRedirect ran %d times; want 200 and once", resp.StatusCode, prevCalls.Load())
	}

	_, err = hc.Post(home.URL+"/away", "text/plain", strings.NewReader("secret body"))
	if !errors.Is(err, ErrCrossOriginRedirect) {
		t.Fatalf("cross-origin redirect: err %v, want ErrCrossOriginRedirect", err)
	}
	// The refusal itself names origins only (net/http's *url.Error around it
	// quotes the Location it was given, which the redirecting server chose).
	var ue *url.Error
	if !errors.As(err, &ue) || !strings.Contains(ue.Err.Error(), "to "+other.URL) || strings.Contains(ue.Err.Error(), "/steal") {
		t.Errorf("refusal %q should name %s and no path", err, other.URL)
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the other origin received %d requests", n)
	}
	if n := prevCalls.Load(); n != 1 {
		t.Errorf("the caller's CheckRedirect ran %d times, want once: a refused redirect never reaches it", n)
	}

	_, err = hc.Get(home.URL + "/loop")
	if err == nil || !strings.Contains(err.Error(), "stopping after 10 redirects") {
		t.Errorf("redirect loop: %v", err)
	}

	if resp, err := SameOriginClient(nil, origin).Get(home.URL + "/moved"); err != nil {
		t.Errorf("a nil client: %v", err)
	} else {
		resp.Body.Close()
	}
}
