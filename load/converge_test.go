package load

import (
	"fmt"
	"testing"

	"github.com/oktalake/oktalake/lake"
)

// TestPortConverges is the end-to-end test on hand-built lakes,
// for the default mapping and seed 003's: load a first sync; then a sync
// with three users deleted (one of them a member), a group deleted,
// memberships removed and added, and a profile changed; load again: Port's
// identifiers per blueprint equal what the org now holds, and only what
// changed was posted. A third, unchanged sync posts and deletes nothing.
func TestPortConverges(t *testing.T) {
	all := span(0, 30)
	live := without(all, 9, 10, 11)
	m := func(g, u int) string { return groupID(g) + "_" + userID(u) }
	tests := []struct {
		name    string
		mapping func(testing.TB) []byte
		// want are Port's identifiers per blueprint after the second sync.
		want map[string][]string
		// posted and changed are the second load's upserts and the ones
		// that changed Port; deleted its deletes per blueprint.
		posted, changed int
		deleted         map[string]int
	}{
		{
			name: "default mapping",
			want: map[string][]string{
				"okta_user":             ids(userID, live...),
				"okta_group":            ids(groupID, 1, 2, 4),
				"okta_group_membership": {m(1, 1), m(1, 3), m(1, 13), m(2, 4), m(2, 5), m(2, 6)},
			},
			posted: 2, changed: 2, // user 0's profile; membership 1/13
			deleted: map[string]int{"okta_user": 3, "okta_group": 1, "okta_group_membership": 4},
		},
		{
			// Seed 003's mapping makes every record whose id starts with
			// 00u a user, memberships included: a membership's removal
			// deletes no user another record still produces.
			name:    "seed 003 mapping",
			mapping: seed003,
			want:    map[string][]string{"okta_user": ids(userID, live...)},
			// User 13 comes anew from membership 1/13 (a record the ledger
			// did not hold), with the content the users stream just found
			// unchanged in Port: not sent again. Only user 0 is posted.
			posted: 1, changed: 1,
			deleted: map[string]int{"okta_user": 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newStore(t)
			pe := newPort(t, portSetup{})
			cfg := Config{}
			if tt.mapping != nil {
				cfg.Mapping = parseMapping(t, tt.mapping(t))
			}
			h := newHandLake(t, store)
			h.write(
				snap{stream: "users", records: fullUsers(all...)},
				snap{stream: "groups", records: groups(1, 2, 3, 4)},
				snap{stream: "group_members", kind: lake.ManifestPerParent,
					records: members(map[int][]int{1: {1, 2, 3}, 2: {4, 5, 6}, 3: {7, 8}, 4: {9}}),
					parents: []string{groupID(1), groupID(2), groupID(3), groupID(4)}},
			)
			if err := run(t, newLoader(t, store, pe, cfg)).Err(); err != nil {
				t.Fatal(err)
			}

			changed := fullUsers(live...)
			changed[0]["profile"].(map[string]any)["lastName"] = "Renamed"
			second := []snap{
				{stream: "users", records: changed},
				{stream: "groups", records: groups(1, 2, 4)},
				{stream: "group_members", kind: lake.ManifestPerParent,
					records: members(map[int][]int{1: {1, 3, 13}, 2: {4, 5, 6}}),
					parents: []string{groupID(1), groupID(2), groupID(4)}, deletedParents: []string{groupID(3)}},
			}
			h.write(second...)
			before := pe.srv.Stats()
			sum := run(t, newLoader(t, store, pe, cfg))
			if err := sum.Err(); err != nil {
				t.Fatal(err)
			}
			after := pe.srv.Stats()
			for bp, want := range tt.want {
				if got := pe.identifiers(bp); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s in Port:\n got %v\nwant %v", bp, got, want)
				}
			}
			if n := after.EntitiesUpserted - before.EntitiesUpserted; n != tt.posted {
				t.Errorf("second load posted %d entities, want %d", n, tt.posted)
			}
			if n := after.EntitiesChanged - before.EntitiesChanged; n != tt.changed {
				t.Errorf("second load changed %d entities in Port, want %d", n, tt.changed)
			}
			for bp, want := range tt.deleted {
				if n := after.DeletedByBlueprint[bp] - before.DeletedByBlueprint[bp]; n != want {
					t.Errorf("second load deleted %d %s, want %d", n, bp, want)
				}
				if sum.Deleted[bp] != int64(want) {
					t.Errorf("summary counts %d %s deleted, want %d", sum.Deleted[bp], bp, want)
				}
			}
			if n := after.EntitiesDeleted - before.EntitiesDeleted; n != sumValues(tt.deleted) {
				t.Errorf("second load deleted %d entities in all, want %d", n, sumValues(tt.deleted))
			}

			// Nothing changed in Okta: nothing is posted or deleted.
			h.write(second...)
			before = pe.srv.Stats()
			sum = run(t, newLoader(t, store, pe, cfg))
			if err := sum.Err(); err != nil {
				t.Fatal(err)
			}
			after = pe.srv.Stats()
			if up, del := after.EntitiesUpserted-before.EntitiesUpserted, after.EntitiesDeleted-before.EntitiesDeleted; up != 0 || del != 0 {
				t.Errorf("unchanged re-run posted %d and deleted %d, want 0 and 0", up, del)
			}
		})
	}
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestTwoProducersOfOneEntityStayPut: with seed 003's mapping a user is
// produced by its users record and by each of its memberships, each with
// its own copy of the user. A profile changed in the users stream alone is
// posted once, and the memberships' unchanged (now older) copies are not
// sent over it; re-loading the same records posts nothing.
func TestTwoProducersOfOneEntityStayPut(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	cfg := Config{Mapping: parseMapping(t, seed003(t))}
	h := newHandLake(t, store)
	us := fullUsers(span(0, 6)...)
	ms := snap{stream: "group_members", kind: lake.ManifestPerParent, records: members(map[int][]int{1: {1, 2}, 2: {2, 3}}),
		parents: []string{groupID(1), groupID(2)}}
	for i, want := range []int{-1, 1, 0} {
		if i == 1 {
			us[2]["profile"].(map[string]any)["lastName"] = "Renamed"
		}
		h.write(snap{stream: "users", records: us}, ms)
		before := pe.srv.Stats()
		if err := run(t, newLoader(t, store, pe, cfg)).Err(); err != nil {
			t.Fatal(err)
		}
		after := pe.srv.Stats()
		if n := after.EntitiesUpserted - before.EntitiesUpserted; want >= 0 && n != want {
			t.Errorf("load %d posted %d entities, want %d", i+1, n, want)
		}
	}
	if e, _ := pe.srv.Entity("okta_user", userID(2)); e.Properties["profile"].(map[string]any)["lastName"] != "Renamed" {
		t.Errorf("user 2 in Port reads %v, want the users stream's new lastName", e.Properties["profile"])
	}
}

