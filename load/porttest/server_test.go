package porttest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestToken(t *testing.T) {
	srv := newServer(t, Options{ClientSecret: "s3cr3t-porttest", TokenTTL: 90 * time.Second})
	c := &client{t: t, srv: srv}
	tests := []struct {
		name       string
		body       any
		wantStatus int
	}{
		{"valid", map[string]string{"clientId": srv.ClientID, "clientSecret": "s3cr3t-porttest"}, http.StatusOK},
		{"wrong secret", map[string]string{"clientId": srv.ClientID, "clientSecret": "nope"}, http.StatusUnauthorized},
		{"wrong id", map[string]string{"clientId": "x", "clientSecret": "s3cr3t-porttest"}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := c.call(http.MethodPost, "/v1/auth/access_token", tt.body, nil)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d (%v)", status, tt.wantStatus, body)
			}
			if status == http.StatusOK && (body["expiresIn"] != 90.0 || body["accessToken"] == "" || body["tokenType"] != "Bearer") {
				t.Errorf("token body %v", body)
			}
			if status != http.StatusOK && (body["ok"] != false || body["error"] != "unauthorized") {
				t.Errorf("error body %v", body)
			}
		})
	}
	if got := srv.Stats().TokensIssued; got != 1 {
		t.Errorf("TokensIssued = %d, want 1", got)
	}
	requireNoViolations(t, srv)
}

func TestAuthRequiredAndExpiry(t *testing.T) {
	clk := newFakeClock()
	srv := newServer(t, Options{Clock: clk, TokenTTL: time.Minute})
	anon := &client{t: t, srv: srv}
	if status, body := anon.call(http.MethodGet, "/v1/blueprints", nil, nil); status != http.StatusUnauthorized || body["error"] != "unauthorized" {
		t.Fatalf("anonymous: %d %v", status, body)
	}
	c := newClient(t, srv)
	if status, _ := c.call(http.MethodGet, "/v1/blueprints", nil, nil); status != http.StatusOK {
		t.Fatalf("with token: %d", status)
	}
	clk.Advance(time.Minute)
	if status, _ := c.call(http.MethodGet, "/v1/blueprints", nil, nil); status != http.StatusUnauthorized {
		t.Fatalf("expired token: %d, want 401", status)
	}
}

