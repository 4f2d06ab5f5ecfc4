package load

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/oktalake/oktalake/lake"
)

// TestEnvelopesLoadIdentically writes the same users with lake's writer in
// Airbyte's v2, v1 and flattened envelopes and loads each bucket into its
// own Port: the three Ports hold identical entities.
func TestEnvelopesLoadIdentically(t *testing.T) {
	recs := users(0, 60)
	recs[5]["profile"].(map[string]any)["mobilePhone"] = nil // nulls survive every envelope
	var reference []byte
	for _, env := range []lake.Envelope{lake.V2, lake.V1, lake.Flat} {
		t.Run(env.String(), func(t *testing.T) {
			store := newStore(t)
			w, err := lake.NewWriter(store, lake.WriterConfig{Prefix: "data", Namespace: "okta", Stream: "users", Envelope: env})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				b, _ := json.Marshal(r)
				if err := w.Write(context.Background(), b); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			rc, err := store.Open(context.Background(), w.Objects()[0].Key)
			if err != nil {
				t.Fatal(err)
			}
			r, err := lake.NewReader(rc)
			if err != nil {
				t.Fatal(err)
			}
			first, err := r.Next()
			rc.Close()
			if err != nil || first.Envelope != env {
				t.Fatalf("first line read as %v (err %v), want %v", first.Envelope, err, env)
			}
			pe := newPort(t, portSetup{})
			sum := run(t, newLoader(t, store, pe, Config{}))
			if sum.DeadLettered() != 0 || sum.Entities() != int64(len(recs)) {
				t.Fatalf("loaded %d entities with %d dead letters, want %d and 0", sum.Entities(), sum.DeadLettered(), len(recs))
			}
			got, err := json.Marshal(pe.srv.Entities("okta_user"))
			if err != nil {
				t.Fatal(err)
			}
			if reference == nil {
				reference = got
				return
			}
			if !bytes.Equal(got, reference) {
				t.Errorf("%s entities differ from v2's:\n got %s\nwant %s", env, got, reference)
			}
		})
	}
}
