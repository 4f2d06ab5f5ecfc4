package load

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/porttest"
)

// TestThresholdHoldsDeletes: a snapshot that lost 95% of the users (an
// Okta outage answering empty pages) deletes nothing, and the run fails
// naming the blueprint and the counts. The deletes stay pending: once a
// good snapshot lists the users again, nothing is deleted either.
func TestThresholdHoldsDeletes(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	h := newHandLake(t, store)
	all := span(0, 100)
	h.write(snap{stream: "users", records: fullUsers(all...)})
	run(t, newLoader(t, store, pe, Config{}))

	h.write(snap{stream: "users", records: fullUsers(span(0, 5)...)})
	sum := run(t, newLoader(t, store, pe, Config{}))
	var te *ThresholdError
	if err := sum.Err(); !errors.As(err, &te) {
		t.Fatalf("run that would delete 95%% of users: Err() = %v, want a *ThresholdError", err)
	}
	if len(te.Trips) != 1 || te.Trips[0] != (ThresholdTrip{Blueprint: "okta_user", Delete: 95, Owned: 100}) {
		t.Errorf("trips %+v, want okta_user 95 of 100", te.Trips)
	}
	if msg := te.Error(); !strings.Contains(msg, "okta_user") || !strings.Contains(msg, "95 of 100") {
		t.Errorf("error %q does not name the blueprint and counts", msg)
	}
	if n := pe.srv.Stats().EntitiesDeleted; n != 0 {
		t.Errorf("Port deleted %d entities, want 0", n)
	}

	// The outage is over: the users are listed again; nothing is deleted.
	h.write(snap{stream: "users", records: fullUsers(all...)})
	sum = run(t, newLoader(t, store, pe, Config{}))
	if err := sum.Err(); err != nil {
		t.Errorf("run after the outage: %v", err)
	}
	if n := pe.srv.Stats().EntitiesDeleted; n != 0 || len(pe.identifiers("okta_user")) != 100 {
		t.Errorf("after the outage Port deleted %d and holds %d users, want 0 and 100", n, len(pe.identifiers("okta_user")))
	}
}

// TestThresholdConfigurable: a real mass delete goes through once the
// threshold allows it.
func TestThresholdConfigurable(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	h := newHandLake(t, store)
	h.write(snap{stream: "users", records: fullUsers(span(0, 20)...)})
	run(t, newLoader(t, store, pe, Config{}))
	h.write(snap{stream: "users", records: fullUsers(0)})
	if err := run(t, newLoader(t, store, pe, Config{})).Err(); err == nil {
		t.Fatal("deleting 95% passed the default threshold")
	}
	sum := run(t, newLoader(t, store, pe, Config{DeleteThreshold: 1}))
	if err := sum.Err(); err != nil {
		t.Fatalf("with DeleteThreshold 1: %v", err)
	}
	if got := pe.identifiers("okta_user"); fmt.Sprint(got) != fmt.Sprint([]string{userID(0)}) {
		t.Errorf("users in Port %v, want only %s", got, userID(0))
	}
	if sum.Deleted["okta_user"] != 19 {
		t.Errorf("summary counts %d users deleted, want 19", sum.Deleted["okta_user"])
	}
}

// TestHandMadeEntitySurvives: an entity created by hand in a blueprint the
// loader owns entities of is never deleted, though no record produces it.
func TestHandMadeEntitySurvives(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	h := newHandLake(t, store)
	h.write(snap{stream: "users", records: fullUsers(span(0, 10)...)})
	run(t, newLoader(t, store, pe, Config{}))
	hand := porttest.Entity{Identifier: "made-by-hand", Title: "Made by hand", Properties: map[string]any{
		"id": "made-by-hand", "status": "ACTIVE", "created": "2026-01-02T03:04:05.000Z", "activated": "2026-01-02T03:04:05.000Z",
		"statusChanged": "2026-01-02T03:04:05.000Z", "lastUpdated": "2026-01-02T03:04:05.000Z", "type": map[string]any{"id": "oty1"},
		"profile": map[string]any{"login": "hand@example.com"}, "credentials": map[string]any{},
	}}
	if err := pe.srv.CreateEntity("okta_user", hand); err != nil {
		t.Fatal(err)
	}
	h.write(snap{stream: "users", records: fullUsers(span(0, 8)...)})
	sum := run(t, newLoader(t, store, pe, Config{}))
	if err := sum.Err(); err != nil {
		t.Fatal(err)
	}
	want := append(ids(userID, span(0, 8)...), "made-by-hand")
	slices.Sort(want)
	if got := pe.identifiers("okta_user"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("users in Port:\n got %v\nwant %v", got, want)
	}
}

