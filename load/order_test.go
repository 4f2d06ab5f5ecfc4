package load

import (
	"slices"
	"testing"
)

// TestStreamOrderAndSelection loads an extracted org with --streams naming
// three streams out of dependency order: only their blueprints receive
// requests, and they are loaded users first, then group memberships, then
// log events, each stream finished before the next starts.
func TestStreamOrderAndSelection(t *testing.T) {
	tests := []struct {
		name    string
		streams []string
		want    []string // blueprints, in the order they must be loaded
	}{
		{"three streams", []string{"logs", "group_members", "users"}, []string{"okta_user", "okta_group_membership", "okta_event"}},
		{"memberships before role assignments", []string{"user_role_assignments", "groups", "group_members"}, []string{"okta_group", "okta_group_membership", "okta_role_assignment"}},
	}
	store := newStore(t)
	org := extractOrg(t, store, "data")
	stream := map[string]string{}
	for s, bp := range blueprintOf(t) {
		stream[bp] = s
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pe := newPort(t, portSetup{})
			l := newLoader(t, store, pe, Config{Name: tt.name, Streams: tt.streams})
			sum := run(t, l)

			// Collapse the request log into runs of one blueprint.
			var order []string
			for _, p := range pe.paths.snapshot() {
				bp := bulkBlueprint(p)
				if bp == "" {
					t.Fatalf("unexpected request %s", p)
				}
				if len(order) == 0 || order[len(order)-1] != bp {
					order = append(order, bp)
				}
			}
			if !slices.Equal(order, tt.want) {
				t.Errorf("blueprints loaded in the order %v, want %v (each stream whole, relation targets first)", order, tt.want)
			}
			for _, bp := range tt.want {
				if got, want := sum.Blueprints[bp], int64(org.Count(stream[bp])); got != want {
					t.Errorf("%s: %d entities loaded, want %d", bp, got, want)
				}
			}
			var names []string
			for _, st := range sum.Streams {
				names = append(names, st.Stream)
			}
			wantNames := make([]string, len(tt.want))
			for i, bp := range tt.want {
				wantNames[i] = stream[bp]
			}
			if !slices.Equal(names, wantNames) {
				t.Errorf("summary streams %v, want %v", names, wantNames)
			}
			cp := readCheckpoint(t, store, "data", tt.name)
			for s := range cp.Streams {
				if !slices.Contains(tt.streams, s) {
					t.Errorf("checkpoint has stream %s, which was not selected", s)
				}
			}
		})
	}
}
