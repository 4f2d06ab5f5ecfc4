package serve

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load"
	"github.com/oktalake/oktalake/streams"
)

// progress reads what serve recorded under RefreshedKey.
func (e *env) progress() refreshedState {
	e.t.Helper()
	var st refreshedState
	if _, err := lake.ReadJSON(context.Background(), e.store, RefreshedKey(lake.DefaultPrefix, lake.DefaultNamespace), &st); err != nil {
		e.t.Fatal(err)
	}
	return st
}

// lastEventObject is the newest committed event_hook_events object.
func (e *env) lastEventObject() string {
	e.t.Helper()
	last := ""
	prefix := lake.JoinKey(lake.DefaultPrefix, lake.DefaultNamespace, streams.EventHookStream) + "/"
	if err := e.store.List(context.Background(), prefix, "", func(o lake.ObjectInfo) error {
		if lake.IsDataObject(o.Key) {
			last = max(last, o.Key)
		}
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return last
}

// waitRefreshed waits until every committed event's refresh is recorded.
func (e *env) waitRefreshed() {
	e.t.Helper()
	eventually(e.t, "the refresh progress to reach the last commit", func() bool {
		last := e.lastEventObject()
		return last != "" && e.progress().Object == last
	})
}

// deadLetters reads serve's dead letters of event_hook_events.
func (e *env) deadLetters() []load.DeadLetter {
	e.t.Helper()
	cfg := lake.DeadLetterWriterConfig(lake.DefaultPrefix, RefreshLoader, streams.EventHookStream)
	recs, _ := readStreamAt(e.t, e.store, lake.JoinKey(cfg.Prefix, cfg.Stream)+"/")
	out := make([]load.DeadLetter, 0, len(recs))
	for _, r := range recs {
		var dl load.DeadLetter
		if err := remarshal(r, &dl); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, dl)
	}
	return out
}

// fewRetries is an Okta client that retries once, quickly enough for tests.
func fewRetries(t *testing.T, srv *oktatest.Server) func(*Config) {
	return func(c *Config) {
		cl, err := okta.New(okta.Config{Domain: srv.URL, APIToken: "okta-token", MaxRetries: 1})
		if err != nil {
			t.Fatal(err)
		}
		c.Okta = cl
	}
}

// A refresh that fails after Okta's retries is recorded in the bucket
// (pending, with the event and the reason), retried with the next delivery
// and at start, and dead-lettered with its uuid and reason once its attempts
// are spent: nothing is lost to a log line.
func TestFailedRefreshIsPendingThenRetried(t *testing.T) {
	dir := t.TempDir()
	org := oktatest.NewServer(oktatest.NewOrg(orgConfig()), oktatest.Options{Token: "okta-token", AllowHTTPHooks: true})
	t.Cleanup(org.Close)
	o := org.Org()
	user, other := o.UserID(4), o.UserID(5)
	if err := o.UpdateUser(user, testNow, oktaSuspend()); err != nil {
		t.Fatal(err)
	}
	// Okta answers 503 to every read of the user (the first try and the
	// client's retry) for the first two refreshes.
	org.AddFault(oktatest.Fault{Kind: oktatest.FaultStatus, Status: 503, Path: "/api/v1/users/" + user, Nth: 1, Count: 4})

	first := newEnv(t, envOptions{dir: dir, oktaOf: org, cfg: fewRetries(t, org)})
	if status, msg := first.post(testSecret, body(ev("p1", "user.lifecycle.suspend", testNow, "User:"+user))); status != http.StatusOK {
		t.Fatalf("%d %s", status, msg)
	}
	first.waitRefreshed()
	st := first.progress()
	if len(st.Pending) != 1 || st.Pending[0].UUID != "p1" || st.Pending[0].Attempts != 1 || !strings.Contains(st.Pending[0].Reason, "503") || len(st.Pending[0].Event) == 0 {
		t.Fatalf("pending refreshes %+v, want p1 once, with its event and Okta's 503", st.Pending)
	}
	// The next delivery retries it (Okta still fails: a second attempt).
	if status, msg := first.post(testSecret, body(ev("p2", "user.lifecycle.suspend", testNow, "User:"+other))); status != http.StatusOK {
		t.Fatalf("%d %s", status, msg)
	}
	first.waitRefreshed()
	if st := first.progress(); len(st.Pending) != 1 || st.Pending[0].Attempts != 2 {
		t.Fatalf("after the next delivery: pending %+v, want p1 with 2 attempts", st.Pending)
	}
	first.stop()
	if n := len(first.records("users")); n != 1 {
		t.Fatalf("%d users before the restart, want only %s's", n, other)
	}

	// At start the pending refresh runs again; Okta answers now.
	again := newEnv(t, envOptions{dir: dir, oktaOf: org, cfg: fewRetries(t, org)})
	eventually(t, "the pending refresh at start", func() bool {
		for _, u := range again.records("users") {
			if u["id"] == user && u["status"] == "SUSPENDED" {
				return true
			}
		}
		return false
	})
	eventually(t, "the pending list to empty", func() bool { return len(again.progress().Pending) == 0 })
	if dls := again.deadLetters(); len(dls) != 0 {
		t.Errorf("dead letters %v for a refresh that succeeded", dls)
	}
}

// A refresh that keeps failing is dead-lettered with the event uuid and
// the reason after RefreshAttempts tries, and leaves the pending list.
func TestFailedRefreshDeadLettered(t *testing.T) {
	org := oktatest.NewServer(oktatest.NewOrg(orgConfig()), oktatest.Options{Token: "okta-token", AllowHTTPHooks: true})
	t.Cleanup(org.Close)
	user, other := org.Org().UserID(7), org.Org().UserID(8)
	org.AddFault(oktatest.Fault{Kind: oktatest.FaultStatus, Status: 500, Path: "/api/v1/users/" + user})
	few := fewRetries(t, org)
	e := newEnv(t, envOptions{oktaOf: org, cfg: func(c *Config) { few(c); c.RefreshAttempts = 2 }})
	for _, d := range []map[string]any{
		ev("dead", "user.account.update_profile", testNow, "User:"+user), // attempt 1
		ev("d1", "user.lifecycle.suspend", testNow, "User:"+other),       // attempt 2: the last
	} {
		if status, msg := e.post(testSecret, body(d)); status != http.StatusOK {
			t.Fatalf("%d %s", status, msg)
		}
		e.waitRefreshed()
	}
	eventually(t, "the dead letter", func() bool { return len(e.deadLetters()) == 1 })
	dl := e.deadLetters()[0]
	if !strings.Contains(dl.Reason, "dead") || !strings.Contains(dl.Reason, "500") || dl.Stream != streams.EventHookStream || len(dl.Record) == 0 || !strings.HasPrefix(dl.ObjectKey, lake.JoinKey(lake.DefaultPrefix, lake.DefaultNamespace, streams.EventHookStream)) {
		t.Errorf("dead letter %+v, want the event, its uuid and Okta's 500 as reason", dl)
	}
	if p := e.progress().Pending; len(p) != 0 {
		t.Errorf("pending %+v after the dead letter", p)
	}
}

// The newest membership event survives a restart: a remove refreshed
// before the restart still beats an older add delivered after it.
func TestMembershipOrderSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	first := newEnv(t, envOptions{okta: true, dir: dir})
	o := first.okta.Org()
	member, group := o.UserID(9), o.GroupID(1)
	t1, t2 := testNow, testNow.Add(time.Minute)
	if status, msg := first.post(testSecret, body(ev("g2", "group.user_membership.remove", t2, "User:"+member, "UserGroup:"+group))); status != http.StatusOK {
		t.Fatalf("%d %s", status, msg)
	}
	first.waitRefreshed()
	first.stop()

	again := newEnv(t, envOptions{dir: dir, oktaOf: first.okta})
	if status, msg := again.post(testSecret, body(ev("g1", "group.user_membership.add", t1, "User:"+member, "UserGroup:"+group))); status != http.StatusOK {
		t.Fatalf("%d %s", status, msg)
	}
	again.waitRefreshed()
	again.stop()
	ms := again.records("group_members")
	if len(ms) != 1 || ms[0][lake.TombstoneField] == nil {
		t.Errorf("group_members = %v, want only the tombstone (the add is older than the remove)", ms)
	}
}
