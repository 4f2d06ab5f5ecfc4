package load

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake"
)

var convUsers = flag.Int("conv.users", 20000, "users in BenchmarkConverge (groups of 20 members: one group per 40 users)")

var convSeed003 = flag.Bool("conv.seed003", false, "BenchmarkConverge with seed 003's mapping (memberships make users) instead of the default")

// BenchmarkConverge loads a hand-built org (users, groups, memberships),
// then a second sync in which 1% of the users changed their profile, 0.5%
// were deleted and 1% of the groups re-listed with a member swapped, and
// reports for the second load: entities posted per entity Port saw change
// (target 1.0), posted as a share of the first, full load (the baseline
// measured in the same run), its Port requests and time as shares of the first load's, the
// ledger's bucket bytes per owned entity and the process's peak RSS.
func BenchmarkConverge(b *testing.B) {
	n := *convUsers
	ng := max(n/40, 1)
	cfg := Config{}
	if *convSeed003 {
		cfg.Mapping = parseMapping(b, seed003(b))
	}
	for b.Loop() {
		store := newStore(b)
		pe := newPort(b, portSetup{})
		h := newHandLake(b, store)
		all := span(0, n)
		memb := map[int][]int{}
		var parents []string
		for g := range ng {
			for k := range 20 {
				memb[g] = append(memb[g], (g*20+k)%n)
			}
			parents = append(parents, groupID(g))
		}
		gids := span(0, ng)
		h.write(snap{stream: "users", records: fullUsers(all...)}, snap{stream: "groups", records: groups(gids...)},
			snap{stream: "group_members", kind: lake.ManifestPerParent, records: members(memb), parents: parents})
		start := time.Now()
		if err := run(b, newLoader(b, store, pe, cfg)).Err(); err != nil {
			b.Fatal(err)
		}
		full := time.Since(start)
		first := pe.srv.Stats()

		var gone []int
		for i := 0; i < n; i += 200 {
			gone = append(gone, i+1)
		}
		live := without(all, gone...)
		next := fullUsers(live...)
		for i := 0; i < len(next); i += 100 {
			next[i]["profile"].(map[string]any)["lastName"] = "Changed"
		}
		goneSet := map[int]bool{}
		for _, u := range gone {
			goneSet[u] = true
		}
		relisted := map[int][]int{}
		var reParents []string
		for g := range ng {
			var keep []int
			for _, u := range memb[g] {
				if !goneSet[u] {
					keep = append(keep, u)
				}
			}
			if len(keep) != len(memb[g]) || g%100 == 0 {
				if g%100 == 0 && len(keep) > 0 {
					keep[0] = (keep[0] + n/2) % n // a member swapped
					for goneSet[keep[0]] {
						keep[0] = (keep[0] + 1) % n
					}
				}
				relisted[g] = keep
				reParents = append(reParents, groupID(g))
			}
		}
		h.write(snap{stream: "users", records: next}, snap{stream: "groups", records: groups(gids...)},
			snap{stream: "group_members", kind: lake.ManifestPerParent, records: members(relisted), parents: reParents})
		start = time.Now()
		if err := run(b, newLoader(b, store, pe, cfg)).Err(); err != nil {
			b.Fatal(err)
		}
		steady := time.Since(start)
		second := pe.srv.Stats()
		posted := second.EntitiesUpserted - first.EntitiesUpserted
		changed := second.EntitiesChanged - first.EntitiesChanged
		if changed == 0 {
			b.Fatal("nothing changed in Port")
		}
		var ledgerBytes int64
		if err := store.List(context.Background(), lake.JoinKey("data", lake.MetaDir, "ledger")+"/", "", func(o lake.ObjectInfo) error {
			ledgerBytes += o.Size
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		owned := 0
		for _, bp := range []string{"okta_user", "okta_group", "okta_group_membership"} {
			if *convSeed003 && bp != "okta_user" {
				continue // seed 003 maps users only
			}
			owned += pe.count(bp)
		}
		b.ReportMetric(float64(posted)/float64(changed), "posted/changed")
		b.ReportMetric(float64(posted), "posted")
		b.ReportMetric(float64(first.EntitiesUpserted), "full-load-posted")
		b.ReportMetric(float64(posted)/float64(first.EntitiesUpserted), "posted/full-load")
		b.ReportMetric(float64(second.APIRequests-first.APIRequests)/float64(first.APIRequests), "port-requests/full-load")
		// Port answers at once here (a manual clock), so time is the
		// loader's own: reading and mapping every record, as the first load.
		b.ReportMetric(steady.Seconds()/full.Seconds(), "time/full-load")
		b.ReportMetric(float64(second.EntitiesDeleted-first.EntitiesDeleted), "deleted")
		b.ReportMetric(float64(ledgerBytes)/float64(owned), "ledger-B/entity")
		if hwm, ok := vmHWM(); ok {
			b.ReportMetric(float64(hwm)/(1<<20), "VmHWM-MB")
		}
		pe.srv.Close()
	}
}
