package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// metricValue reads one sample from /metrics ("" when absent).
func (e *env) metric(sample string) string {
	e.t.Helper()
	res, err := http.Get(e.http.URL + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			return v
		}
	}
	return ""
}

// Okta's one-time verification: the challenge comes back as JSON, only
// with the secret.
func TestVerification(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, tt := range []struct {
		auth, challenge string
		status          int
	}{
		{testSecret, "abc123", http.StatusOK},
		{"", "abc123", http.StatusUnauthorized},
		{testSecret, "", http.StatusBadRequest},
	} {
		req, _ := http.NewRequest(http.MethodGet, e.http.URL+HookPath, nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		if tt.challenge != "" {
			req.Header.Set("X-Okta-Verification-Challenge", tt.challenge)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		_ = json.NewDecoder(res.Body).Decode(&got)
		res.Body.Close()
		if res.StatusCode != tt.status {
			t.Errorf("%+v: status %d", tt, res.StatusCode)
		}
		if tt.status == http.StatusOK && got["verification"] != tt.challenge {
			t.Errorf("verification = %v, want %s", got, tt.challenge)
		}
	}
}

// Anything but the exact secret is a 401, counted, and writes nothing.
func TestBadSecret(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := body(ev("u1", "user.lifecycle.create", testNow, "User:00u1"))
	for _, auth := range []string{"", "wrong", testSecret[:len(testSecret)-1], testSecret + "x", "Bearer " + testSecret, strings.ToUpper(testSecret)} {
		if status, _ := e.post(auth, b); status != http.StatusUnauthorized {
			t.Errorf("Authorization %q: status %d, want 401", auth, status)
		}
	}
	if got := e.metric(`oktalake_event_hook_deliveries_total{result="unauthorized"}`); got != "6" {
		t.Errorf("unauthorized deliveries counted %q, want 6", got)
	}
	if n := len(e.records(streams.EventHookStream)); n != 0 {
		t.Errorf("%d events written", n)
	}
}

// Oversized bodies get 413, malformed ones 400 naming what is wrong;
// nothing is written.
func TestMalformedAndOversizedBodies(t *testing.T) {
	e := newEnv(t, envOptions{cfg: func(c *Config) { c.MaxBody = 1024 }})
	big := body(ev("u1", "user.lifecycle.create", testNow, "User:"+strings.Repeat("x", 2000)))
	tests := []struct {
		name   string
		body   []byte
		status int
		says   string
	}{
		{"oversized", big, http.StatusRequestEntityTooLarge, "over 1024 bytes"},
		{"not JSON", []byte("<xml/>"), http.StatusBadRequest, "not JSON"},
		{"truncated", body(ev("u1", "user.lifecycle.create", testNow))[:40], http.StatusBadRequest, "not JSON"},
		{"no events", []byte(`{"data":{}}`), http.StatusBadRequest, "data.events"},
		{"event not an object", []byte(`{"data":{"events":[{"uuid":"a"},7]}}`), http.StatusBadRequest, "data.events[1]"},
		{"event without uuid", []byte(`{"data":{"events":[{"uuid":"a"},{"eventType":"x"}]}}`), http.StatusBadRequest, "data.events[1]: no uuid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, msg := e.post(testSecret, tt.body)
			if status != tt.status || !strings.Contains(msg, tt.says) {
				t.Errorf("status %d %q, want %d %q", status, msg, tt.status, tt.says)
			}
		})
	}
	if n := len(e.records(streams.EventHookStream)); n != 0 {
		t.Errorf("%d events written", n)
	}
	if got := e.metric(`oktalake_event_hook_deliveries_total{result="malformed"}`); got != "5" {
		t.Errorf("malformed deliveries counted %q, want 5", got)
	}
}

// A delivery is acknowledged once its events are in a committed object;
// a redelivery and overlapping deliveries add no event twice.
func TestDuplicateDeliveries(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := body(ev("e1", "user.account.lock", testNow, "User:00u1"), ev("e2", "user.account.lock", testNow, "User:00u2"))
	for i := 0; i < 2; i++ { // Okta's retry of the same delivery
		if status, msg := e.post(testSecret, a); status != http.StatusOK {
			t.Fatalf("delivery %d: %d %s", i, status, msg)
		}
		// Acknowledged means committed: the events are readable now.
		if got := uuids(e.records(streams.EventHookStream)); got["e1"] != 1 || got["e2"] != 1 {
			t.Fatalf("after delivery %d the lake holds %v", i, got)
		}
	}
	b := body(ev("e2", "user.account.lock", testNow, "User:00u2"), ev("e3", "user.account.lock", testNow, "User:00u3"), ev("e3", "user.account.lock", testNow, "User:00u3"))
	if status, _ := e.post(testSecret, b); status != http.StatusOK {
		t.Fatal(status)
	}
	got := uuids(e.records(streams.EventHookStream))
	if len(got) != 3 || got["e1"] != 1 || got["e2"] != 1 || got["e3"] != 1 {
		t.Errorf("lake holds %v, want e1, e2, e3 once each", got)
	}
	if d := e.metric(`oktalake_event_hook_events_total{result="duplicate"}`); d != "4" {
		t.Errorf("duplicates counted %q, want 4", d)
	}
}

// Concurrent deliveries share commits: far fewer objects than deliveries,
// every one acknowledged, every event there once.
func TestGroupCommit(t *testing.T) {
	e := newEnv(t, envOptions{cfg: func(c *Config) { c.GroupWindow = 200 * time.Millisecond }})
	const n = 40
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _ = e.post(testSecret, body(ev(fmt.Sprintf("g%d", i), "user.account.lock", testNow, "User:00u1")))
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("delivery %d: %d", i, s)
		}
	}
	recs, objects := readStream(t, e.store, streams.EventHookStream)
	if len(uuids(recs)) != n || len(recs) != n {
		t.Errorf("%d records, %d distinct, want %d", len(recs), len(uuids(recs)), n)
	}
	if objects > n/4 {
		t.Errorf("%d objects for %d concurrent deliveries: commits were not grouped", objects, n)
	}
}

