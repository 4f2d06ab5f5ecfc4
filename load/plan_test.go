package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/lake"
)

// bucketState reads every object under the loader's metadata (checkpoint,
// ledger, dead letters) so a test can tell whether a run wrote any.
func bucketState(t *testing.T, store lake.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	err := store.List(ctx, lake.JoinKey("data", lake.MetaDir)+"/", "", func(o lake.ObjectInfo) error {
		rc, err := store.Open(ctx, o.Key)
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		out[o.Key] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPlanTouchesNothing: a plan says what a load would upsert and delete
// per blueprint, with the first identifiers, while Port sees no write and
// neither the checkpoint nor the ledger moves; the load that follows does
// exactly what the plan said.
func TestPlanTouchesNothing(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	h := newHandLake(t, store)
	h.write(snap{stream: "users", records: fullUsers(span(0, 20)...)})
	run(t, newLoader(t, store, pe, Config{}))

	next := fullUsers(without(span(0, 20), 4, 9)...)
	next[0]["profile"].(map[string]any)["lastName"] = "Changed"
	h.write(snap{stream: "users", records: next})
	stateBefore, statsBefore := bucketState(t, store), pe.srv.Stats()
	pl := newLoader(t, store, pe, Config{Plan: true})
	pl.cp.compactAt = 1 // a checkpoint due for compaction stays as it is too
	sum := run(t, pl)
	statsAfter := pe.srv.Stats()
	for route, n := range statsAfter.Requests {
		if n != statsBefore.Requests[route] && !strings.HasPrefix(route, "GET ") && !strings.Contains(route, "/search") && !strings.Contains(route, "access_token") {
			t.Errorf("plan sent %d requests to %s", n-statsBefore.Requests[route], route)
		}
	}
	if statsAfter.EntitiesUpserted != statsBefore.EntitiesUpserted || statsAfter.EntitiesDeleted != statsBefore.EntitiesDeleted {
		t.Errorf("plan changed Port: upserted %d, deleted %d", statsAfter.EntitiesUpserted-statsBefore.EntitiesUpserted, statsAfter.EntitiesDeleted-statsBefore.EntitiesDeleted)
	}
	if stateAfter := bucketState(t, store); fmt.Sprint(stateAfter) != fmt.Sprint(stateBefore) {
		t.Errorf("plan wrote to the bucket's metadata (checkpoint, ledger or dead letters)")
	}
	p := sum.Plan
	if p == nil {
		t.Fatal("no plan in the summary")
	}
	if c := p.Upserts["okta_user"]; c == nil || c.Count != 1 || fmt.Sprint(c.First) != fmt.Sprint([]string{userID(0)}) {
		t.Errorf("planned upserts %+v, want okta_user 1 [%s]", c, userID(0))
	}
	if c := p.Deletes["okta_user"]; c == nil || c.Count != 2 || fmt.Sprint(c.First) != fmt.Sprint(ids(userID, 4, 9)) {
		t.Errorf("planned deletes %+v, want okta_user 2 %v", c, ids(userID, 4, 9))
	}
	var out bytes.Buffer
	if _, err := p.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"okta_user", userID(0), userID(4), userID(9)} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("printed plan lacks %s:\n%s", want, out.String())
		}
	}

	run(t, newLoader(t, store, pe, Config{}))
	st := pe.srv.Stats()
	if up, del := st.EntitiesUpserted-statsBefore.EntitiesUpserted, st.EntitiesDeleted-statsBefore.EntitiesDeleted; up != 1 || del != 2 {
		t.Errorf("the load after the plan upserted %d and deleted %d, want 1 and 2 as planned", up, del)
	}
}
