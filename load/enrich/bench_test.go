package enrich

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake"
)

// BenchmarkEnrich adds a user's groups (5 of 200) from a lake of 5,000
// users' memberships. "baseline" is decoding and re-encoding the record
// alone, what any field added to it costs; "enrich" adds the lookup of
// the groups and their records. Compare the two ns/op.
func BenchmarkEnrich(b *testing.B) {
	t := &testing.T{}
	s, _, err := lake.OpenStore(context.Background(), b.TempDir(), lake.StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	const users, groups, per = 5000, 200, 5
	var gs, ms []string
	for g := 0; g < groups; g++ {
		gs = append(gs, fmt.Sprintf(`{"id":"g%04d","type":"OKTA_GROUP","profile":{"name":"Group %d","description":"A group of the benchmark"}}`, g, g))
	}
	for u := 0; u < users; u++ {
		for k := 0; k < per; k++ {
			ms = append(ms, fmt.Sprintf(`{"groupId":"g%04d","id":"u%05d","status":"ACTIVE","profile":{"login":"u%05d@example.com"}}`, (u*7+k*31)%groups, u, u))
		}
	}
	put(t, s, "groups", "1", t0, gs...)
	put(t, s, "group_members", "1", t0, ms...)
	j := New(Config{Store: s, Enrichments: enrichments(t, "include_groups"), Dir: b.TempDir(), SortBytes: 1 << 20})
	defer j.Close()
	ctx := context.Background()
	start := time.Now()
	if err := j.Prepare(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("prepare: %d membership records in %v, %d spills", len(ms), time.Since(start).Round(time.Millisecond), j.Stats().Spills)
	rec := func(i int) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"id":"u%05d","status":"ACTIVE","profile":{"login":"u%05d@example.com","firstName":"F","lastName":"L"}}`, i%users, i%users))
	}
	b.Run("baseline", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			f, _ := topFields(rec(i))
			f["groups"] = json.RawMessage(`[]`)
			if _, err := json.Marshal(f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("enrich", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := j.Enrich(ctx, "users", rec(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
