package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
)

// Vectors computed with openssl (printf abc | openssl dgst -sha256 -hmac s3cret).
func TestSign(t *testing.T) {
	for _, tc := range []struct{ alg, prefix, want string }{
		{SHA256, "sha256=", "sha256=4f2f30aaf4a57bd60ab473c8e9c2cdfefc186723d4727ed6f31f04353c91389a"},
		{SHA1, "", "bca1b9f31eb8f8dd12480ca39ee2ee665a5fa89e"},
		{Plain, "Bearer ", "Bearer s3cret"},
	} {
		if got := Sign("s3cret", tc.alg, tc.prefix, []byte("abc")); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.alg, got, tc.want)
		}
	}
	if got := Sign("", SHA256, "x", []byte("abc")); got != "" {
		t.Errorf("no secret signs as %q", got)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "URL: required"},
		{Config{URL: "ftp://ingest.getport.io/k"}, "not an http(s) URL"},
		{Config{URL: "https://user:pw@ingest.getport.io/k"}, "credentials"},
		{Config{URL: "https://ingest.getport.io/k", Secret: "s", Algorithm: "md5", SignatureHeader: "X"}, "Algorithm"},
		{Config{URL: "https://ingest.getport.io/k", Secret: "s"}, "SignatureHeader"},
	} {
		tc.cfg.SetDefaults()
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "/k") {
			t.Errorf("%+v: %v, want an error with %q and no key", tc.cfg, err, tc.want)
		}
	}
}

// A server answering each post with the next status of a script.
func scripted(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int32, chan *http.Request) {
	var n atomic.Int32
	seen := make(chan *http.Request, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		seen <- r
		i := int(n.Add(1)) - 1
		st := statuses[min(i, len(statuses)-1)]
		w.WriteHeader(st)
		_, _ = w.Write([]byte(`{"ok":false,"message":"status ` + http.StatusText(st) + `"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n, seen
}

func client(t *testing.T, url string, clk clock.Clock) *Client {
	t.Helper()
	c, err := New(Config{URL: url + "/the-webhook-key", Secret: "s3cret", SignatureHeader: "X-Sig", Prefix: "sha256=", Clock: clk, MaxRetries: 3})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPostOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses []int
		posts    int32
		check    func(error) bool
	}{
		{"accepted", []int{202}, 1, func(err error) bool { return err == nil }},
		{"retried then accepted", []int{503, 429, 200}, 3, func(err error) bool { return err == nil }},
		{"refused", []int{422}, 1, func(err error) bool { var r *Refused; return errors.As(err, &r) && r.Status == 422 }},
		{"wrong key or secret", []int{401}, 1, func(err error) bool { return errors.Is(err, ErrUnauthorized) }},
		{"retries exhausted", []int{500}, 4, func(err error) bool {
			var r *Refused
			return err != nil && !errors.As(err, &r) && !errors.Is(err, ErrUnauthorized)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, n, seen := scripted(t, tc.statuses...)
			clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			err := client(t, srv.URL, clk).Post(context.Background(), []byte(`{"id":"00u1"}`), "req-1")
			if !tc.check(err) || n.Load() != tc.posts {
				t.Fatalf("err %v after %d posts, want %d", err, n.Load(), tc.posts)
			}
			if err != nil && strings.Contains(err.Error(), "the-webhook-key") {
				t.Errorf("the error shows the webhook key: %v", err)
			}
			r := <-seen
			if r.Header.Get("X-Sig") != Sign("s3cret", SHA256, "sha256=", []byte(`{"id":"00u1"}`)) || r.Header.Get(DefaultRequestIDHeader) != "req-1" || r.URL.Path != "/the-webhook-key" {
				t.Errorf("request: path %s, headers %v", r.URL.Path, r.Header)
			}
		})
	}
}

func TestPostRefusesCrossOriginRedirect(t *testing.T) {
	other, n, _ := scripted(t, 200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	err := client(t, srv.URL, clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))).Post(context.Background(), []byte(`{}`), "r")
	if err == nil || n.Load() != 0 {
		t.Fatalf("err %v, %d requests reached the other origin", err, n.Load())
	}
}