// A crash between the commit and the answer: Okta gets no answer and
// retries; the restarted serve finds the events committed and adds nothing.
func TestCrashBetweenCommitAndAnswer(t *testing.T) {
	dir := t.TempDir()
	release := make(chan struct{})
	var once sync.Once
	first := newEnv(t, envOptions{dir: dir, cfg: func(c *Config) {
		c.afterCommit = func() { once.Do(func() { <-release }) }
	}})
	b := body(ev("c1", "user.account.lock", testNow, "User:00u1"), ev("c2", "user.account.lock", testNow, "User:00u2"))
	client := &http.Client{Timeout: 300 * time.Millisecond} // Okta waits 3 s; shorter here
	req, _ := http.NewRequest(http.MethodPost, first.http.URL+HookPath, strings.NewReader(string(b)))
	req.Header.Set("Authorization", testSecret)
	if res, err := client.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("the delivery was answered (%d) before the crash point", res.StatusCode)
	}
	if got := uuids(first.records(streams.EventHookStream)); got["c1"] != 1 || got["c2"] != 1 {
		t.Fatalf("the commit did not happen: %v", got)
	}
	close(release) // the process "dies" here: stop it
	first.stop()

	second := newEnv(t, envOptions{dir: dir})
	if status, msg := second.post(testSecret, b); status != http.StatusOK {
		t.Fatalf("redelivery: %d %s", status, msg)
	}
	got := uuids(second.records(streams.EventHookStream))
	if len(got) != 2 || got["c1"] != 1 || got["c2"] != 1 {
		t.Errorf("after the redelivery the lake holds %v, want c1 and c2 once", got)
	}
}

