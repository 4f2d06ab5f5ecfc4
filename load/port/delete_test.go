package port

import (
	"context"
	"fmt"
	"testing"

	"github.com/oktalake/oktalake/load/porttest"
)

const (
	bulkDeleteRoute   = "POST /v1/blueprints/{blueprint_identifier}/bulk/entities/delete"
	singleDeleteRoute = "DELETE /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}"
)

func TestDeleteBulk(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
	c := newClient(t, srv, nil)
	if _, err := c.Upsert(context.Background(), "okta_role", roles(260, 0)); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 250 {
		ids = append(ids, fmt.Sprintf("cr%04d", i))
	}
	ids = append(ids, "cr0003", "never-existed")
	fs, err := c.Delete(context.Background(), "okta_role", ids, false)
	if err != nil || len(fs) != 0 {
		t.Fatalf("%v %v", fs, err)
	}
	if got := len(srv.Entities("okta_role")); got != 10 {
		t.Errorf("left %d, want 10", got)
	}
	st := srv.Stats()
	if got := st.Requests[bulkDeleteRoute]; got != 3 {
		t.Errorf("bulk deletes %d, want 3 (100 + 100 + 51)", got)
	}
	if st.Requests[singleDeleteRoute] != 0 {
		t.Errorf("single deletes used for a bulk")
	}
}

func TestDeleteDependents(t *testing.T) {
	tests := []struct {
		name        string
		ids         []string
		dependents  bool
		wantFailed  []int
		wantUsers   int
		wantEvents  int
		wantSingles bool
	}{
		// u1 has an event whose required relation points at it: Port
		// refuses the whole bulk, so the client halves until u1 stands alone.
		{"blocked entity isolated", []string{"u0", "u1", "u2", "u3", "u4"}, false, []int{1}, 1, 1, true},
		{"dependents deleted", []string{"u0", "u1", "u2", "u3", "u4"}, true, nil, 0, 0, false},
		{"single route", []string{"u1"}, true, nil, 4, 0, true},
		{"single already gone", []string{"ghost"}, false, nil, 5, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
			c := newClient(t, srv, nil)
			seedUsersAndEvent(t, c)
			fs, err := c.Delete(context.Background(), "okta_user", tt.ids, tt.dependents)
			if err != nil {
				t.Fatal(err)
			}
			var failed []int
			for _, f := range fs {
				failed = append(failed, f.Index)
				if f.Status != 422 || f.Error != "has_dependents" || f.Message == "" {
					t.Errorf("failure %+v, want Port's has_dependents", f)
				}
			}
			if fmt.Sprint(failed) != fmt.Sprint(tt.wantFailed) {
				t.Errorf("failed %v, want %v", failed, tt.wantFailed)
			}
			if got := len(srv.Entities("okta_user")); got != tt.wantUsers {
				t.Errorf("users left %d, want %d", got, tt.wantUsers)
			}
			if got := len(srv.Entities("okta_event")); got != tt.wantEvents {
				t.Errorf("events left %d, want %d", got, tt.wantEvents)
			}
			if got := srv.Stats().Requests[singleDeleteRoute] > 0; got != tt.wantSingles {
				t.Errorf("single delete used %v, want %v", got, tt.wantSingles)
			}
		})
	}
}

func TestDeleteUnknownBlueprint(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
	c := newClient(t, srv, nil)
	fs, err := c.Delete(context.Background(), "nope", []string{"a", "b", "c", "bad id"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 4 || fs[0].Status != 404 || fs[3].Error != "invalid_identifier" || fs[3].Status != 0 {
		t.Errorf("failures %+v", fs)
	}
}

// seedUsersAndEvent stores users u0..u4 and one okta_event related to u1;
// the event blueprint's OktaUser relation is required.
func seedUsersAndEvent(t *testing.T, c *Client) {
	t.Helper()
	var users []Entity
	for i := range 5 {
		users = append(users, user(fmt.Sprintf("u%d", i)))
	}
	if fs, err := c.Upsert(context.Background(), "okta_user", users); err != nil || len(fs) != 0 {
		t.Fatalf("seeding users: %v %v", fs, err)
	}
	if fs, err := c.Upsert(context.Background(), "okta_event", []Entity{event("ev1", "u1")}); err != nil || len(fs) != 0 {
		t.Fatalf("seeding event: %v %v", fs, err)
	}
}

func user(id string) Entity {
	ts := "2024-01-02T03:04:05.000Z"
	return Entity{
		Identifier: id,
		Title:      "User " + id,
		Properties: map[string]any{
			"id": id, "status": "ACTIVE", "created": ts, "activated": ts, "statusChanged": ts, "lastUpdated": ts,
			"type":        map[string]any{"id": "oty1"},
			"profile":     map[string]any{"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "login": "ada@example.com", "mobilePhone": nil},
			"credentials": map[string]any{"provider": map[string]any{"type": "OKTA", "name": "OKTA"}},
		},
	}
}

// event is an okta_event with every property its blueprint requires.
func event(id, actor string) Entity {
	obj := map[string]any{}
	return Entity{
		Identifier: id,
		Title:      "user.session.start",
		Properties: map[string]any{
			"actor": map[string]any{"id": actor, "type": "User"}, "client": obj, "authenticationContext": obj,
			"displayMessage": "User login to Okta", "eventType": "user.session.start", "outcome": map[string]any{"result": "SUCCESS"},
			"published": "2024-01-02T03:04:05.000Z", "securityContext": obj, "severity": "INFO", "debugContext": obj,
			"transaction": obj, "uuid": id, "version": "0", "request": obj, "target": []any{},
		},
		Relations: map[string]any{"OktaUser": actor},
	}
}
