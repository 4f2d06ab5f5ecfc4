package oktatest

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		paths []string
		// want per request: status, or -1 for a transport error, or -2 for
		// a 200 whose body is not JSON.
		want []int
	}{
		{"500 on the 2nd", Fault{Kind: FaultStatus, Path: "/api/v1/users", Nth: 2},
			[]string{"/api/v1/users", "/api/v1/users", "/api/v1/users"}, []int{200, 500, 200}},
		{"502 twice", Fault{Kind: FaultStatus, Status: 502, Nth: 1, Count: 2},
			[]string{"/api/v1/apps", "/api/v1/groups", "/api/v1/apps"}, []int{502, 502, 200}},
		{"503 only on members", Fault{Kind: FaultStatus, Status: 503, Path: "/api/v1/groups/*/users"},
			[]string{"/api/v1/groups", "/api/v1/groups/{g}/users"}, []int{200, 503}},
		{"connection reset", Fault{Kind: FaultReset, Nth: 1},
			[]string{"/api/v1/logs", "/api/v1/logs"}, []int{-1, 200}},
		{"truncated page", Fault{Kind: FaultMalformed, Path: "/api/v1/groups", Nth: 1},
			[]string{"/api/v1/groups", "/api/v1/groups"}, []int{-2, 200}},
		{"429 storm", Fault{Kind: FaultRateLimitStorm, Path: "/api/v1/groups", Nth: 2, Count: 3, Reset: 7 * time.Second},
			[]string{"/api/v1/groups", "/api/v1/groups", "/api/v1/groups/{g}/users", "/api/v1/groups", "/api/v1/apps", "/api/v1/groups"},
			[]int{200, 429, 429, 429, 200, 200}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := startServer(t, testOrgConfig(), Options{Faults: []Fault{tc.fault}})
			for i, p := range tc.paths {
				if p == "/api/v1/groups/{g}/users" {
					p = "/api/v1/groups/" + s.Org().GroupID(0) + "/users"
				}
				got := fetchOutcome(t, s, p)
				if got.code != tc.want[i] {
					t.Fatalf("request %d (%s): outcome %d, want %d", i+1, p, got.code, tc.want[i])
				}
				if got.code == 429 {
					want := strconv.FormatInt(clk.Now().Add(7*time.Second).Unix(), 10)
					if got.header.Get("X-Rate-Limit-Reset") != want || got.header.Get("X-Rate-Limit-Remaining") != "0" {
						t.Fatalf("storm 429 reset %s remaining %s, want %s 0", got.header.Get("X-Rate-Limit-Reset"), got.header.Get("X-Rate-Limit-Remaining"), want)
					}
				}
				if got.code == 500 {
					var e oktaError
					if err := json.Unmarshal(got.body, &e); err != nil || e.ErrorCode != "E0000009" {
						t.Fatalf("500 body %s", got.body)
					}
				}
			}
		})
	}
}

type outcome struct {
	code   int
	header http.Header
	body   []byte
}

// fetchOutcome classifies a request's result for the fault tests.
func fetchOutcome(t *testing.T, s *Server, path string) outcome {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, s.URL+path, nil)
	req.Header.Set("Authorization", "SSWS "+testToken)
	// A fresh transport: a reset must not poison the next request's connection.
	c := &http.Client{Transport: &http.Transport{}}
	res, err := c.Do(req)
	if err != nil {
		return outcome{code: -1}
	}
	defer res.Body.Close()
	var body json.RawMessage
	dec := json.NewDecoder(res.Body)
	if err := dec.Decode(&body); err != nil && res.StatusCode == 200 {
		return outcome{code: -2}
	}
	return outcome{code: res.StatusCode, header: res.Header, body: body}
}

// TestFaultFraction checks that a fractional fault hits about its share of
// requests, the same ones on every run.
func TestFaultFraction(t *testing.T) {
	pattern := func() []int {
		s, _ := startServer(t, testOrgConfig(), Options{Faults: []Fault{{Kind: FaultStatus, Path: "/api/v1/logs", Fraction: 0.25, Seed: 9}}})
		var out []int
		for i := 0; i < 200; i++ {
			out = append(out, fetchOutcome(t, s, "/api/v1/logs?limit=1").code)
		}
		if st := s.Stats(); st.Faults < 30 || st.Faults > 70 || st.Requests[BucketLogs] != 200 {
			t.Fatalf("%d faults in 200 requests at 25%%", st.Faults)
		}
		return out
	}
	a, b := pattern(), pattern()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("request %d: %d then %d; fractional faults are not deterministic", i, a[i], b[i])
		}
	}
}
