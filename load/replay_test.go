package load

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/porttest"
	"github.com/oktalake/oktalake/schemas"
)

// TestReplayErrors dead-letters records Port refuses (and a line that
// cannot be read), fixes the cause, and replays: the fixed records reach
// Port, the old dead-letter object is gone, and what still fails (or has no
// record to retry) is kept in a new one.
func TestReplayErrors(t *testing.T) {
	tests := []struct {
		name string
		// fix repairs the cause and returns the loader config to replay with.
		fix func(t *testing.T, pe *portEnv) Config
		// stillFailing are the users that must stay dead-lettered.
		stillFailing []int
	}{
		{
			name: "blueprint fixed",
			fix: func(t *testing.T, pe *portEnv) Config {
				raw, ok := pe.srv.Blueprint("okta_user")
				if !ok {
					t.Fatal("no okta_user blueprint")
				}
				var doc map[string]any
				if err := json.Unmarshal(raw, &doc); err != nil {
					t.Fatal(err)
				}
				props := doc["schema"].(map[string]any)["properties"].(map[string]any)
				// Port has no union types: the fix makes status numeric, which
				// every dead-lettered record now satisfies.
				props["status"].(map[string]any)["type"] = "number"
				b, _ := json.Marshal(doc)
				if err := pe.client.UpdateBlueprint(context.Background(), "okta_user", b); err != nil {
					t.Fatal(err)
				}
				return Config{}
			},
			stillFailing: []int{15}, // its created date is still invalid
		},
		{
			name: "mapping repairs the records",
			fix: func(t *testing.T, pe *portEnv) Config {
				var rules []map[string]any
				if err := json.Unmarshal(schemas.DefaultMapping(), &rules); err != nil {
					t.Fatal(err)
				}
				props := rules[0]["entity"].(map[string]any)["properties"].(map[string]any)
				props["status"] = ".body.status | tostring"
				props["created"] = `.body.created | if test("^[0-9]{4}-") then . else "2026-01-01T00:00:00.000Z" end`
				props["activated"] = props["created"]
				props["statusChanged"] = props["created"]
				b, _ := json.Marshal(rules)
				return Config{Mapping: parseMapping(t, b)}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newStore(t)
			recs := users(0, 20)
			recs[3]["status"] = 42
			recs[9]["status"] = 7
			recs[15]["created"] = "not-a-date"
			key := dataKey("users", "01_1000_0")
			obj := encodeObject(t, lake.V2, recs)
			// Append a line that cannot be read, in a second gzip member.
			obj = append(obj, gzipBytes(t, []byte("{broken\n"))...)
			if err := store.Put(context.Background(), key, obj); err != nil {
				t.Fatal(err)
			}
			pe := newPort(t, portSetup{})
			run(t, newLoader(t, store, pe, Config{}))
			oldKeys, dls := deadLettersIn(t, store, "data")
			if len(oldKeys) != 1 || len(dls) != 4 {
				t.Fatalf("after the load: %d dead-letter objects with %d lines, want 1 with 4", len(oldKeys), len(dls))
			}
			for _, dl := range dls[:3] {
				if dl.Status != 422 || !strings.Contains(dl.Reason, "invalid_property_value") {
					t.Errorf("dead letter line %d: status %d reason %q, want Port's 422 validation error", dl.Line, dl.Status, dl.Reason)
				}
			}

			cfg := tt.fix(t, pe)
			l := newLoader(t, store, pe, cfg)
			sum, err := l.ReplayErrors(context.Background())
			if err != nil {
				t.Fatalf("ReplayErrors: %v", err)
			}
			for _, i := range []int{3, 9, 15} {
				_, ok := pe.srv.Entity("okta_user", userID(i))
				if want := !slices.Contains(tt.stillFailing, i); ok != want {
					t.Errorf("user %d in Port after the replay = %v, want %v", i, ok, want)
				}
			}
			if got, want := sum.Entities(), int64(3-len(tt.stillFailing)); got != want {
				t.Errorf("replay summary counts %d entities, want %d", got, want)
			}
			newKeys, left := deadLettersIn(t, store, "data")
			if slices.Contains(newKeys, oldKeys[0]) {
				t.Errorf("replayed dead-letter object %s was not removed", oldKeys[0])
			}
			if len(newKeys) != 1 {
				t.Fatalf("dead-letter objects after the replay: %v, want one with what is left", newKeys)
			}
			var gotLeft []int
			for _, dl := range left {
				if dl.ObjectKey != key {
					t.Errorf("kept dead letter lost its source: %q", dl.ObjectKey)
				}
				gotLeft = append(gotLeft, dl.Line)
			}
			wantLeft := []int{}
			for _, i := range tt.stillFailing {
				wantLeft = append(wantLeft, i+1)
			}
			wantLeft = append(wantLeft, 21) // the unreadable line, kept as it was
			if !slices.Equal(gotLeft, wantLeft) {
				t.Errorf("dead letters left at lines %v, want %v", gotLeft, wantLeft)
			}

			// A second replay of what is left changes nothing in Port.
			before := pe.count("okta_user")
			if _, err := l.ReplayErrors(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, again := deadLettersIn(t, store, "data"); len(again) != len(left) || pe.count("okta_user") != before {
				t.Errorf("second replay: %d dead letters (want %d), %d users (want %d)", len(again), len(left), pe.count("okta_user"), before)
			}
		})
	}
}

// TestReplayFailureKeepsDeadLetters replays while Port is down: the replay
// fails and the dead letters stay exactly as they were.
func TestReplayFailureKeepsDeadLetters(t *testing.T) {
	store := newStore(t)
	recs := users(0, 30)
	for i := range recs {
		recs[i]["status"] = i // every record refused
	}
	putObject(t, store, dataKey("users", "01_1000_0"), recs)
	run(t, newLoader(t, store, newPort(t, portSetup{}), Config{}))
	keys, before := deadLettersIn(t, store, "data")
	if len(before) != 30 {
		t.Fatalf("%d dead letters, want 30", len(before))
	}

	down := newPort(t, portSetup{
		server: porttest.Options{Faults: []porttest.Fault{{From: 1, Count: 1 << 20, Status: http.StatusServiceUnavailable}}},
		client: port.Config{MaxRetries: -1},
	})
	_, err := newLoader(t, store, down, Config{BatchSize: 5}).ReplayErrors(context.Background())
	if err == nil {
		t.Fatal("a replay against a Port that is down succeeded")
	}
	after, items := deadLettersIn(t, store, "data")
	if !slices.Equal(after, keys) || len(items) != len(before) {
		t.Errorf("after a failed replay: objects %v with %d lines, want %v with %d", after, len(items), keys, len(before))
	}
}

// TestDeadLettersArePerLoaderName: two loaders named A and B read one
// bucket into two Ports; B's Port lacks the blueprints, so B dead-letters
// everything. A's replay neither sends B's dead letters to A's Port nor
// deletes them; B's replay, once its Port is fixed, loads them. Dead
// letters of the layout before names (errors/<stream>/...) are replayed by
// the loader named "default" only.
func TestDeadLettersArePerLoaderName(t *testing.T) {
	store := newStore(t)
	putObject(t, store, dataKey("users", "01_1000_0"), users(0, 30))
	portA := newPort(t, portSetup{})
	portB := newPort(t, portSetup{server: porttest.Options{Blueprints: map[string]json.RawMessage{}}})
	run(t, newLoader(t, store, portA, Config{Name: "A"}))
	run(t, newLoader(t, store, portB, Config{Name: "B"}))
	keysB, dlsB := deadLettersIn(t, store, "data")
	if len(dlsB) != 30 {
		t.Fatalf("B dead-lettered %d records, want 30", len(dlsB))
	}
	for _, k := range keysB {
		if !strings.HasPrefix(k, lake.StreamErrorsPrefix("data", "B", "users")) {
			t.Errorf("B's dead letters at %s, want them under %s", k, lake.StreamErrorsPrefix("data", "B", "users"))
		}
	}

	before := portA.srv.Stats().EntitiesUpserted
	if _, err := newLoader(t, store, portA, Config{Name: "A"}).ReplayErrors(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := portA.srv.Stats().EntitiesUpserted - before; got != 0 {
		t.Errorf("A's replay upserted %d of B's records into A's Port", got)
	}
	if keys, _ := deadLettersIn(t, store, "data"); !slices.Equal(keys, keysB) {
		t.Errorf("A's replay changed B's dead letters: %v, want %v", keys, keysB)
	}

	// Fix B's Port and replay B.
	bps, err := schemas.PortBlueprints()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := portB.client.InitBlueprints(context.Background(), bps, false); err != nil {
		t.Fatal(err)
	}
	if _, err := newLoader(t, store, portB, Config{Name: "B"}).ReplayErrors(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := portB.count("okta_user"); got != 30 {
		t.Errorf("%d users in B's Port after B's replay, want 30", got)
	}
	if keys, _ := deadLettersIn(t, store, "data"); len(keys) != 0 {
		t.Errorf("dead letters left after B's replay: %v", keys)
	}

	// A dead letter of the un-named layout belongs to "default".
	legacy := lake.ErrorsRoot("data") + "users/20261120T120000Z_legacy.jsonl.gz"
	rec, _ := json.Marshal(userRecord(99))
	line, _ := json.Marshal(DeadLetter{ObjectKey: dataKey("users", "01_1000_0"), Line: 1, Stream: "users", Record: rec, Reason: "port 404 not_found"})
	if err := store.Put(context.Background(), legacy, gzipBytes(t, append(line, '\n'))); err != nil {
		t.Fatal(err)
	}
	if _, err := newLoader(t, store, portB, Config{Name: "B"}).ReplayErrors(context.Background()); err != nil {
		t.Fatal(err)
	}
	if keys, _ := deadLettersIn(t, store, "data"); !slices.Equal(keys, []string{legacy}) {
		t.Errorf("B's replay touched the un-named dead letters: %v", keys)
	}
	if _, err := newLoader(t, store, portA, Config{}).ReplayErrors(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := portA.srv.Entity("okta_user", userID(99)); !ok {
		t.Error("the default loader did not replay the un-named dead letter")
	}
	if keys, _ := deadLettersIn(t, store, "data"); len(keys) != 0 {
		t.Errorf("dead letters left after the default loader's replay: %v", keys)
	}
}
