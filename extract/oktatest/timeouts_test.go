package oktatest

import (
	"encoding/json"
	"testing"
)

// TestLargePagesTimeOut: told that pages over a size time out, the server
// answers them with Okta's 500 (the List Groups spec: "If your request times
// out, retry your request with a smaller limit"), counting the limit Okta
// would use (the default when none is given), and serves smaller pages.
func TestLargePagesTimeOut(t *testing.T) {
	s, _ := startServer(t, testOrgConfig(), Options{TimeoutPagesOver: 100})
	for _, tc := range []struct {
		url    string
		status int
	}{
		{"/api/v1/groups", 500}, // default 10000
		{"/api/v1/groups?limit=200", 500},
		{"/api/v1/groups?limit=100", 200},
		{"/api/v1/users", 500}, // default 200
		{"/api/v1/users?limit=50", 200},
		{"/api/v1/logs?limit=1000", 500},
		{"/api/v1/logs?limit=100", 200},
	} {
		r := get(t, s, tc.url)
		if r.status != tc.status {
			t.Errorf("%s: %d, want %d", tc.url, r.status, tc.status)
			continue
		}
		if r.status == 500 {
			var e oktaError
			if err := json.Unmarshal(r.body, &e); err != nil || e.ErrorCode != "E0000009" {
				t.Errorf("%s: body %s, want Okta's E0000009", tc.url, r.body)
			}
		}
	}
}
