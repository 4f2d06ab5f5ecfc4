package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// lakeRecord is one line of a stream read back as a reader of the lake
// would: its key and whether it is a tombstone (and why).
type lakeRecord struct {
	key, by   string
	tombstone bool
}

// streamLines reads every line of a stream in key order (the order of runs).
func streamLines(t testing.TB, store lake.Store, stream string) []lakeRecord {
	t.Helper()
	st, ok := streams.Lookup(stream)
	if !ok {
		t.Fatalf("no stream %s", stream)
	}
	var out []lakeRecord
	for _, k := range keysUnder(t, store, "data/okta/"+stream+"/") {
		rc, err := store.Open(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		r, err := lake.NewReader(rc)
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			key, err := st.KeyOf(rec.Data)
			if err != nil {
				t.Fatalf("%s line %d: %v", k, rec.Line, err)
			}
			lr := lakeRecord{key: key, tombstone: lake.IsTombstone(rec.Data)}
			if lr.tombstone {
				var v map[string]any
				_ = json.Unmarshal(rec.Data, &v)
				lr.by, _ = v[lake.DeletedByField].(string)
			}
			out = append(out, lr)
		}
		rc.Close()
	}
	return out
}

// currentKeys is what the lake says a stream holds now: the latest line of
// each key, tombstones removing keys.
func currentKeys(t testing.TB, store lake.Store, stream string) []string {
	t.Helper()
	live := map[string]bool{}
	for _, l := range streamLines(t, store, stream) {
		if l.tombstone {
			delete(live, l.key)
		} else {
			live[l.key] = true
		}
	}
	out := make([]string, 0, len(live))
	for k := range live {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// tombstonesBy counts the tombstones of a stream written after line from, by reason.
func tombstonesBy(lines []lakeRecord, from int) map[string][]string {
	out := map[string][]string{}
	for _, l := range lines[from:] {
		if l.tombstone {
			out[l.by] = append(out[l.by], l.key)
		}
	}
	return out
}

func orgKeys(org *oktatest.Org, stream string) []string {
	ids := slices.Clone(org.IDs(stream))
	sort.Strings(ids)
	return ids
}

func diffKeys(got, want []string) string {
	var b strings.Builder
	for _, k := range got {
		if _, ok := slices.BinarySearch(want, k); !ok {
			fmt.Fprintf(&b, " +%s", k)
		}
	}
	for _, k := range want {
		if _, ok := slices.BinarySearch(got, k); !ok {
			fmt.Fprintf(&b, " -%s", k)
		}
	}
	return b.String()
}

// childOf returns the first key of stream whose parent is not skip.
func childOf(t *testing.T, org *oktatest.Org, stream string, skip ...string) (parent, child string) {
	t.Helper()
	for _, k := range orgKeys(org, stream) {
		p, c, _ := strings.Cut(k, "/")
		if !slices.Contains(skip, p) && !slices.Contains(skip, c) {
			return p, c
		}
	}
	t.Fatalf("%s: no key outside %v", stream, skip)
	return "", ""
}

// Full-refresh streams diff each snapshot against the key index of the
// previous complete one: an app gone is a snapshot tombstone; fan-out
// children no longer listed under their parent are reconcile tombstones (a
// full refresh of a change-driven stream is a reconcile), every child of a
// parent gone is a parent tombstone, and the gone parent is in the manifest's
// DeletedParents. The lake's current state then equals the org's.
func TestSnapshotTombstones(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	clk := f.clock.(*oktatest.ManualClock)
	names := []string{"groups", "group_members", "applications", "application_users", "application_groups", "group_role_assignments"}
	cfg := f.config(names...)
	cfg.FullRefresh = true
	mustRun(t, cfg)
	before := map[string]int{}
	for _, n := range names {
		before[n] = len(streamLines(t, f.store, n))
		if got := currentKeys(t, f.store, n); !slices.Equal(got, orgKeys(f.org, n)) {
			t.Fatalf("%s after the first run:%s", n, diffKeys(got, orgKeys(f.org, n)))
		}
	}
	clk.Advance(time.Hour)
	at := clk.Now().Add(-time.Minute)
	goneApp, appUser := childOf(t, f.org, "application_users")
	keptApp, unassigned := childOf(t, f.org, "application_users", goneApp)
	goneGroup, _ := childOf(t, f.org, "group_members", f.org.GroupID(0))
	group, removed := childOf(t, f.org, "group_members", f.org.GroupID(0), goneGroup)
	for _, err := range []error{
		f.org.DeleteApp(goneApp, at),
		f.org.UnassignUserFromApp(keptApp, unassigned, at),
		f.org.DeleteGroup(goneGroup, at),
		f.org.RemoveGroupMember(group, removed, at),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Minute)
	mustRun(t, cfg)
	for _, n := range names {
		if got := currentKeys(t, f.store, n); !slices.Equal(got, orgKeys(f.org, n)) {
			t.Errorf("%s after the second run:%s", n, diffKeys(got, orgKeys(f.org, n)))
		}
	}
	check := func(stream, by, key string) {
		t.Helper()
		tb := tombstonesBy(streamLines(t, f.store, stream), before[stream])
		if !slices.Contains(tb[by], key) {
			t.Errorf("%s: no %q tombstone of %s (tombstones %v)", stream, by, key, tb)
		}
	}
	check("applications", lake.DeletedBySnapshot, goneApp)
	check("groups", lake.DeletedBySnapshot, goneGroup)
	check("application_users", lake.DeletedByParent, goneApp+"/"+appUser)
	// A full refresh of a stream that follows changes is a reconcile.
	check("application_users", lake.DeletedByReconcile, keptApp+"/"+unassigned)
	check("group_members", lake.DeletedByReconcile, group+"/"+removed)
	for stream, parent := range map[string]string{"application_users": goneApp, "group_members": goneGroup} {
		m, _ := manifestOf(t, f.store, stream)
		if !m.Complete || !slices.Contains(m.DeletedParents, parent) || m.Tombstones == 0 {
			t.Errorf("%s: manifest %+v, want complete, %s among DeletedParents, tombstones counted", stream, m, parent)
		}
	}
	// Nothing changed: nothing more is tombstoned.
	mid := map[string]int{}
	for _, n := range names {
		mid[n] = len(streamLines(t, f.store, n))
	}
	clk.Advance(time.Hour)
	mustRun(t, cfg)
	for _, n := range names {
		if tb := tombstonesBy(streamLines(t, f.store, n), mid[n]); len(tb) != 0 {
			t.Errorf("%s: an unchanged snapshot wrote tombstones %v", n, tb)
		}
	}
}

// A key index split into shards (a few keys each here) gives the same
// lake as one object: shards are written by partition, only the changed
// ones are rewritten, and no shard outlives the head that named it.
func TestKeyIndexShards(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	clk := f.clock.(*oktatest.ManualClock)
	cfg := f.config(trackedStreams()...)
	cfg.indexShardKeys = 16
	mustRun(t, cfg)
	ix := indexStore{store: f.store, prefix: "data", namespace: "okta"}
	cur, err := ix.open(context.Background(), "group_members")
	if err != nil || !cur.found {
		t.Fatalf("group_members index: %v, found %v", err, cur != nil && cur.found)
	}
	if n := cur.head.shardCount(); n < 8 || len(keysUnder(t, f.store, "data/_oktalake/index/okta/group_members/")) != n {
		t.Fatalf("group_members index in %d shards, objects %v", n, keysUnder(t, f.store, "data/_oktalake/index/okta/group_members/"))
	}
	clk.Advance(time.Hour)
	mutate(t, f.org, clk.Now())
	mustRun(t, cfg)
	assertLakeEqualsOrg(t, f, "with a sharded index")
	for _, n := range trackedStreams() {
		cur, err := ix.open(context.Background(), n)
		if err != nil || !cur.found {
			t.Fatalf("%s: %v", n, err)
		}
		named := map[string]bool{}
		reused := 0
		for _, sk := range cur.head.Shards {
			named[sk] = true
			if !strings.Contains(sk, "/2-") {
				reused++
			}
		}
		for _, k := range keysUnder(t, f.store, strings.TrimSuffix(ix.key(n), ".jsonl.gz")+"/") {
			if !named[k] {
				t.Errorf("%s: shard %s outlived its head", n, k)
			}
		}
		keys, _, err := ix.load(context.Background(), n)
		if err != nil || !slices.Equal(keys, orgKeys(f.org, n)) || cur.head.Keys != len(keys) {
			t.Errorf("%s: index holds %d keys (head %d), the org %d: %v", n, len(keys), cur.head.Keys, len(orgKeys(f.org, n)), err)
		}
		if n == "group_members" && reused == 0 {
			t.Errorf("group_members: a few changed groups rewrote every shard")
		}
	}
}
