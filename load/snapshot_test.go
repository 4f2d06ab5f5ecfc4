package load

import (
	"fmt"
	"testing"

	"github.com/oktalake/oktalake/lake"
)

// TestSnapshotDeletes: after a complete full snapshot is loaded, users it
// no longer lists are deleted; an incomplete snapshot, or one without a
// manifest (an interrupted extract), deletes nothing; per-parent snapshots
// delete only under the parents they re-listed or lost; logs are never
// snapshot-deleted.
func TestSnapshotDeletes(t *testing.T) {
	all := span(0, 20)
	tests := []struct {
		name string
		// second is what the second sync writes for users.
		second    snap
		wantUsers []int
	}{
		{"complete full snapshot", snap{stream: "users", records: fullUsers(without(all, 5, 6)...)}, without(all, 5, 6)},
		{"incomplete snapshot", snap{stream: "users", records: fullUsers(span(0, 3)...), incomplete: true}, all},
		{"interrupted, no manifest", snap{stream: "users", records: fullUsers(span(0, 3)...), noManifest: true}, all},
		{"incremental", snap{stream: "users", kind: lake.ManifestIncremental, records: fullUsers(1, 2)}, all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newStore(t)
			pe := newPort(t, portSetup{})
			h := newHandLake(t, store)
			h.write(snap{stream: "users", records: fullUsers(all...)})
			run(t, newLoader(t, store, pe, Config{}))
			h.write(tt.second)
			sum := run(t, newLoader(t, store, pe, Config{}))
			if got, want := pe.identifiers("okta_user"), ids(userID, tt.wantUsers...); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("users in Port:\n got %v\nwant %v", got, want)
			}
			if err := sum.Err(); err != nil {
				t.Errorf("second run: %v", err)
			}
		})
	}
}

// TestPerParentSnapshotDeletes: a per-parent snapshot of group 1 deletes
// group 1's memberships it no longer lists, a deleted parent (group 3)
// loses all of its memberships, and group 2, not re-listed, keeps its own.
func TestPerParentSnapshotDeletes(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	h := newHandLake(t, store)
	h.write(snap{stream: "users", records: fullUsers(span(0, 10)...)},
		snap{stream: "group_members", kind: lake.ManifestPerParent, records: members(map[int][]int{1: {1, 2, 3}, 2: {4, 5}, 3: {6}}),
			parents: []string{groupID(1), groupID(2), groupID(3)}})
	run(t, newLoader(t, store, pe, Config{}))
	h.write(snap{stream: "group_members", kind: lake.ManifestPerParent, records: members(map[int][]int{1: {1, 7}}),
		parents: []string{groupID(1)}, deletedParents: []string{groupID(3)}})
	run(t, newLoader(t, store, pe, Config{}))
	m := func(g, u int) string { return groupID(g) + "_" + userID(u) }
	want := []string{m(1, 1), m(1, 7), m(2, 4), m(2, 5)}
	if got := pe.identifiers("okta_group_membership"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("memberships in Port:\n got %v\nwant %v", got, want)
	}
	if got := len(pe.identifiers("okta_user")); got != 10 {
		t.Errorf("%d users in Port, want 10 (memberships are not users under the default mapping)", got)
	}
}

// TestLogsNeverSnapshotDeleted: logs are append-only: a "full" snapshot
// of logs that lacks older events deletes none of them.
func TestLogsNeverSnapshotDeleted(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	h := newHandLake(t, store)
	ev := func(i int) map[string]any {
		return map[string]any{"uuid": fmt.Sprintf("ev-%04d", i), "published": "2026-11-20T10:00:00.000Z", "eventType": "user.session.start",
			"displayMessage": "User login", "severity": "INFO", "actor": map[string]any{"id": userID(1), "type": "User"},
			"client": map[string]any{}, "authenticationContext": map[string]any{}, "outcome": map[string]any{"result": "SUCCESS"},
			"securityContext": map[string]any{}, "debugContext": map[string]any{}, "transaction": map[string]any{}, "version": "0",
			"request": map[string]any{}, "target": []any{}}
	}
	h.write(snap{stream: "users", records: fullUsers(1)}, snap{stream: "logs", records: []map[string]any{ev(1), ev(2), ev(3)}})
	run(t, newLoader(t, store, pe, Config{}))
	before := len(pe.identifiers("okta_event"))
	if before != 3 {
		t.Fatalf("%d events in Port after the first load, want 3", before)
	}
	h.write(snap{stream: "logs", records: []map[string]any{ev(4)}})
	run(t, newLoader(t, store, pe, Config{}))
	if got := len(pe.identifiers("okta_event")); got != 4 {
		t.Errorf("%d events in Port, want 4: logs are never snapshot-deleted", got)
	}
}
