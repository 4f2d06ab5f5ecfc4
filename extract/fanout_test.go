package extract

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/extract/oktatest"
)

// A parent listing shared by fan-out streams costs its requests once, and
// the summary books them once, to a row of their own ("groups (parents)",
// "users (admins)" for the role holders), never to whichever child stream
// asked first: each child's requests are its own.
func TestParentListingBookedOnceToTheParent(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	sum := mustRun(t, f.config("group_members", "group_role_assignments", "user_role_assignments"))
	paths := f.srv.Stats().Paths
	for _, st := range sum.Streams {
		want := map[string]string{
			"group_members":          "/api/v1/groups/{id}/users",
			"group_role_assignments": "/api/v1/groups/{id}/roles",
			"user_role_assignments":  "/api/v1/users/{id}/roles",
		}[st.Stream]
		if got := st.Okta.Requests; got != int64(paths[want]) || got == 0 {
			t.Errorf("%s: %d requests booked, want its own %d (%s)", st.Stream, got, paths[want], want)
		}
	}
	var out bytes.Buffer
	if _, err := sum.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	for label, path := range map[string]string{"groups (parents)": "/api/v1/groups", "users (admins)": "/api/v1/iam/assignees/users"} {
		row := summaryRow(out.String(), label)
		if row == nil {
			t.Errorf("no %q row in the summary:\n%s", label, out.String())
			continue
		}
		// label, records, deleted, snapshot, objects, bytes, requests, ...
		if got, want := row[6], strconv.Itoa(paths[path]); got != want || paths[path] == 0 {
			t.Errorf("%s: %s requests in the summary, want the listing's %s (%s)\n%s", label, got, want, path, out.String())
		}
	}
	if got, want := len(sum.Parents), 2; got != want {
		t.Fatalf("%d parent listings in the summary, want %d: %+v", got, want, sum.Parents)
	}
	groups := sum.Parents[0]
	if groups.Name != "groups (parents)" || groups.Parents != int64(f.org.Config().Groups) || groups.Err != nil {
		t.Errorf("groups listing %+v: want every one of the %d groups listed", groups, f.org.Config().Groups)
	}
	if admins := sum.Parents[1]; admins.Name != "users (admins)" || admins.Parents != int64(len(f.org.AdminIDs())) {
		t.Errorf("admins listing %+v: want the %d admins", admins, len(f.org.AdminIDs()))
	}
	if got := sum.Records(); got != sum.Streams[0].Records+sum.Streams[1].Records+sum.Streams[2].Records {
		t.Errorf("total %d records counts the parents listed", got)
	}
}

// summaryRow returns the fields after label of the summary line starting
// with it.
func summaryRow(summary, label string) []string {
	for _, line := range strings.Split(summary, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), label); ok {
			return append([]string{label}, strings.Fields(rest)...)
		}
	}
	return nil
}

// A parent whose children cannot be read fails its stream, with the
// request's error, and stops the stream's other parents; the stream
// sharing the parent listing goes on and is whole.
func TestFanOutFailureFailsOnlyItsStream(t *testing.T) {
	f := newFixture(t, fixtureOptions{server: oktatest.Options{Faults: []oktatest.Fault{
		{Kind: oktatest.FaultStatus, Status: 503, Path: "/api/v1/groups/*/users", Nth: 3, Count: 1000},
	}}})
	cfg := f.config("group_members", "group_role_assignments")
	cfg.Concurrency = 1 // one parent at a time: the count of requests below is exact
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	byStream := map[string]StreamSummary{}
	for _, st := range sum.Streams {
		byStream[st.Stream] = st
	}
	if err := byStream["group_members"].Err; err == nil || !strings.Contains(err.Error(), "/api/v1/groups/") || !strings.Contains(err.Error(), "503") {
		t.Errorf("group_members error = %v, want the failed member request and its 503", err)
	}
	if got := len(keysUnder(t, f.store, "data/okta/group_members/")); got != 0 {
		t.Errorf("the failed stream left %d objects", got)
	}
	if err := byStream["group_role_assignments"].Err; err != nil {
		t.Fatalf("group_role_assignments failed with its sibling: %v", err)
	}
	if got, want := len(readStream(t, f.store, "group_role_assignments")), f.org.Count("group_role_assignments"); got != want {
		t.Errorf("group_role_assignments: %d records, want %d", got, want)
	}
	// Once a parent failed no other is asked: two listings that worked,
	// then the failing one retried to its limit.
	if got, want := f.srv.Stats().Paths["/api/v1/groups/{id}/users"], 2+okta.DefaultMaxRetries+1; got != want {
		t.Errorf("%d member requests, want %d: the parents after the failed one were asked too", got, want)
	}
}

// Only a count that is there and is 0 skips a parent: anything else asks it.
func TestCountIsZero(t *testing.T) {
	const path = "_embedded.stats.usersCount"
	tests := map[string]bool{
		`{"id":"g","_embedded":{"stats":{"usersCount":0}}}`:    true,
		`{"id":"g","_embedded":{"stats":{"usersCount":0.0}}}`:  true,
		`{"id":"g","_embedded":{"stats":{"usersCount":3}}}`:    false,
		`{"id":"g","_embedded":{"stats":{"usersCount":null}}}`: false,
		`{"id":"g","_embedded":{"stats":{"usersCount":"0"}}}`:  false,
		`{"id":"g","_embedded":{"stats":{}}}`:                  false,
		`{"id":"g","_embedded":[]}`:                            false,
		`{"id":"g"}`:                                           false,
	}
	for rec, want := range tests {
		if got := countIsZero([]byte(rec), path); got != want {
			t.Errorf("countIsZero(%s) = %v, want %v", rec, got, want)
		}
	}
}
