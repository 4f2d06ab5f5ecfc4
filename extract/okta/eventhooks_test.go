package okta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oktalake/oktalake/extract/oktatest"
)

// echoEndpoint answers Okta's verification request, as serve does.
func echoEndpoint(t *testing.T, calls *atomic.Int64) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]string{"verification": r.Header.Get("X-Okta-Verification-Challenge")})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRegisterEventHookIdempotent: the first run creates, activates and
// verifies; the second changes nothing; a new secret or URI updates the
// hook (and a new URI is verified again); delete removes it.
func TestRegisterEventHookIdempotent(t *testing.T) {
	var calls atomic.Int64
	ep := echoEndpoint(t, &calls)
	org := oktatest.NewOrg(oktatest.DefaultOrgConfig())
	srv := oktatest.NewServer(org, oktatest.Options{Token: testToken, AllowHTTPHooks: true})
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL)
	ctx := context.Background()
	spec := EventHookSpec{Name: "oktalake", URI: ep.URL + "/okta/event-hooks", Secret: "s3cret", Events: []string{"user.lifecycle.create", "group.user_membership.add"}}

	res, err := c.RegisterEventHook(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || !res.Verified || res.Updated || res.Hook.Status != "ACTIVE" || res.Hook.VerificationStatus != "VERIFIED" {
		t.Fatalf("first run: %+v", res)
	}
	res, err = c.RegisterEventHook(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed() {
		t.Fatalf("second run changed something: %+v", res)
	}
	if calls.Load() != 1 {
		t.Errorf("%d verification requests, want 1", calls.Load())
	}

	spec.Secret = "rotated"
	if res, err = c.RegisterEventHook(ctx, spec); err != nil || !res.Updated || res.Verified {
		t.Fatalf("new secret: %+v %v (want updated, the URI still verified)", res, err)
	}
	spec.URI = ep.URL + "/other"
	if res, err = c.RegisterEventHook(ctx, spec); err != nil || !res.Updated || !res.Verified {
		t.Fatalf("new URI: %+v %v (want updated and verified again)", res, err)
	}
	hooks, err := c.ListEventHooks(ctx)
	if err != nil || len(hooks) != 1 {
		t.Fatalf("list: %v %v", hooks, err)
	}
	for _, h := range hooks[0].Headers {
		if strings.Contains(h.Value, "rotated") {
			t.Errorf("a header carries the secret: %+v", h)
		}
	}
	if err := c.DeleteEventHook(ctx, hooks[0].ID); err != nil {
		t.Fatal(err)
	}
	if hooks, err = c.ListEventHooks(ctx); err != nil || len(hooks) != 0 {
		t.Fatalf("after delete: %v %v", hooks, err)
	}
}

// A hook whose endpoint does not echo the challenge fails registration
// with Okta's error, and the secret is in no error.
func TestRegisterEventHookVerificationFails(t *testing.T) {
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"verification": "wrong"})
	}))
	t.Cleanup(bad.Close)
	srv := oktatest.NewServer(oktatest.NewOrg(oktatest.DefaultOrgConfig()), oktatest.Options{Token: testToken, AllowHTTPHooks: true})
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL)
	_, err := c.RegisterEventHook(context.Background(), EventHookSpec{Name: "x", URI: bad.URL, Secret: "s3cret-value", Events: []string{"user.lifecycle.create"}})
	if err == nil || !strings.Contains(err.Error(), "verif") {
		t.Fatalf("err = %v, want a verification failure", err)
	}
	if strings.Contains(err.Error(), "s3cret-value") {
		t.Errorf("the error carries the secret: %v", err)
	}
	for _, spec := range []EventHookSpec{{URI: bad.URL, Secret: "s", Events: []string{"a.b"}}, {Name: "x", URI: bad.URL, Events: []string{"a.b"}}, {Name: "x", URI: "ftp://x", Secret: "s", Events: []string{"a.b"}}} {
		if _, err := c.RegisterEventHook(context.Background(), spec); err == nil {
			t.Errorf("spec %+v accepted", spec)
		}
	}
}