// TestDependentsDeletedFirst: a deleted user and its membership go in one
// run, the membership (which relates to the user) first.
func TestDependentsDeletedFirst(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	h := newHandLake(t, store)
	h.write(snap{stream: "users", records: fullUsers(span(0, 10)...)},
		snap{stream: "group_members", kind: "per_parent", records: members(map[int][]int{1: {1, 2}}), parents: []string{groupID(1)}})
	run(t, newLoader(t, store, pe, Config{}))
	before := len(pe.paths.snapshot())
	h.write(snap{stream: "users", records: fullUsers(without(span(0, 10), 2)...)},
		snap{stream: "group_members", kind: "per_parent", records: members(map[int][]int{1: {1}}), parents: []string{groupID(1)}})
	sum := run(t, newLoader(t, store, pe, Config{}))
	if err := sum.Err(); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, p := range pe.paths.snapshot()[before:] {
		if strings.Contains(p, "delete") || strings.Contains(p, "/entities/") {
			order = append(order, p)
		}
	}
	want := []string{"/v1/blueprints/okta_group_membership/entities/" + groupID(1) + "_" + userID(2), "/v1/blueprints/okta_user/entities/" + userID(2)}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("delete requests %v, want %v (dependents first)", order, want)
	}
}

// TestNoDeletes: with NoDeletes nothing is deleted, and the deletes stay
// pending for a later run that allows them.
func TestNoDeletes(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	h := newHandLake(t, store)
	h.write(snap{stream: "users", records: fullUsers(span(0, 10)...)})
	run(t, newLoader(t, store, pe, Config{}))
	h.write(snap{stream: "users", records: fullUsers(span(0, 9)...)})
	sum := run(t, newLoader(t, store, pe, Config{NoDeletes: true}))
	if err := sum.Err(); err != nil {
		t.Fatal(err)
	}
	if n := pe.srv.Stats().EntitiesDeleted; n != 0 {
		t.Fatalf("NoDeletes run deleted %d", n)
	}
	run(t, newLoader(t, store, pe, Config{}))
	if got := pe.identifiers("okta_user"); fmt.Sprint(got) != fmt.Sprint(ids(userID, span(0, 9)...)) {
		t.Errorf("after a run with deletes, users %v", got)
	}
}

// TestFailedRunDeletesNothing: when an object fails to load (Port keeps
// answering 503), the run fails and no delete is even attempted, though
// the snapshot lost users.
func TestFailedRunDeletesNothing(t *testing.T) {
	build := func(ps portSetup) (*portEnv, *handLake, lake.Store) {
		store := newStore(t)
		pe := newPort(t, ps)
		h := newHandLake(t, store)
		h.write(snap{stream: "users", records: fullUsers(span(0, 20)...)})
		run(t, newLoader(t, store, pe, Config{}))
		return pe, h, store
	}
	probe, _, _ := build(portSetup{})
	first := probe.srv.Stats().APIRequests
	maxRetries := 1
	pe, h, store := build(portSetup{server: porttest.Options{Faults: []porttest.Fault{{From: first + 1, Count: 100, Status: 503}}},
		client: port.Config{MaxRetries: maxRetries}})
	next := fullUsers(span(0, 18)...)
	next[0]["profile"].(map[string]any)["lastName"] = "Changed"
	h.write(snap{stream: "users", records: next})
	l := newLoader(t, store, pe, Config{})
	if _, err := l.Run(context.Background()); err == nil {
		t.Fatal("a run whose object failed returned no error")
	}
	for _, p := range pe.paths.snapshot() {
		if strings.Contains(p, "delete") || strings.Contains(p, "/entities/0") {
			t.Errorf("a failed run attempted a delete: %s", p)
		}
	}
	if got := len(pe.identifiers("okta_user")); got != 20 {
		t.Errorf("%d users in Port, want 20", got)
	}
}

// TestRefusedDeleteStaysPending: Port refuses to delete a user a
// hand-made event requires (its OktaUser relation is required, as in seed
// 003's blueprint): the run fails saying so, the user stays, and once the
// event is gone the next run deletes the user.
func TestRefusedDeleteStaysPending(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{server: porttest.Options{Blueprints: requiredActorBlueprints(t)}})
	h := newHandLake(t, store)
	h.write(snap{stream: "users", records: fullUsers(span(0, 20)...)})
	run(t, newLoader(t, store, pe, Config{}))
	ev := porttest.Entity{Identifier: "hand-event", Properties: map[string]any{
		"actor": map[string]any{}, "client": map[string]any{}, "authenticationContext": map[string]any{}, "displayMessage": "by hand",
		"eventType": "user.session.start", "outcome": map[string]any{}, "published": "2026-11-20T10:00:00.000Z", "securityContext": map[string]any{},
		"severity": "INFO", "debugContext": map[string]any{}, "transaction": map[string]any{}, "uuid": "hand-event", "version": "0",
		"request": map[string]any{}, "target": []any{}}, Relations: map[string]any{"OktaUser": userID(5)}}
	if err := pe.srv.CreateEntity("okta_event", ev); err != nil {
		t.Fatal(err)
	}
	h.write(snap{stream: "users", records: fullUsers(without(span(0, 20), 5)...)})
	sum := run(t, newLoader(t, store, pe, Config{}))
	if err := sum.Err(); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Err() = %v, want the refused delete", err)
	}
	if _, ok := pe.srv.Entity("okta_user", userID(5)); !ok {
		t.Fatal("the user a hand-made event requires was deleted")
	}
	if _, err := pe.client.Delete(context.Background(), "okta_event", []string{"hand-event"}, false); err != nil {
		t.Fatal(err)
	}
	if err := run(t, newLoader(t, store, pe, Config{})).Err(); err != nil {
		t.Fatal(err)
	}
	if _, ok := pe.srv.Entity("okta_user", userID(5)); ok {
		t.Error("the pending delete was not retried")
	}
}
