package load

import (
	"fmt"
	"testing"
)

// TestTombstonesDelete: tombstones delete what their records produced, for
// a mapping without delete rules (seed 003's) as for the default one; a
// membership tombstone under seed 003's mapping, which makes the member a
// user entity too, leaves the user alone while the users stream still
// lists it.
func TestTombstonesDelete(t *testing.T) {
	for _, tt := range []struct {
		name    string
		mapping func(testing.TB) []byte
	}{
		{"default", nil},
		{"seed003", seed003},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store := newStore(t)
			pe := newPort(t, portSetup{})
			cfg := Config{}
			if tt.mapping != nil {
				cfg.Mapping = parseMapping(t, tt.mapping(t))
			}
			h := newHandLake(t, store)
			all := span(0, 20)
			h.write(snap{stream: "users", records: fullUsers(all...)},
				snap{stream: "group_members", kind: "per_parent", records: members(map[int][]int{1: {1, 2, 3}}), parents: []string{groupID(1)}})
			run(t, newLoader(t, store, pe, cfg))
			if got := len(pe.identifiers("okta_user")); got != 20 {
				t.Fatalf("first load: %d users in Port, want 20", got)
			}

			h.write(snap{stream: "users", kind: "incremental", deleted: []string{userID(3), userID(4)}},
				snap{stream: "group_members", kind: "incremental", deleted: []string{memberKey(1, 3), memberKey(1, 2)}})
			sum := run(t, newLoader(t, store, pe, cfg))
			if got, want := pe.identifiers("okta_user"), ids(userID, without(all, 3, 4)...); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("users in Port after tombstones:\n got %v\nwant %v", got, want)
			}
			if tt.mapping == nil {
				if got, want := pe.identifiers("okta_group_membership"), []string{groupID(1) + "_" + userID(1)}; fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("memberships in Port: got %v, want %v", got, want)
				}
			}
			if err := sum.Err(); err != nil {
				t.Errorf("run with tombstones: %v", err)
			}
			if st := pe.srv.Stats(); st.DeletedByBlueprint["okta_user"] != 2 {
				t.Errorf("Port deleted %d users, want 2", st.DeletedByBlueprint["okta_user"])
			}
		})
	}
}
