package port

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/oktalake/oktalake/load/porttest"
)

const searchRoute = "POST /v1/blueprints/{blueprint_identifier}/entities/search"

// TestEntitiesPages lists every entity of a blueprint across Port's search
// pages (the request and answers checked against Port's spec), each once.
func TestEntitiesPages(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
	c := newClient(t, srv, nil)
	if _, err := c.Upsert(context.Background(), "okta_role", roles(2345, 0)); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	err := c.Entities(context.Background(), "okta_role", func(e json.RawMessage) error {
		var v struct {
			Identifier string `json:"identifier"`
		}
		if err := json.Unmarshal(e, &v); err != nil {
			return err
		}
		seen[v.Identifier]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2345 {
		t.Fatalf("listed %d distinct entities, want 2345", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s listed %d times", id, n)
		}
	}
	if got := srv.Stats().Requests[searchRoute]; got != 3 {
		t.Errorf("%d search requests, want 3 (pages of 1000)", got)
	}
}

// TestEntitiesMissingBlueprint: a blueprint Port does not have is an
// *APIError with status 404; fn's error stops the walk and is returned.
func TestEntitiesErrors(t *testing.T) {
	srv := newServer(t, porttest.Options{Blueprints: oktaBlueprints(t)})
	c := newClient(t, srv, nil)
	err := c.Entities(context.Background(), "nosuch", func(json.RawMessage) error { return nil })
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 404 {
		t.Fatalf("missing blueprint: %v, want a 404 *APIError", err)
	}
	if _, err := c.Upsert(context.Background(), "okta_role", roles(3, 0)); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	if err := c.Entities(context.Background(), "okta_role", func(json.RawMessage) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("fn's error: got %v", err)
	}
}
