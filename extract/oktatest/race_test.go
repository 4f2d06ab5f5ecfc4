package oktatest

import (
	"net/url"
	"sync"
	"testing"
	"time"
)

// TestLogInsertionsWhileServing adds events while the log is being read:
// under the race detector, an insertion must never write memory a reader
// is ranging over.
func TestLogInsertionsWhileServing(t *testing.T) {
	cfg := testOrgConfig()
	cfg.LogEvents = 50
	s, _ := startServer(t, cfg, Options{})
	o := s.Org()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 300 {
			// Published out of order so insertions land mid-slice.
			o.AddLogEvent(testNow.Add(-time.Duration(i%7)*time.Hour), testNow.Add(-time.Duration(i%7)*time.Hour))
		}
	}()
	since := url.QueryEscape(ts(testNow.Add(-day)))
	for range 40 {
		get(t, s, "/api/v1/logs?limit=1000&since="+since)
	}
	wg.Wait()
	if n := o.CountLogs(testNow.Add(-day), testNow.Add(time.Millisecond), testNow); n < 300 {
		t.Fatalf("CountLogs = %d after 300 insertions", n)
	}
}

// TestMutationsWhileServing changes memberships, assignments and roles
// while they are listed: under the race detector no listing may read what
// a mutation writes, and every page must stay a valid answer.
func TestMutationsWhileServing(t *testing.T) {
	s, _ := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	g, ap := o.GroupID(3), o.AppID(1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 60 {
			at := testNow.Add(time.Duration(i) * time.Second)
			u := o.UserID(i)
			_ = o.AddGroupMember(g, u, at)
			_ = o.AssignUserToApp(ap, u, at)
			_ = o.GrantUserRole(u, "REPORT_ADMIN", at)
			_ = o.RemoveGroupMember(g, u, at)
			if i%10 == 9 {
				_ = o.DeleteUser(u, at)
			}
		}
	}()
	filter := url.QueryEscape(`eventType sw "group."`)
	for range 10 {
		collect(t, s, "/api/v1/groups/"+g+"/users?limit=5", "", false, nil)
		collect(t, s, "/api/v1/apps/"+ap+"/users?limit=50", "", false, nil)
		collect(t, s, "/api/v1/iam/assignees/users?limit=10", "value", true, nil)
		collect(t, s, "/api/v1/groups?expand=stats", "", false, nil)
		get(t, s, "/api/v1/logs?filter="+filter)
	}
	wg.Wait()
	if n := len(o.Events()); n < 200 {
		t.Fatalf("%d events written, want at least 200", n)
	}
}
