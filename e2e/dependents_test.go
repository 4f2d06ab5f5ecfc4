package e2e_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/load"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/porttest"
	"github.com/oktalake/oktalake/schemas"
)

// seed003Blueprints are the shipped blueprints with seed 003's five taken
// verbatim from Port's guide (schemas/testdata/port_seed_003.md), whose
// okta_event.OktaUser is required.
func seed003Blueprints(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	bps, err := schemas.PortBlueprints()
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join("..", "schemas", "testdata", "port_seed_003.md"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range regexp.MustCompile("(?s)```json[^\n]*\n(.*?)\n```").FindAllSubmatch(text, -1) {
		var bp struct {
			Identifier string         `json:"identifier"`
			Schema     map[string]any `json:"schema"`
		}
		if json.Unmarshal(m[1], &bp) != nil || bp.Schema == nil {
			continue // a mapping, not a blueprint
		}
		if _, ours := bps[bp.Identifier]; !ours {
			t.Fatalf("seed blueprint %s is not shipped", bp.Identifier)
		}
		bps[bp.Identifier] = json.RawMessage(m[1])
		n++
	}
	if n != 5 {
		t.Fatalf("found %d blueprints in seed 003, want 5", n)
	}
	if !strings.Contains(string(bps["okta_event"]), `"required": true`) {
		t.Fatal("seed 003's okta_event has no required relation: the test proves less than it says")
	}
	return bps
}

// usePort replaces the pipeline's Port with one holding bps.
func (p *pipeline) usePort(bps map[string]json.RawMessage) {
	p.t.Helper()
	p.port.Close()
	p.port = porttest.NewServer(porttest.Options{Blueprints: bps, Clock: p.clk})
	p.t.Cleanup(p.port.Close)
	pc, err := port.New(port.Config{BaseURL: p.port.URL, ClientID: p.port.ClientID, ClientSecret: p.port.ClientSecret, Clock: p.clk})
	if err != nil {
		p.t.Fatal(err)
	}
	p.pc = pc
}

// eventsOf returns the okta_event entities Port holds whose actor is user.
func (p *pipeline) eventsOf(user string) []string {
	var out []string
	for _, e := range p.port.Entities("okta_event") {
		if e.Relations["OktaUser"] == user {
			out = append(out, e.Identifier)
		}
	}
	slices.Sort(out)
	return out
}

// TestDeleteEventActorSeed003 deletes, under seed 003's mapping and its
// blueprints verbatim (okta_event.OktaUser required), a user who acted in
// events. Port refuses to delete an entity a required relation points at
// unless the delete sets delete_dependents (docs.port.io, Custom
// integration API, Advanced: "the delete operation will fail if this flag
// is set to false, if the flag is set to true, the source entity will be
// deleted as well"). Without load.Config.DeleteDependents the run fails
// with an error naming the blueprint, the user, Port's reason and both ways
// out, and Port keeps the user; the delete stays pending (the next run
// fails alike). With it, Port equals the org except for the user's events:
// Port deleted them along with the user, and they stay out of Port,
// because under a required relation to a user who is gone they cannot be
// loaded again (re-posting one would bring the user back as a stub). Okta
// still holds them.
func TestDeleteEventActorSeed003(t *testing.T) {
	t.Parallel()
	for _, dependents := range []bool{false, true} {
		name := "without --delete-dependents"
		if dependents {
			name = "with --delete-dependents"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPipeline(t, seed003(t), false)
			p.usePort(seed003Blueprints(t))
			p.loadStreams = seed003Streams
			p.stubsAllowed = true
			p.extract()
			var dead int64
			for _, id := range p.org.IDs("users") {
				if !p.seed003User(id) {
					dead++
				}
			}
			p.loadDeadLettering(dead)
			p.assertPortEqualsOrg("after the first run")

			// An actor who is a full okta_user in Port (not a stub) and no
			// admin (whose role assignments would go too).
			var actor string
			for _, id := range p.org.IDs("users") {
				if p.seed003User(id) && !slices.Contains(p.org.AdminIDs(), id) && len(p.eventsOf(id)) > 0 {
					actor = id
					break
				}
			}
			if actor == "" {
				t.Fatal("no user of the org acted in an event")
			}
			events := p.eventsOf(actor)
			p.clk.Advance(time.Hour)
			if err := p.org.DeleteUser(actor, p.clk.Now().Add(-30*time.Minute)); err != nil {
				t.Fatal(err)
			}
			p.extract()
			cfg := p.loadConfig()
			cfg.DeleteDependents = dependents
			_, err := p.loadWith(cfg)

			if !dependents {
				if err == nil {
					t.Fatal("the load succeeded although Port refused to delete the event actor")
				}
				var de *load.DependentsError
				if !errors.As(err, &de) {
					t.Fatalf("the load failed with %T %q, want a *load.DependentsError", err, err)
				}
				msg := err.Error()
				for _, want := range []string{"okta_user", actor, "okta_event", "OktaUser", "optional", "load.Config.DeleteDependents", "1 deletes"} {
					if !strings.Contains(msg, want) {
						t.Errorf("the error does not say %q: %s", want, msg)
					}
				}
				if _, ok := p.port.Entity("okta_user", actor); !ok {
					t.Errorf("Port lost user %s although it refused the delete", actor)
				}
				// The delete stays pending: the next run fails alike.
				_, err = p.loadWith(p.loadConfig())
				if !errors.As(err, &de) {
					t.Errorf("the next load: %v, want the delete still pending (a *load.DependentsError)", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("load with delete_dependents: %v", err)
			}
			if _, ok := p.port.Entity("okta_user", actor); ok {
				t.Errorf("Port still holds the deleted user %s", actor)
			}
			want := p.orgSets()
			want["okta_event"] = slices.DeleteFunc(want["okta_event"], func(id string) bool { return slices.Contains(events, id) })
			got := p.portSets()
			for bp := range want {
				if d := diff(got[bp], want[bp]); d != "" {
					t.Errorf("%s in Port differs from the org less the actor's %d events:%s", bp, len(events), d)
				}
			}
			// The next run converges: nothing pending, nothing brought back.
			p.clk.Advance(time.Hour)
			p.extract()
			if _, err := p.loadWith(cfg); err != nil {
				t.Errorf("the next load: %v", err)
			}
			if _, ok := p.port.Entity("okta_user", actor); ok {
				t.Errorf("the next load brought user %s back", actor)
			}
		})
	}
}

// TestDeleteDependentsThresholdCountsEvents: with --delete-dependents the
// threshold counts, per blueprint, the owned entities Port would delete
// along (the actor's events), not only the user: a threshold above the
// user's share of okta_user but below the events' share of okta_event holds
// every delete, and Port keeps the user and its events.
func TestDeleteDependentsThresholdCountsEvents(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, seed003(t), false)
	p.usePort(seed003Blueprints(t))
	p.loadStreams = seed003Streams
	p.stubsAllowed = true
	p.extract()
	var dead int64
	for _, id := range p.org.IDs("users") {
		if !p.seed003User(id) {
			dead++
		}
	}
	p.loadDeadLettering(dead)
	// The non-admin user with the most events.
	var actor string
	for _, id := range p.org.IDs("users") {
		if p.seed003User(id) && !slices.Contains(p.org.AdminIDs(), id) && len(p.eventsOf(id)) > len(p.eventsOf(actor)) {
			actor = id
		}
	}
	events, users, allEvents := len(p.eventsOf(actor)), len(p.port.Entities("okta_user")), len(p.port.Entities("okta_event"))
	userShare, eventShare := 1/float64(users), float64(events)/float64(allEvents)
	if eventShare <= userShare {
		t.Fatalf("actor %s's %d of %d events are no larger a share than 1 of %d users: the test proves nothing", actor, events, allEvents, users)
	}
	p.clk.Advance(time.Hour)
	if err := p.org.DeleteUser(actor, p.clk.Now().Add(-30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	p.extract()
	deleted := p.port.Stats().EntitiesDeleted
	cfg := p.loadConfig()
	cfg.DeleteDependents = true
	cfg.DeleteThreshold = (userShare + eventShare) / 2
	_, err := p.loadWith(cfg)
	var te *load.ThresholdError
	if !errors.As(err, &te) {
		t.Fatalf("load: %v, want the threshold to hold the deletes (the user's %d events are %.1f%% of okta_event, over %.1f%%)", err, events, 100*eventShare, 100*cfg.DeleteThreshold)
	}
	if !strings.Contains(err.Error(), "okta_event") {
		t.Errorf("the threshold error does not name okta_event: %v", err)
	}
	if n := p.port.Stats().EntitiesDeleted - deleted; n != 0 {
		t.Errorf("%d entities deleted over the threshold", n)
	}
	if _, ok := p.port.Entity("okta_user", actor); !ok {
		t.Errorf("Port lost user %s", actor)
	}
}