// Stopping mid-delivery (SIGTERM): every acknowledged event is in the
// lake; deliveries refused while stopping get 503 (Okta retries them).
func TestStopMidDelivery(t *testing.T) {
	e := newEnv(t, envOptions{cfg: func(c *Config) { c.GroupWindow = 50 * time.Millisecond }})
	const n = 60
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]bool{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 2 * time.Millisecond)
			id := fmt.Sprintf("s%d", i)
			req, _ := http.NewRequest(http.MethodPost, e.http.URL+HookPath, strings.NewReader(string(body(ev(id, "user.account.lock", testNow, "User:00u1")))))
			req.Header.Set("Authorization", testSecret)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return // refused: not acknowledged
			}
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				mu.Lock()
				acked[id] = true
				mu.Unlock()
			} else if res.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("delivery %s: %d", id, res.StatusCode)
			}
		}()
	}
	time.Sleep(60 * time.Millisecond)
	// SIGTERM's order: stop accepting and wait for handlers, then finish commits.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	e.http.Config.SetKeepAlivesEnabled(false)
	if err := e.http.Config.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		t.Fatal(err)
	}
	if err := e.srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stopping took %v", d)
	}
	wg.Wait()
	got := uuids(e.records(streams.EventHookStream))
	for id := range acked {
		if got[id] != 1 {
			t.Errorf("acknowledged event %s is in the lake %d times", id, got[id])
		}
	}
	if len(acked) == 0 {
		t.Error("no delivery was acknowledged before the stop: the test stopped too early")
	}
	t.Logf("%d of %d deliveries acknowledged before the stop", len(acked), n)
}

// Refresh: lifecycle and profile events fetch the object from Okta into
// its stream; memberships write the record or its tombstone, the newer
// event winning whatever the order of arrival; deletes write tombstones.
func TestRefresh(t *testing.T) {
	e := newEnv(t, envOptions{okta: true})
	o := e.okta.Org()
	user, member, group, app := o.UserID(3), o.UserID(o.Config().Users-1), o.GroupID(2), o.AppID(1)
	if err := o.UpdateUser(user, testNow, oktaSuspend()); err != nil {
		t.Fatal(err)
	}
	if err := o.AssignUserToApp(app, member, testNow); err != nil {
		t.Fatal(err)
	}
	t1, t2 := testNow, testNow.Add(time.Second)
	deliveries := [][]map[string]any{
		{ev("r1", "user.lifecycle.suspend", t1, "User:"+user)},
		// The remove (newer) arrives before the add (older): the remove wins.
		{ev("r2", "group.user_membership.remove", t2, "User:"+member, "UserGroup:"+group)},
		{ev("r3", "group.user_membership.add", t1, "User:"+member, "UserGroup:"+group)},
		{ev("r4", "user.lifecycle.delete.completed", t1, "User:00udeleted")},
		{ev("r5", "group.profile.update", t1, "UserGroup:"+group)},
		{ev("r6", "application.user_membership.add", t1, "AppUser:x", "AppInstance:"+app, "User:"+member)},
		{ev("r7", "user.account.update_profile", t1, "User:00unosuchuser")},
		{ev("r8", "policy.evaluate_sign_on", t1, "User:"+user)},
	}
	for _, d := range deliveries {
		if status, msg := e.post(testSecret, body(d...)); status != http.StatusOK {
			t.Fatalf("%v: %d %s", d, status, msg)
		}
	}
	eventually(t, "refreshes", func() bool {
		return len(e.records("users")) >= 3 && len(e.records("group_members")) >= 1 && len(e.records("groups")) >= 1 && len(e.records("application_users")) >= 1
	})
	users := e.records("users")
	byID := map[string]map[string]any{}
	for _, u := range users {
		byID[fmt.Sprint(u["id"])] = u
	}
	if u := byID[user]; u["status"] != "SUSPENDED" || lake.IsTombstone(mustJSON(u)) {
		t.Errorf("refreshed user %v, want its current SUSPENDED record", u)
	}
	if d := byID["00udeleted"]; d[lake.TombstoneField] == nil || d[lake.DeletedByField] != "event:user.lifecycle.delete.completed" {
		t.Errorf("deleted user's record %v, want a tombstone for the event", d)
	}
	if d := byID["00unosuchuser"]; d[lake.TombstoneField] == nil {
		t.Errorf("a user Okta answers 404 for: %v, want a tombstone", d)
	}
	if n := len(users); n != 3 {
		t.Errorf("%d user records, want 3 (the sign-on event refreshes nothing)", n)
	}
	ms := e.records("group_members")
	if len(ms) != 1 || ms[0][lake.TombstoneField] == nil || ms[0]["groupId"] != group || ms[0]["id"] != member {
		t.Errorf("group_members = %v, want one tombstone of %s in %s (the newer remove wins)", ms, member, group)
	}
	if g := e.records("groups"); g[0]["id"] != group || g[0]["_embedded"] == nil {
		t.Errorf("groups = %v, want the group with its stats", g)
	}
	if au := e.records("application_users"); au[0]["appId"] != app || au[0]["id"] != member {
		t.Errorf("application_users = %v", au)
	}
}