// TestInPortBounded: the run's record of what Port holds stays within
// inPortMax entities; past it seed 003's memberships post their users
// again, as they did before the run kept one, and Port is still right.
func TestInPortBounded(t *testing.T) {
	defer func(n int) { inPortMax = n }(inPortMax)
	inPortMax = 3
	store := newStore(t)
	pe := newPort(t, portSetup{})
	l := newLoader(t, store, pe, Config{Mapping: parseMapping(t, seed003(t))})
	newHandLake(t, store).write(
		snap{stream: "users", records: fullUsers(span(0, 10)...)},
		snap{stream: "group_members", kind: lake.ManifestPerParent, records: members(map[int][]int{1: {1, 2, 3, 4, 5, 6}}), parents: []string{groupID(1)}})
	if err := run(t, l).Err(); err != nil {
		t.Fatal(err)
	}
	if n := len(l.own.inPort); n > 3 {
		t.Errorf("the run knows %d entities' versions in Port, want at most 3", n)
	}
	if got := pe.identifiers("okta_user"); fmt.Sprint(got) != fmt.Sprint(ids(userID, span(0, 10)...)) {
		t.Errorf("users in Port: %v", got)
	}
	if n := pe.srv.Stats().EntitiesUpserted; n <= 10 || n > 16 {
		t.Errorf("posted %d users, want 10 and some memberships' again (at most 16)", n)
	}
}
