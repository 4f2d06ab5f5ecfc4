package porttest

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"
)

func TestDeletes(t *testing.T) {
	tests := []struct {
		name        string
		dependents  bool
		single      bool
		ids         []string
		wantStatus  int
		wantDeleted []any
		wantUsers   int
		wantEvents  int
	}{
		{"bulk blocked by required relation", false, false, []string{"u1", "u2"}, http.StatusUnprocessableEntity, nil, 3, 1},
		{"bulk with dependents", true, false, []string{"u1", "u2", "missing"}, http.StatusOK, []any{"u1", "u2"}, 1, 0},
		{"bulk without dependents where none", false, false, []string{"u2", "u3"}, http.StatusOK, []any{"u2", "u3"}, 1, 1},
		{"single with dependents", true, true, []string{"u1"}, http.StatusOK, nil, 2, 0},
		{"single missing", false, true, []string{"ghost"}, http.StatusNotFound, nil, 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, Options{Blueprints: fixtures(t, "okta_user", "okta_role_assignment", "okta_event")})
			c := newClient(t, srv)
			c.bulk("okta_user", "upsert=true", user("u1"), user("u2"), user("u3"))
			seedEvent(t, srv, "ev1", "u1")
			var status int
			var body map[string]any
			if tt.single {
				status, body = c.call(http.MethodDelete, fmt.Sprintf("/v1/blueprints/okta_user/entities/%s?delete_dependents=%v", tt.ids[0], tt.dependents), nil, nil)
			} else {
				status, body = c.call(http.MethodPost, fmt.Sprintf("/v1/blueprints/okta_user/bulk/entities/delete?delete_dependents=%v", tt.dependents), map[string]any{"entities": tt.ids}, nil)
			}
			if status != tt.wantStatus {
				t.Fatalf("status %d %v", status, body)
			}
			if tt.wantDeleted != nil && !reflect.DeepEqual(body["deletedEntities"], tt.wantDeleted) {
				t.Errorf("deletedEntities %v, want %v", body["deletedEntities"], tt.wantDeleted)
			}
			if status == http.StatusUnprocessableEntity && body["error"] != "has_dependents" {
				t.Errorf("error %v", body)
			}
			if got := len(srv.Entities("okta_user")); got != tt.wantUsers {
				t.Errorf("users left %d, want %d", got, tt.wantUsers)
			}
			if got := len(srv.Entities("okta_event")); got != tt.wantEvents {
				t.Errorf("events left %d, want %d", got, tt.wantEvents)
			}
			requireNoViolations(t, srv)
		})
	}
}

func TestBulkDeleteLimit(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "okta_user", "okta_role_assignment")})
	c := newClient(t, srv)
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%d", i)
	}
	if status, body := c.call(http.MethodPost, "/v1/blueprints/okta_user/bulk/entities/delete?delete_dependents=false", map[string]any{"entities": ids}, nil); status != http.StatusUnprocessableEntity {
		t.Errorf("101 ids: %d %v", status, body)
	}
	if status, body := c.call(http.MethodPost, "/v1/blueprints/okta_user/bulk/entities/delete?delete_dependents=false", map[string]any{"entities": ids[:100]}, nil); status != http.StatusOK {
		t.Errorf("100 ids: %d %v", status, body)
	}
}

// seedEvent stores an okta_event relating to a user, bypassing property
// validation (the fixture requires a full Okta log event).
func seedEvent(t *testing.T, srv *Server, id, userID string) {
	t.Helper()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.entities["okta_event"][id] = &Entity{Identifier: id, Properties: map[string]any{}, Relations: map[string]any{"OktaUser": userID}}
}
