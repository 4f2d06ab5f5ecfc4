package load

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/porttest"
	"github.com/oktalake/oktalake/schemas"
)

// requiredActorBlueprints are the shipped blueprints with okta_event's
// OktaUser relation required, as seed 003 publishes it.
func requiredActorBlueprints(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	bps, err := schemas.PortBlueprints()
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(bps["okta_event"], &ev); err != nil {
		t.Fatal(err)
	}
	ev["relations"].(map[string]any)["OktaUser"].(map[string]any)["required"] = true
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	bps["okta_event"] = b
	return bps
}

// handEvent creates an okta_event whose actor is user, by hand.
func handEvent(t *testing.T, srv *porttest.Server, id, user string) {
	t.Helper()
	ev := porttest.Entity{Identifier: id, Properties: map[string]any{
		"actor": map[string]any{}, "client": map[string]any{}, "authenticationContext": map[string]any{}, "displayMessage": "by hand",
		"eventType": "user.session.start", "outcome": map[string]any{}, "published": "2026-11-20T10:00:00.000Z", "securityContext": map[string]any{},
		"severity": "INFO", "debugContext": map[string]any{}, "transaction": map[string]any{}, "uuid": id, "version": "0",
		"request": map[string]any{}, "target": []any{}}, Relations: map[string]any{"OktaUser": user}}
	if err := srv.CreateEntity("okta_event", ev); err != nil {
		t.Fatal(err)
	}
}

// TestDependentsRefusalSaysWhy: three users that events require are
// deleted: the run fails with one *DependentsError entry for okta_user
// counting 3, naming the first user, Port's reason and both ways out; with
// DeleteDependents the users and their events go.
func TestDependentsRefusalSaysWhy(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{server: porttest.Options{Blueprints: requiredActorBlueprints(t)}})
	h := newHandLake(t, store)
	h.write(snap{stream: "users", records: fullUsers(span(0, 20)...)})
	run(t, newLoader(t, store, pe, Config{}))
	for _, i := range []int{3, 4, 5} {
		handEvent(t, pe.srv, "ev"+userID(i), userID(i))
	}
	h.write(snap{stream: "users", records: fullUsers(without(span(0, 20), 3, 4, 5)...)})
	err := run(t, newLoader(t, store, pe, Config{})).Err()
	var de *DependentsError
	if !errors.As(err, &de) {
		t.Fatalf("Err() = %v, want a *DependentsError", err)
	}
	if len(de.Refusals) != 1 || de.Refusals[0].Blueprint != "okta_user" || de.Refusals[0].Count != 3 || de.Refusals[0].First != userID(3) {
		t.Fatalf("refusals %+v, want okta_user: 3, first %s", de.Refusals, userID(3))
	}
	for _, want := range []string{"3 deletes", "okta_event", "OktaUser", "optional", "load.Config.DeleteDependents"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q: %v", want, err)
		}
	}
	if n := len(pe.identifiers("okta_user")); n != 20 {
		t.Fatalf("%d users in Port, want all 20 kept", n)
	}
	if err := run(t, newLoader(t, store, pe, Config{DeleteDependents: true})).Err(); err != nil {
		t.Fatal(err)
	}
	if n := len(pe.identifiers("okta_user")); n != 17 {
		t.Errorf("%d users in Port after DeleteDependents, want 17", n)
	}
	if n := len(pe.identifiers("okta_event")); n != 0 {
		t.Errorf("%d events left, want their actors' deletes to take them", n)
	}
}

// TestDeleteDependentsKeepsThreshold: DeleteDependents does not lift the
// threshold: a snapshot that lost 95% of the users deletes nothing.
func TestDeleteDependentsKeepsThreshold(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{server: porttest.Options{Blueprints: requiredActorBlueprints(t)}})
	h := newHandLake(t, store)
	h.write(snap{stream: "users", records: fullUsers(span(0, 20)...)})
	run(t, newLoader(t, store, pe, Config{}))
	h.write(snap{stream: "users", records: fullUsers(0)})
	err := run(t, newLoader(t, store, pe, Config{DeleteDependents: true})).Err()
	var te *ThresholdError
	if !errors.As(err, &te) {
		t.Fatalf("Err() = %v, want a *ThresholdError", err)
	}
	if n := pe.srv.Stats().EntitiesDeleted; n != 0 {
		t.Errorf("%d entities deleted over the threshold", n)
	}
}

// TestRefusedForDependents tells Port's refusals for dependents from other
// delete failures.
func TestRefusedForDependents(t *testing.T) {
	for _, tc := range []struct {
		f    port.Failure
		want bool
	}{
		{port.Failure{Status: 422, Error: "has_dependents", Message: "Entity has dependent entity"}, true},
		{port.Failure{Status: 422, Error: "invalid_request", Message: "bad body"}, false},
		{port.Failure{Status: 403, Error: "forbidden", Message: "no dependents here"}, false},
		{port.Failure{Error: "invalid_identifier", Message: "identifier does not match"}, false},
	} {
		if got := refusedForDependents(tc.f); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
		}
	}
}
