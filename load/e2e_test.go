package load

import (
	"context"
	"testing"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/laketest"
	"github.com/oktalake/oktalake/streams"
)

// TestEndToEnd extracts a simulated org with the real extractor into a
// bucket (local directory, then MinIO) and loads it with the embedded
// default mapping: every blueprint holds exactly the org's records, nothing
// is dead-lettered, and a second run sends nothing.
func TestEndToEnd(t *testing.T) {
	tests := []struct {
		name  string
		store func(t *testing.T) (lake.Store, string)
	}{
		{"local", func(t *testing.T) (lake.Store, string) { return newStore(t), "data" }},
		{"minio", func(t *testing.T) (lake.Store, string) {
			env := laketest.MinIO(t)
			s, prefix, err := lake.OpenStore(context.Background(), env.URL("data"), lake.StoreOptions{
				S3Endpoint: env.Endpoint, Region: env.Region, AccessKey: env.AccessKey, SecretKey: env.SecretKey,
			})
			if err != nil {
				t.Fatal(err)
			}
			return s, prefix
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, prefix := tt.store(t)
			org := extractOrg(t, store, prefix)
			pe := newPort(t, portSetup{})
			l := newLoader(t, store, pe, Config{Prefix: prefix})
			sum := run(t, l)

			want := map[string]int{}
			for stream, bp := range blueprintOf(t) {
				n := org.Count(stream)
				if n <= 0 {
					t.Fatalf("org.Count(%s) = %d: the org should have records of every stream", stream, n)
				}
				want[bp] += n
			}
			if len(want) != 16 {
				t.Fatalf("default mapping covers %d blueprints, want 16", len(want))
			}
			for bp, n := range want {
				if got := pe.count(bp); got != n {
					t.Errorf("%s: %d entities in Port, want %d (the org's count)", bp, got, n)
				}
				if got := sum.Blueprints[bp]; got != int64(n) {
					t.Errorf("%s: summary counts %d entities, want %d", bp, got, n)
				}
			}
			if n := sum.DeadLettered(); n != 0 {
				t.Errorf("%d records dead-lettered, want 0", n)
			}
			if keys, _ := deadLettersIn(t, store, prefix); len(keys) != 0 {
				t.Errorf("dead-letter objects %v, want none", keys)
			}
			if got, want := len(sum.Streams), len(streams.All()); got != want {
				t.Errorf("summary has %d streams, want %d", got, want)
			}
			if st := pe.srv.Stats(); st.StubsCreated != 0 {
				t.Errorf("Port created %d stub entities: relation targets were not loaded first", st.StubsCreated)
			}

			// Everything is checkpointed: a second run sends nothing.
			before := pe.srv.Stats().APIRequests
			again := run(t, newLoader(t, store, pe, Config{Prefix: prefix}))
			if n := again.Entities(); n != 0 {
				t.Errorf("second run loaded %d entities, want 0", n)
			}
			if after := pe.srv.Stats().APIRequests; after != before {
				t.Errorf("second run sent %d requests, want 0", after-before)
			}
		})
	}
}
