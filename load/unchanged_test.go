package load

import (
	"testing"
)

// TestUnchangedNotPosted: a second snapshot of the same users, one of them
// with a changed profile, posts that one user only; a third, unchanged,
// posts none, and the run is still a success.
func TestUnchangedNotPosted(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	putObject(t, store, dataKey("users", "2026_11_20_1_0"), users(0, 50))
	run(t, newLoader(t, store, pe, Config{}))
	if got := pe.srv.Stats().EntitiesUpserted; got != 50 {
		t.Fatalf("first load upserted %d, want 50", got)
	}

	again := users(0, 50)
	again[7]["profile"].(map[string]any)["lastName"] = "Changed"
	putObject(t, store, dataKey("users", "2026_11_20_2_0"), again)
	sum := run(t, newLoader(t, store, pe, Config{}))
	st := pe.srv.Stats()
	if got := st.EntitiesUpserted - 50; got != 1 {
		t.Fatalf("second load upserted %d entities, want 1 (the changed profile)", got)
	}
	if e, _ := pe.srv.Entity("okta_user", userID(7)); e.Properties["profile"].(map[string]any)["lastName"] != "Changed" {
		t.Errorf("changed user reads %v in Port", e.Properties["profile"])
	}
	if got := sum.Unchanged(); got != 49 {
		t.Errorf("summary counts %d unchanged, want 49", got)
	}

	putObject(t, store, dataKey("users", "2026_11_20_3_0"), again)
	before := pe.srv.Stats()
	sum = run(t, newLoader(t, store, pe, Config{}))
	after := pe.srv.Stats()
	if n := after.EntitiesUpserted - before.EntitiesUpserted; n != 0 {
		t.Errorf("unchanged re-load upserted %d entities, want 0", n)
	}
	if n := after.Requests["POST /v1/blueprints/{blueprint_identifier}/entities/bulk"] - before.Requests["POST /v1/blueprints/{blueprint_identifier}/entities/bulk"]; n != 0 {
		t.Errorf("unchanged re-load sent %d bulk requests, want 0", n)
	}
	if err := sum.Err(); err != nil {
		t.Errorf("unchanged re-load reports %v, want success", err)
	}
}
