package okta

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/internal/clock"
)

// oktaOrg starts an oktatest org on clk with limits.
func oktaOrg(t *testing.T, clk clock.Clock, opts oktatest.Options) *oktatest.Server {
	t.Helper()
	cfg := oktatest.DefaultOrgConfig()
	cfg.Now = clk.Now()
	cfg.Users, cfg.Groups, cfg.Admins = 40, 5, 5
	opts.Clock = clk
	opts.Token = testToken
	srv := oktatest.NewServer(oktatest.NewOrg(cfg), opts)
	t.Cleanup(srv.Close)
	return srv
}

// TestGovernorKeepsRealBucketsApart: the users listing and a user's roles
// start with /api/v1/users, but Okta counts them in different buckets (the
// roles in the /api/v1 catch-all). Other integrations have used the users
// listing's window up; the roles requests must not wait for it to reset.
func TestGovernorKeepsRealBucketsApart(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 3, 1, 12, 0, 5, 0, time.UTC))
	srv := oktaOrg(t, clk, oktatest.Options{Limits: map[string]int{oktatest.BucketUsers: 20, oktatest.BucketOther: 30}})
	// Another integration takes 18 of the listing's 20.
	for range 18 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/users?limit=1", nil)
		req.Header.Set("Authorization", "SSWS "+testToken)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	c := newTestClient(t, srv.URL, func(c *Config) { c.Clock = clk; c.RateLimitShare = 0.5 })
	ctx := context.Background()
	if _, err := c.Get(ctx, "/api/v1/users?limit=1"); err != nil {
		t.Fatal(err)
	}
	start := clk.Now()
	admins := srv.Org().AdminIDs()
	for i := range 10 {
		if _, err := c.Get(ctx, "/api/v1/users/"+admins[i%len(admins)]+"/roles"); err != nil {
			t.Fatal(err)
		}
	}
	if waited := clk.Now().Sub(start); waited > time.Second {
		t.Fatalf("10 role requests took %v of the clock: the exhausted users listing held them back", waited)
	}
	if st := srv.Stats(); st.TooManyRequests != 0 || st.Requests[oktatest.BucketOther] != 10 {
		t.Fatalf("server stats %+v, want 10 catch-all requests and no 429", st)
	}
	// The listing itself is still paced: 2 of 20 left, all for the others.
	before := clk.Now()
	if _, err := c.Get(ctx, "/api/v1/users?limit=1"); err != nil {
		t.Fatal(err)
	}
	if waited := clk.Now().Sub(before); waited < 30*time.Second {
		t.Fatalf("the listing went after %v, want a wait for its window's reset", waited)
	}
}
