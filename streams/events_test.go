package streams

import (
	"slices"
	"strings"
	"testing"
)

// The live stream is in the catalog for load (Lookup, LoadOrder) but never
// extracted (All, Names).
func TestLiveStream(t *testing.T) {
	s, ok := Lookup(EventHookStream)
	if !ok {
		t.Fatalf("Lookup(%q) found nothing", EventHookStream)
	}
	if !s.Live || !s.AppendOnly || !slices.Equal(s.PrimaryKey, []string{"uuid"}) {
		t.Errorf("%s = %+v, want live, append-only, keyed by uuid", s.Name, s)
	}
	if slices.Contains(Names(), EventHookStream) {
		t.Errorf("Names() lists %s: extract would read it from an endpoint", EventHookStream)
	}
	for _, st := range All() {
		if st.Live {
			t.Errorf("All() holds the live stream %s", st.Name)
		}
	}
	if !slices.Contains(LoadOrder(), EventHookStream) {
		t.Errorf("LoadOrder() lacks %s", EventHookStream)
	}
	if len(Live()) != 1 || Live()[0].Name != EventHookStream {
		t.Errorf("Live() = %v", Live())
	}
	if _, err := Select([]string{EventHookStream}); err == nil {
		t.Errorf("Select(%s) succeeded: --streams names extracted streams only", EventHookStream)
	}
}

// Every event type Port's Okta Ocean integration listens for (seeds 001 and
// 002) is handled, and each names a stream and targets that exist.
func TestEventTypes(t *testing.T) {
	ocean := []string{
		"user.lifecycle.create", "user.lifecycle.activate", "user.lifecycle.deactivate",
		"user.lifecycle.suspend", "user.lifecycle.unsuspend", "user.lifecycle.delete",
		"user.account.update_profile", "group.user_membership.add", "group.user_membership.remove",
		"group.lifecycle.create", "group.lifecycle.delete", "group.lifecycle.update",
		"application.lifecycle.create", "application.lifecycle.update", "application.lifecycle.delete",
		"application.user_membership.add", "application.user_membership.remove",
	}
	for _, name := range ocean {
		if _, ok := LookupEventType(name); !ok {
			t.Errorf("event type %s is not handled", name)
		}
	}
	names := EventTypeNames()
	if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("EventTypeNames() not sorted and unique: %v", names)
	}
	for _, e := range EventTypes() {
		s, ok := Lookup(e.Stream)
		if !ok || s.Live {
			t.Errorf("%s changes %q: want an extracted stream", e.Type, e.Stream)
			continue
		}
		member := e.Action == EventMemberAdd || e.Action == EventMemberRemove
		if member != (e.Member != "") || member != (s.Parent != "") {
			t.Errorf("%s: action %d, member %q, stream %s parent %q disagree", e.Type, e.Action, e.Member, s.Name, s.Parent)
		}
		if e.Target == "" {
			t.Errorf("%s names no target", e.Type)
		}
		reads := e.Action == EventRefresh || e.Action == EventMemberAdd
		if reads != (e.Fetch != "") || (e.Fetch != "" && !strings.Contains(e.Fetch, "{id}")) {
			t.Errorf("%s: action %d reads %q", e.Type, e.Action, e.Fetch)
		}
		if strings.Contains(e.Fetch, "{parent}") != (member && e.Fetch != "" && e.Stream != "group_members") {
			t.Errorf("%s: %q and its parent disagree", e.Type, e.Fetch)
		}
	}
}
