package oktatest

import (
	"testing"
)

// The request log holds every request's route and URI, in arrival order.
func TestRequestLog(t *testing.T) {
	s, _ := startServer(t, testOrgConfig(), Options{})
	get(t, s, s.URL+"/api/v1/users?limit=2")
	get(t, s, s.URL+"/api/v1/groups/"+s.Org().GroupID(1)+"/users")
	got := s.RequestLog()
	want := []LoggedRequest{
		{Pattern: "/api/v1/users", URI: "/api/v1/users?limit=2"},
		{Pattern: "/api/v1/groups/{id}/users", URI: "/api/v1/groups/" + s.Org().GroupID(1) + "/users"},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("request log %+v, want %+v", got, want)
	}
}