func oktaSuspend() oktatest.UserChange { return oktatest.UserChange{Status: "SUSPENDED"} }

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// The whole path over HTTP without Port: the hook registered in the
// simulated org through the Okta client, a change there, Okta's delivery,
// serve's commit and refresh, the record in the lake, within seconds.
func TestEndToEndIntoTheLake(t *testing.T) {
	e := newEnv(t, envOptions{okta: true})
	ctx := context.Background()
	res, err := e.srv.cfg.Okta.RegisterEventHook(ctx, okta.EventHookSpec{Name: "oktalake", URI: e.http.URL + HookPath, Secret: testSecret, Events: streams.EventTypeNames()})
	if err != nil || res.Hook.VerificationStatus != "VERIFIED" {
		t.Fatalf("register: %+v %v", res, err)
	}
	o := e.okta.Org()
	group, member, gone := o.GroupID(4), o.UserID(o.Config().Users-1), o.UserID(7)
	start := time.Now()
	if err := o.AddGroupMember(group, member, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := o.DeleteUser(gone, time.Now()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the membership and the tombstone in the lake", func() bool {
		ms, us := e.records("group_members"), e.records("users")
		okM := len(ms) == 1 && ms[0]["groupId"] == group && ms[0]["id"] == member && ms[0][lake.TombstoneField] == nil
		okU := false
		for _, u := range us {
			okU = okU || (u["id"] == gone && u[lake.TombstoneField] != nil)
		}
		return okM && okU
	})
	t.Logf("Okta change → lake in %v", time.Since(start))
	want := map[string]bool{}
	for _, ev := range o.Events() {
		want[ev.UUID] = true
	}
	got := uuids(e.records(streams.EventHookStream))
	for u := range want {
		if got[u] != 1 {
			t.Errorf("event %s is in event_hook_events %d times", u, got[u])
		}
	}
	for _, d := range e.okta.HookDeliveries() {
		if d.Status != http.StatusOK {
			t.Errorf("delivery %+v not acknowledged", d)
		}
	}
}

// A crash after the acknowledgement and before the refresh: the restarted
// serve refreshes the committed events again; a clean restart refreshes
// nothing twice.
func TestRefreshResumesAfterACrash(t *testing.T) {
	dir := t.TempDir()
	crashed := newEnv(t, envOptions{okta: true, dir: dir, cfg: func(c *Config) { c.beforeRefresh = func() bool { return false } }})
	o := crashed.okta.Org()
	user := o.UserID(6)
	if err := o.UpdateUser(user, testNow, oktaSuspend()); err != nil {
		t.Fatal(err)
	}
	if status, msg := crashed.post(testSecret, body(ev("x1", "user.lifecycle.suspend", testNow, "User:"+user))); status != http.StatusOK {
		t.Fatalf("%d %s", status, msg)
	}
	crashed.stop()
	if n := len(crashed.records("users")); n != 0 {
		t.Fatalf("%d users written before the crash point", n)
	}

	restarted := newEnv(t, envOptions{dir: dir, oktaOf: crashed.okta})
	eventually(t, "the refresh after the restart", func() bool {
		us := restarted.records("users")
		return len(us) == 1 && us[0]["id"] == user && us[0]["status"] == "SUSPENDED"
	})
	restarted.stop()
	_, before := readStream(t, restarted.store, "users")

	again := newEnv(t, envOptions{dir: dir, oktaOf: crashed.okta})
	again.stop()
	if _, after := readStream(t, again.store, "users"); after != before {
		t.Errorf("a clean restart wrote %d more users objects", after-before)
	}
}
