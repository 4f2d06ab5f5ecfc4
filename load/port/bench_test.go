package port

import (
	"context"
	"testing"
	"time"

	"github.com/oktalake/oktalake/load/porttest"
)

// BenchmarkUpsert upserts 1000 okta_role entities per iteration into a
// simulated Port answering after 30 ms, with the default concurrency. It
// reports throughput and requests per entity (the floor is 1/20 = 0.05;
// the target is at most 0.06). The spec validator is off: it would measure
// kin-openapi, not the client.
func BenchmarkUpsert(b *testing.B) {
	srv := porttest.NewServer(porttest.Options{Latency: 30 * time.Millisecond, Blueprints: fixtures(b, "okta_role", "okta_permission")})
	defer srv.Close()
	c := newClient(b, srv, nil)
	const perOp = 1000
	es := roles(perOp, 300)
	ctx := context.Background()
	ops := 0
	for b.Loop() {
		fs, err := c.Upsert(ctx, "okta_role", es)
		if err != nil || len(fs) != 0 {
			b.Fatalf("%v %v", fs, err)
		}
		ops++
	}
	entities := float64(ops * perOp)
	st := c.Stats()
	b.ReportMetric(entities/b.Elapsed().Seconds(), "entities/s")
	b.ReportMetric(float64(st.Requests+st.TokenRequests)/entities, "requests/entity")
}
