package load

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/ledger"
	"github.com/oktalake/oktalake/load/porttest"
)

// TestLedgerRebuilt: a lost or corrupt ledger is rebuilt from Port and the
// loaded objects; the next load posts only what changed (one profile),
// deletes what the new snapshot lost, and leaves a hand-made entity alone
// (Port holds it, no record produces it: not owned).
func TestLedgerRebuilt(t *testing.T) {
	for _, damage := range []string{"lost", "corrupt"} {
		t.Run(damage, func(t *testing.T) {
			ctx := context.Background()
			store := newStore(t)
			pe := newPort(t, portSetup{})
			h := newHandLake(t, store)
			h.write(snap{stream: "users", records: fullUsers(span(0, 30)...)},
				snap{stream: "group_members", kind: lake.ManifestPerParent, records: members(map[int][]int{1: {1, 2, 3}}), parents: []string{groupID(1)}})
			run(t, newLoader(t, store, pe, Config{}))
			hand := porttest.Entity{Identifier: "made-by-hand", Properties: map[string]any{
				"id": "made-by-hand", "status": "ACTIVE", "created": "2026-01-02T03:04:05.000Z", "activated": "2026-01-02T03:04:05.000Z",
				"statusChanged": "2026-01-02T03:04:05.000Z", "lastUpdated": "2026-01-02T03:04:05.000Z", "type": map[string]any{"id": "oty1"},
				"profile": map[string]any{"login": "hand@example.com"}, "credentials": map[string]any{}}}
			if err := pe.srv.CreateEntity("okta_user", hand); err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{"users", "group_members"} {
				switch damage {
				case "lost":
					if err := ledger.Remove(ctx, store, "data", DefaultName, s); err != nil {
						t.Fatal(err)
					}
				case "corrupt":
					for i := range ledger.DefaultShards {
						_ = store.Put(ctx, ledger.ShardKey("data", DefaultName, s, i), []byte("not gzip"))
					}
				}
			}

			next := fullUsers(without(span(0, 30), 5, 6)...)
			next[0]["profile"].(map[string]any)["lastName"] = "Changed"
			h.write(snap{stream: "users", records: next},
				snap{stream: "group_members", kind: lake.ManifestPerParent, records: members(map[int][]int{1: {1, 2}}), parents: []string{groupID(1)}})
			before := pe.srv.Stats()
			sum := run(t, newLoader(t, store, pe, Config{}))
			if err := sum.Err(); err != nil {
				t.Fatal(err)
			}
			after := pe.srv.Stats()
			if n := after.EntitiesUpserted - before.EntitiesUpserted; n != 1 {
				t.Errorf("load after the rebuild upserted %d entities, want 1 (the changed profile)", n)
			}
			wantUsers := append(ids(userID, without(span(0, 30), 5, 6)...), "made-by-hand")
			slices.Sort(wantUsers)
			if got := pe.identifiers("okta_user"); fmt.Sprint(got) != fmt.Sprint(wantUsers) {
				t.Errorf("users in Port:\n got %v\nwant %v", got, wantUsers)
			}
			m := func(g, u int) string { return groupID(g) + "_" + userID(u) }
			if got, want := pe.identifiers("okta_group_membership"), []string{m(1, 1), m(1, 2)}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("memberships in Port: got %v, want %v", got, want)
			}
			// The rebuilt ledger was saved: it reads, and a re-run posts nothing.
			if _, found, err := ledger.Load(ctx, store, "data", DefaultName, "users"); err != nil || !found {
				t.Fatalf("rebuilt ledger: found %v, err %v", found, err)
			}
			h.write(snap{stream: "users", records: next})
			before = pe.srv.Stats()
			run(t, newLoader(t, store, pe, Config{}))
			if n := pe.srv.Stats().EntitiesUpserted - before.EntitiesUpserted; n != 0 {
				t.Errorf("unchanged re-run after the rebuild upserted %d", n)
			}
		})
	}
}
