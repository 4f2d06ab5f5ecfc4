package port

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/oktalake/oktalake/load/porttest"
)

func TestInitBlueprintsOrder(t *testing.T) {
	srv := newServer(t, porttest.Options{})
	c := newClient(t, srv, nil)
	res, err := c.InitBlueprints(context.Background(), oktaBlueprints(t), false)
	if err != nil {
		t.Fatal(err)
	}
	// The simulator refuses a blueprint whose relation target is missing,
	// so success already proves the order; check it explicitly too.
	want := []string{"okta_permission", "okta_role", "okta_role_assignment", "okta_user", "okta_event"}
	if !reflect.DeepEqual(res.Created, want) || len(res.Updated)+len(res.Unchanged) != 0 {
		t.Errorf("result %+v, want created %v", res, want)
	}
	before := func(a, b string) bool { return slices.Index(res.Created, a) < slices.Index(res.Created, b) }
	if !before("okta_role_assignment", "okta_user") || !before("okta_user", "okta_event") || !before("okta_permission", "okta_role") {
		t.Errorf("targets not first: %v", res.Created)
	}
}

func TestInitBlueprintsExisting(t *testing.T) {
	bps := oktaBlueprints(t)
	srv := newServer(t, porttest.Options{Blueprints: fixtures(t, "okta_role_assignment", "okta_user")})
	c := newClient(t, srv, nil)
	var doc map[string]any
	_ = json.Unmarshal(bps["okta_user"], &doc)
	doc["title"] = "Okta User v2"
	bps["okta_user"], _ = json.Marshal(doc)

	tests := []struct {
		update                      bool
		created, updated, unchanged []string
		wantTitle                   string
	}{
		{false, []string{"okta_event", "okta_permission", "okta_role"}, nil, []string{"okta_role_assignment", "okta_user"}, "Okta User"},
		{true, nil, []string{"okta_event", "okta_permission", "okta_role", "okta_role_assignment", "okta_user"}, nil, "Okta User v2"},
	}
	for _, tt := range tests {
		res, err := c.InitBlueprints(context.Background(), bps, tt.update)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res, InitResult{Created: tt.created, Updated: tt.updated, Unchanged: tt.unchanged}) {
			t.Errorf("update=%v: result %+v", tt.update, res)
		}
		raw, err := c.GetBlueprint(context.Background(), "okta_user")
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Title string }
		if err := json.Unmarshal(raw, &got); err != nil || got.Title != tt.wantTitle {
			t.Errorf("update=%v: title %q, want %q", tt.update, got.Title, tt.wantTitle)
		}
	}
}

func TestInitBlueprintsCycle(t *testing.T) {
	srv := newServer(t, porttest.Options{})
	c := newClient(t, srv, nil)
	bps := fixtures(t, "cycle_a", "cycle_b", "okta_permission", "okta_role")
	res, err := c.InitBlueprints(context.Background(), bps, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"okta_permission", "okta_role", "cycle_a", "cycle_b"}; !reflect.DeepEqual(res.Created, want) {
		t.Errorf("created %v, want %v", res.Created, want)
	}
	for id, target := range map[string]string{"cycle_a": "cycle_b", "cycle_b": "cycle_a"} {
		raw, _ := srv.Blueprint(id)
		var got struct {
			Relations        map[string]struct{ Target string }
			MirrorProperties map[string]json.RawMessage
		}
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Relations) != 1 {
			t.Errorf("%s relations %v, want the one to %s patched in", id, got.Relations, target)
		}
		for _, r := range got.Relations {
			if r.Target != target {
				t.Errorf("%s relation target %q, want %q", id, r.Target, target)
			}
		}
		if id == "cycle_a" && len(got.MirrorProperties) != 1 {
			t.Errorf("cycle_a mirror properties %v, want them patched back", got.MirrorProperties)
		}
	}
	if got := srv.Stats().Requests["PATCH /v1/blueprints/{identifier}"]; got != 2 {
		t.Errorf("patches %d, want 2", got)
	}
}

func TestInitBlueprintsErrors(t *testing.T) {
	srv := newServer(t, porttest.Options{})
	c := newClient(t, srv, nil)
	tests := []struct {
		name string
		bps  map[string]json.RawMessage
	}{
		{"unknown target", fixtures(t, "okta_user")},
		{"key and identifier differ", map[string]json.RawMessage{"x": json.RawMessage(`{"identifier":"y","title":"Y","schema":{"properties":{}}}`)}},
		{"not json", map[string]json.RawMessage{"x": json.RawMessage(`{`)}},
	}
	for _, tt := range tests {
		if res, err := c.InitBlueprints(context.Background(), tt.bps, false); err == nil || len(res.Created) != 0 {
			t.Errorf("%s: result %+v err %v, want an error and nothing created", tt.name, res, err)
		}
	}
	_, err := c.GetBlueprint(context.Background(), "missing")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("GetBlueprint(missing) = %v, want a 404 APIError", err)
	}
}

func TestTopoOrder(t *testing.T) {
	docs := map[string]*blueprintDoc{
		"a": {targets: []string{"b"}},
		"b": {targets: []string{"c"}},
		"c": {},
		"x": {targets: []string{"y"}},
		"y": {targets: []string{"x"}},
		"z": {targets: []string{"x"}},
		"s": {targets: []string{"outside"}},
	}
	ordered, cyclic := topoOrder([]string{"a", "b", "c", "x", "y", "z", "s"}, docs)
	if want := []string{"c", "b", "a", "s"}; !reflect.DeepEqual(ordered, want) {
		t.Errorf("ordered %v, want %v", ordered, want)
	}
	if want := []string{"x", "y", "z"}; !reflect.DeepEqual(cyclic, want) {
		t.Errorf("cyclic %v, want %v", cyclic, want)
	}
}