func TestFaults(t *testing.T) {
	srv := newServer(t, Options{Faults: []Fault{
		{From: 2, Status: http.StatusServiceUnavailable},
		{From: 4, Status: http.StatusUnauthorized},
		{From: 6, Count: 2, Status: http.StatusTooManyRequests, Reset: 3 * time.Second},
	}})
	c := newClient(t, srv)
	want := []int{200, 503, 200, 401, 401, 429, 429, 401}
	for i, w := range want {
		resp := c.raw(http.MethodGet, "/v1/blueprints", nil, nil)
		resp.Body.Close()
		if resp.StatusCode != w {
			t.Errorf("request %d: status %d, want %d", i+1, resp.StatusCode, w)
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			if got := resp.Header.Get("x-ratelimit-reset"); got != "3" {
				t.Errorf("request %d: x-ratelimit-reset %q, want 3", i+1, got)
			}
			if got := resp.Header.Get("x-ratelimit-remaining"); got != "0" {
				t.Errorf("request %d: x-ratelimit-remaining %q, want 0", i+1, got)
			}
		}
	}
	// The 401 fault revoked the token, so requests after the storm still fail
	// until the client authenticates again.
	c = newClient(t, srv)
	if status, _ := c.call(http.MethodGet, "/v1/blueprints", nil, nil); status != http.StatusOK {
		t.Errorf("after renewal: %d", status)
	}
	if st := srv.Stats(); st.RateLimited != 2 || st.TokensIssued != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestRateLimit(t *testing.T) {
	for _, epoch := range []bool{false, true} {
		t.Run("epoch="+strconv.FormatBool(epoch), func(t *testing.T) {
			clk := newFakeClock()
			clk.Advance(250 * time.Millisecond)
			srv := newServer(t, Options{Clock: clk, RateLimit: 3, Window: 10 * time.Second, ResetAsEpoch: epoch})
			c := newClient(t, srv)
			for i := 1; i <= 4; i++ {
				resp := c.raw(http.MethodGet, "/v1/blueprints", nil, nil)
				resp.Body.Close()
				wantStatus, wantRemaining := http.StatusOK, strconv.Itoa(3-i)
				if i == 4 {
					wantStatus, wantRemaining = http.StatusTooManyRequests, "0"
				}
				if resp.StatusCode != wantStatus || resp.Header.Get("x-ratelimit-remaining") != wantRemaining || resp.Header.Get("x-ratelimit-limit") != "3" {
					t.Fatalf("request %d: %d remaining %q limit %q", i, resp.StatusCode, resp.Header.Get("x-ratelimit-remaining"), resp.Header.Get("x-ratelimit-limit"))
				}
				reset, err := strconv.ParseFloat(resp.Header.Get("x-ratelimit-reset"), 64)
				if err != nil {
					t.Fatal(err)
				}
				want := 9.75
				if epoch {
					want = float64(clk.Now().Truncate(10 * time.Second).Add(10 * time.Second).Unix())
				}
				if reset != want {
					t.Errorf("request %d: reset %v, want %v", i, reset, want)
				}
			}
			clk.Advance(10 * time.Second)
			if status, _ := c.call(http.MethodGet, "/v1/blueprints", nil, nil); status != http.StatusOK {
				t.Errorf("next window: %d", status)
			}
			if got := srv.Stats().RateLimited; got != 1 {
				t.Errorf("RateLimited = %d, want 1", got)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	big := strings.Repeat("x", DefaultMaxBodyBytes)
	status, body := c.bulk("probe", "upsert=true", map[string]any{"identifier": "p1", "properties": map[string]any{"name": big}})
	if status != http.StatusRequestEntityTooLarge || body.Error != "request_too_large" {
		t.Fatalf("status %d %+v", status, body.Error)
	}
	fits := strings.Repeat("x", DefaultMaxBodyBytes-200)
	if status, body := c.bulk("probe", "upsert=true", map[string]any{"identifier": "p1", "properties": map[string]any{"name": fits}}); status != http.StatusOK {
		t.Fatalf("just under the limit: %d %+v", status, body)
	}
	st := srv.Stats()
	if st.TooLarge != 1 || st.MaxBodyBytes > DefaultMaxBodyBytes || st.MaxBodyBytes < DefaultMaxBodyBytes-200 {
		t.Errorf("stats TooLarge=%d MaxBodyBytes=%d", st.TooLarge, st.MaxBodyBytes)
	}
}

func TestLatencyAndInFlight(t *testing.T) {
	srv := newServer(t, Options{Latency: 40 * time.Millisecond})
	c := newClient(t, srv)
	start := time.Now()
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := c.raw(http.MethodGet, "/v1/blueprints", nil, nil)
			resp.Body.Close()
		}()
	}
	wg.Wait()
	if el := time.Since(start); el < 40*time.Millisecond {
		t.Errorf("5 parallel requests took %v, want at least the 40ms latency", el)
	}
	st := srv.Stats()
	if st.MaxInFlight < 2 || st.MaxInFlight > 5 {
		t.Errorf("MaxInFlight = %d, want 2..5", st.MaxInFlight)
	}
	if got := st.Requests["GET /v1/blueprints"]; got != 5 {
		t.Errorf("Requests[GET /v1/blueprints] = %d, want 5", got)
	}
}

func TestUnknownRoute(t *testing.T) {
	srv := newServer(t, Options{})
	c := newClient(t, srv)
	status, body := c.call(http.MethodGet, "/v1/nothing-here", nil, nil)
	if status != http.StatusNotFound || body["error"] != "not_found" || body["ok"] != false {
		t.Fatalf("%d %v", status, body)
	}
	if got := srv.Stats().Requests["unmatched"]; got != 1 {
		t.Errorf("unmatched = %d", got)
	}
}

func TestSpecRejectsInvalidRequest(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	// upsert is a required query parameter in Port's spec.
	resp := c.raw(http.MethodPost, "/v1/blueprints/probe/entities/bulk", map[string]any{"entities": []any{map[string]any{"identifier": "a", "properties": map[string]any{"name": "a"}}}}, nil)
	defer resp.Body.Close()
	var body errorBody
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != http.StatusUnprocessableEntity || body.Error != "invalid_request" {
		t.Fatalf("%d %+v", resp.StatusCode, body)
	}
	if v := srv.Violations(); len(v) != 1 || !strings.HasPrefix(v[0], "request POST") {
		t.Errorf("violations %q", v)
	}
}
