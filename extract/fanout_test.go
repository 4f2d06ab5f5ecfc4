package extract

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
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
		// label, records, objects, bytes, requests, ...
		if got, want := row[4], strconv.Itoa(paths[path]); got != want || paths[path] == 0 {
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
