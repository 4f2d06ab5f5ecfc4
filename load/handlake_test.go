package load

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/schemas"
	"github.com/oktalake/oktalake/streams"
)

// handLake builds a lake by hand the way the sync contract says extract
// does: each sync writes its objects with lake.Writer (records and
// tombstones, the sync id in the envelope), then one manifest per stream.
type handLake struct {
	t      testing.TB
	store  lake.Store
	prefix string
	sync   int64
	at     time.Time
}

func newHandLake(t testing.TB, store lake.Store) *handLake {
	return &handLake{t: t, store: store, prefix: "data", at: testNow}
}

// snap is what one sync writes for one stream.
type snap struct {
	stream  string
	kind    string // lake.ManifestFull (default), ManifestIncremental or ManifestPerParent
	records []map[string]any
	// deleted are record keys (streams.Stream.KeyOf) to tombstone.
	deleted []string
	// parents and deletedParents fill a per-parent manifest.
	parents, deletedParents []string
	// incomplete writes the manifest with Complete false; noManifest
	// writes none (an interrupted run).
	incomplete, noManifest bool
}

// write runs one sync: every snap's objects, then its manifest. It returns
// the sync id.
func (h *handLake) write(snaps ...snap) int64 {
	h.t.Helper()
	ctx := context.Background()
	h.sync++
	h.at = h.at.Add(time.Hour)
	for _, s := range snaps {
		st, ok := streams.Lookup(s.stream)
		if !ok {
			h.t.Fatalf("no stream %s", s.stream)
		}
		w, err := lake.NewWriter(h.store, lake.WriterConfig{Prefix: h.prefix, Namespace: "okta", Stream: s.stream, SyncID: h.sync,
			Now: func() time.Time { return h.at }, KeyTime: h.at})
		if err != nil {
			h.t.Fatal(err)
		}
		for _, r := range s.records {
			b, err := json.Marshal(r)
			if err != nil {
				h.t.Fatal(err)
			}
			if err := w.Write(ctx, b); err != nil {
				h.t.Fatal(err)
			}
		}
		for _, k := range s.deleted {
			kv, err := st.SplitKey(k)
			if err != nil {
				h.t.Fatal(err)
			}
			fields := make([]lake.KeyField, len(kv))
			for i, f := range kv {
				fields[i] = lake.KeyField{Name: f.Field, Value: f.Value}
			}
			if err := w.Write(ctx, lake.NewTombstone(fields, h.at, lake.DeletedBySnapshot)); err != nil {
				h.t.Fatal(err)
			}
		}
		if err := w.Close(ctx); err != nil {
			h.t.Fatal(err)
		}
		if s.noManifest {
			continue
		}
		kind := s.kind
		if kind == "" {
			kind = lake.ManifestFull
		}
		m := lake.Manifest{Stream: s.stream, Namespace: "okta", SyncID: h.sync, Kind: kind, Complete: !s.incomplete,
			StartedAt: h.at, FinishedAt: h.at.Add(time.Minute), Records: int64(len(s.records) + len(s.deleted)), Tombstones: int64(len(s.deleted)),
			Parents: s.parents, DeletedParents: s.deletedParents}
		if s.incomplete {
			m.Reason = "interrupted"
		}
		for _, o := range w.Objects() {
			m.Objects = append(m.Objects, lake.ManifestObject{Key: o.Key, Bytes: o.Size, Records: int64(len(s.records) + len(s.deleted)), Tombstones: int64(len(s.deleted))})
		}
		if err := lake.WriteManifest(ctx, h.store, h.prefix, m); err != nil {
			h.t.Fatal(err)
		}
	}
	return h.sync
}

// fullUser is an Okta user with every field seed 003's blueprint requires.
func fullUser(i int) map[string]any {
	u := userRecord(i)
	u["activated"] = "2026-01-02T03:04:05.000Z"
	u["statusChanged"] = "2026-01-02T03:04:05.000Z"
	return u
}

func fullUsers(ids ...int) []map[string]any {
	out := make([]map[string]any, len(ids))
	for i, id := range ids {
		out[i] = fullUser(id)
	}
	return out
}

func span(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func without(ids []int, drop ...int) []int {
	gone := map[int]bool{}
	for _, d := range drop {
		gone[d] = true
	}
	var out []int
	for _, i := range ids {
		if !gone[i] {
			out = append(out, i)
		}
	}
	return out
}

func groupID(i int) string { return fmt.Sprintf("00g%06d", i) }

func groupRecord(i int) map[string]any {
	return map[string]any{
		"id": groupID(i), "created": "2026-01-02T03:04:05.000Z", "lastUpdated": "2026-01-02T03:04:05.000Z",
		"lastMembershipUpdated": "2026-01-02T03:04:05.000Z", "type": "OKTA_GROUP", "objectClass": []any{"okta:user_group"},
		"profile": map[string]any{"name": fmt.Sprintf("Group %d", i), "description": "test group"},
	}
}

func groups(ids ...int) []map[string]any {
	out := make([]map[string]any, len(ids))
	for i, id := range ids {
		out[i] = groupRecord(id)
	}
	return out
}

// member is a group_members record: the user as Okta lists it under the
// group, with the group id extract adds.
func member(g, u int) map[string]any {
	r := fullUser(u)
	r["groupId"] = groupID(g)
	return r
}

// members returns the memberships m[g] = users of group g.
func members(m map[int][]int) []map[string]any {
	var gs []int
	for g := range m {
		gs = append(gs, g)
	}
	sort.Ints(gs)
	var out []map[string]any
	for _, g := range gs {
		for _, u := range m[g] {
			out = append(out, member(g, u))
		}
	}
	return out
}

func memberKey(g, u int) string { return groupID(g) + "/" + userID(u) }

// identifiers returns the identifiers Port holds in a blueprint, sorted.
func (p *portEnv) identifiers(blueprint string) []string {
	var out []string
	for _, e := range p.srv.Entities(blueprint) {
		out = append(out, e.Identifier)
	}
	return out
}

func ids(f func(int) string, is ...int) []string {
	out := make([]string, len(is))
	for i, v := range is {
		out[i] = f(v)
	}
	sort.Strings(out)
	return out
}

func seed003(tb testing.TB) []byte {
	tb.Helper()
	b, err := schemas.Mapping("seed003.json")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
