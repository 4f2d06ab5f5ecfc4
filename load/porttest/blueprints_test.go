package porttest

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestBlueprintCRUD(t *testing.T) {
	srv := newServer(t, Options{})
	c := newClient(t, srv)
	bps := fixtures(t, "okta_user", "okta_role_assignment")

	// A relation to a blueprint that does not exist yet is refused.
	if status, body := c.call(http.MethodPost, "/v1/blueprints", bps["okta_user"], nil); status != http.StatusNotFound || body["error"] != "not_found" {
		t.Fatalf("create with missing target: %d %v", status, body)
	}
	if status, body := c.call(http.MethodPost, "/v1/blueprints", bps["okta_role_assignment"], nil); status != http.StatusCreated || body["blueprint"].(map[string]any)["identifier"] != "okta_role_assignment" {
		t.Fatalf("create: %d %v", status, body)
	}
	if status, _ := c.call(http.MethodPost, "/v1/blueprints", bps["okta_user"], nil); status != http.StatusCreated {
		t.Fatalf("create after target: %d", status)
	}
	if status, body := c.call(http.MethodPost, "/v1/blueprints", bps["okta_user"], nil); status != http.StatusConflict {
		t.Fatalf("create twice: %d %v", status, body)
	}
	status, body := c.call(http.MethodGet, "/v1/blueprints", nil, nil)
	if status != http.StatusOK || len(body["blueprints"].([]any)) != 2 {
		t.Fatalf("list: %d %v", status, body)
	}
	patch := map[string]any{"title": "Okta Person", "relations": map[string]any{"manager": map[string]any{"target": "okta_user", "required": false, "many": false}}}
	if status, body = c.call(http.MethodPatch, "/v1/blueprints/okta_user", patch, nil); status != http.StatusOK {
		t.Fatalf("patch: %d %v", status, body)
	}
	raw, _ := srv.Blueprint("okta_user")
	var got struct {
		Title     string                     `json:"title"`
		Relations map[string]json.RawMessage `json:"relations"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.Title != "Okta Person" || len(got.Relations) != 2 {
		t.Errorf("after patch: %+v", got)
	}
	var doc map[string]any
	_ = json.Unmarshal(bps["okta_user"], &doc)
	doc["title"] = "Okta User Again"
	if status, body = c.call(http.MethodPut, "/v1/blueprints/okta_user", doc, nil); status != http.StatusOK || body["blueprint"].(map[string]any)["title"] != "Okta User Again" {
		t.Fatalf("put: %d %v", status, body)
	}
	got.Relations = nil
	if raw, _ = srv.Blueprint("okta_user"); json.Unmarshal(raw, &got) != nil || len(got.Relations) != 1 {
		t.Errorf("put should replace relations: %s", raw)
	}
	if status, _ = c.call(http.MethodGet, "/v1/blueprints/nope", nil, nil); status != http.StatusNotFound {
		t.Errorf("get missing: %d", status)
	}
	if status, _ = c.call(http.MethodDelete, "/v1/blueprints/okta_role_assignment", nil, nil); status != http.StatusConflict {
		t.Errorf("delete a relation target: %d", status)
	}
	requireNoViolations(t, srv)
}

func TestPreloadedSeedBlueprints(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "okta_user", "okta_role_assignment", "okta_event", "okta_role", "okta_permission")})
	c := newClient(t, srv)
	for _, id := range []string{"okta_user", "okta_role_assignment", "okta_event", "okta_role", "okta_permission"} {
		if status, body := c.call(http.MethodGet, "/v1/blueprints/"+id, nil, nil); status != http.StatusOK {
			t.Errorf("%s: %d %v", id, status, body)
		}
	}
	requireNoViolations(t, srv)
}

func TestPreloadRejectsDanglingRelation(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewServer accepted a relation to a missing blueprint")
		}
	}()
	NewServer(Options{Blueprints: fixtures(t, "okta_user")}).Close()
}
