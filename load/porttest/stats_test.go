package porttest

import (
	"net/http"
	"slices"
	"testing"
)

// TestStatsTellChangesFromNoOps: upserts are counted per blueprint, those
// that left the stored entity as it was are UnchangedUpserts, deletes are
// counted per blueprint, dependents included.
func TestStatsTellChangesFromNoOps(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "okta_user", "okta_role_assignment", "okta_event")})
	c := newClient(t, srv)
	c.bulk("okta_user", "upsert=true", user("u1"), user("u2"), user("u3"))
	c.bulk("okta_user", "upsert=true", user("u1"), user("u2"), user("u3"))
	changed := user("u2")
	changed["title"] = "Renamed"
	c.bulk("okta_user", "upsert=true&merge=true", changed, user("u3"))
	seedEvent(t, srv, "ev1", "u1")
	c.call(http.MethodPost, "/v1/blueprints/okta_user/bulk/entities/delete?delete_dependents=true", map[string]any{"entities": []string{"u1", "u3"}}, nil)
	st := srv.Stats()
	if st.EntitiesUpserted != 8 || st.UpsertedByBlueprint["okta_user"] != 8 {
		t.Errorf("upserted %d (okta_user %d), want 8", st.EntitiesUpserted, st.UpsertedByBlueprint["okta_user"])
	}
	if st.UnchangedUpserts != 4 || st.EntitiesChanged != 4 {
		t.Errorf("unchanged %d changed %d, want 4 and 4 (3 created, 1 renamed)", st.UnchangedUpserts, st.EntitiesChanged)
	}
	if st.EntitiesDeleted != 3 || st.DeletedByBlueprint["okta_user"] != 2 || st.DeletedByBlueprint["okta_event"] != 1 {
		t.Errorf("deleted %d by blueprint %v, want 3: okta_user 2, okta_event 1", st.EntitiesDeleted, st.DeletedByBlueprint)
	}
	st.UpsertedByBlueprint["okta_user"] = -1
	if srv.Stats().UpsertedByBlueprint["okta_user"] != 8 {
		t.Error("Stats shares its maps with the server")
	}
}

// TestCreateEntity: an entity created by hand is validated like any
// other, served like any other, and not counted as a loader's upsert.
func TestCreateEntity(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "probe", "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	hand := Entity{Identifier: "by-hand", Title: "Made by a person", Properties: map[string]any{"name": "h", "score": 2.0}}
	if err := srv.CreateEntity("probe", hand); err != nil {
		t.Fatal(err)
	}
	status, body := c.call(http.MethodGet, "/v1/blueprints/probe/entities/by-hand", nil, nil)
	if status != http.StatusOK || body["entity"].(map[string]any)["title"] != "Made by a person" {
		t.Fatalf("GET: %d %v", status, body)
	}
	if ids := c.searchAll("probe", map[string]any{}); !slices.Equal(ids, []string{"by-hand"}) {
		t.Errorf("search: %v", ids)
	}
	for name, bad := range map[string]struct {
		bp string
		e  Entity
	}{
		"duplicate":         {"probe", hand},
		"missing required":  {"probe", Entity{Identifier: "x", Properties: map[string]any{"score": 1.0}}},
		"bad identifier":    {"probe", Entity{Identifier: "a b", Properties: map[string]any{"name": "n"}}},
		"unknown blueprint": {"nope", Entity{Identifier: "x"}},
		"missing relation":  {"probe", Entity{Identifier: "y", Properties: map[string]any{"name": "n"}, Relations: map[string]any{"owner": "ghost"}}},
	} {
		if err := srv.CreateEntity(bad.bp, bad.e); err == nil {
			t.Errorf("%s: CreateEntity succeeded", name)
		}
	}
	if st := srv.Stats(); st.EntitiesUpserted != 0 || st.UpsertedByBlueprint["probe"] != 0 {
		t.Errorf("a hand-made entity counted as upserted: %+v", st)
	}
	requireNoViolations(t, srv)
}
