package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/porttest"
	"github.com/oktalake/oktalake/streams"
)

// oktaRequests is how many requests the simulated org has served.
func (p *pipeline) oktaRequests() int { return len(p.okta.RequestLog()) }

// TestUnchangedRerun: once an org is extracted and loaded, an hourly run
// of an unchanged org posts no entity and deletes none, and costs Okta
// about one request per stream (the change feed and listings that come
// back empty; issue 8, section 3).
func TestUnchangedRerun(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, nil, false)
	p.extract()
	full := p.oktaRequests()
	p.load()
	// The second run settles what the first cannot know yet (the System
	// Log's position, cursors); the third is the steady state measured.
	p.clk.Advance(time.Hour)
	p.extract()
	p.load()
	p.assertPortEqualsOrg("after the second run")

	p.clk.Advance(time.Hour)
	port0, okta0, tags0 := p.port.Stats(), p.oktaRequests(), p.client.TagStats()
	sum := p.extract()
	load := p.load()
	port1 := p.port.Stats()
	if n := port1.EntitiesUpserted - port0.EntitiesUpserted; n != 0 {
		t.Errorf("unchanged run posted %d entities, want 0 (by blueprint before %v, after %v)", n, port0.UpsertedByBlueprint, port1.UpsertedByBlueprint)
	}
	if n := port1.EntitiesDeleted - port0.EntitiesDeleted; n != 0 {
		t.Errorf("unchanged run deleted %d entities, want 0 (%v)", n, load.Deleted)
	}
	if n := load.Entities(); n != 0 {
		t.Errorf("unchanged run's load summary counts %d entities, want 0", n)
	}

	// Per stream, from the client's own counts (they add up over runs).
	var total int64
	for _, ss := range sum.Streams {
		n := ss.Okta.Requests - tags0[ss.Stream].Requests
		total += n
		// A stream is one request (its changes or its one page); the
		// permissions of the 3 custom roles are a page per role.
		limit := int64(2)
		if ss.Stream == "permissions" {
			limit = int64(p.org.Config().CustomRoles)
		}
		if n > limit {
			t.Errorf("%s: %d Okta requests in an unchanged run, want at most %d", ss.Stream, n, limit)
		}
	}
	for _, ps := range sum.Parents {
		total += ps.Okta.Requests - tags0[ps.Name].Requests
	}
	// And from what the org served, all streams together.
	served := p.oktaRequests() - okta0
	if limit := 2*len(streams.All()) + p.org.Config().CustomRoles; served > limit {
		t.Errorf("unchanged run: Okta served %d requests for %d streams, want at most %d:\n%s", served, len(streams.All()), limit, p.requestsSince(okta0))
	}
	if int64(served) < total {
		t.Errorf("Okta served %d requests, fewer than the %d the extract counted", served, total)
	}
	t.Logf("unchanged run: %d Okta requests for %d streams; the full first run %d (ratio %.2f)", served, len(streams.All()), full, float64(served)/float64(full))
}

// requestsSince lists the requests served after the first n, one a line.
func (p *pipeline) requestsSince(n int) string {
	var b strings.Builder
	for _, r := range p.okta.RequestLog()[n:] {
		fmt.Fprintf(&b, "  %s\n", r.URI)
	}
	return b.String()
}

// TestLedgerLost: with the ledger's objects deleted from the bucket, the
// next load rebuilds it from Port and posts only what changed: nothing on
// an unchanged org, and after a change only the changed entities; deletes
// still work on the rebuilt ledger.
func TestLedgerLost(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, nil, false)
	p.extract()
	p.load()

	removed := p.removeLedger()
	if removed == 0 {
		t.Fatal("no ledger object found to remove: the test proves nothing")
	}
	// A full re-extract writes every record anew: only the rebuilt
	// ledger's hashes can tell the loader that Port already has them.
	p.clk.Advance(time.Hour)
	cfg := p.extractConfig()
	cfg.FullRefresh = true
	if sum, err := extract.Run(context.Background(), cfg); err != nil || sum.Err() != nil {
		t.Fatalf("full extract: %v %v", err, sum.Err())
	}
	port0 := p.port.Stats()
	sum := p.load()
	if sum.Unchanged() == 0 {
		t.Errorf("the load of a full re-extract found no unchanged entity: it read nothing")
	}
	if n := p.port.Stats().EntitiesUpserted - port0.EntitiesUpserted; n != 0 {
		t.Errorf("the load after the ledger was lost posted %d entities of an unchanged org, want 0 (by blueprint %v)", n, p.port.Stats().UpsertedByBlueprint)
	}
	if n := p.port.Stats().EntitiesDeleted - port0.EntitiesDeleted; n != 0 {
		t.Errorf("the load after the ledger was lost deleted %d entities, want 0", n)
	}

	// One profile changed and a user deleted: the rebuilt ledger posts the
	// one and deletes the other (and its dependents).
	p.clk.Advance(time.Hour)
	p.removeLedger()
	at := p.clk.Now().Add(-30 * time.Minute)
	changed, gone := p.plainUsers(2)[0], p.plainUsers(2)[1]
	if err := p.org.UpdateUser(changed, at, oktatest.UserChange{Department: "Relabelled"}); err != nil {
		t.Fatal(err)
	}
	if err := p.org.DeleteUser(gone, at); err != nil {
		t.Fatal(err)
	}
	p.extract()
	port1 := p.port.Stats()
	p.load()
	port2 := p.port.Stats()
	p.assertPortEqualsOrg("after a change, the ledger lost again")
	if n := port2.UpsertedByBlueprint["okta_user"] - port1.UpsertedByBlueprint["okta_user"]; n != 1 {
		t.Errorf("posted %d users after one profile change, want 1", n)
	}
	if n := port2.EntitiesChanged - port1.EntitiesChanged; n < 1 {
		t.Errorf("%d entities changed in Port, want the changed profile", n)
	}
	if _, ok := p.port.Entity("okta_user", gone); ok {
		t.Errorf("deleted user %s still in Port", gone)
	}
}

// removeLedger deletes every ledger object from the bucket and returns how
// many there were.
func (p *pipeline) removeLedger() int {
	p.t.Helper()
	ctx := context.Background()
	n := 0
	// Everything under the ledger's prefix (lake.LedgerPrefix), every
	// loader and stream.
	var keys []string
	err := p.store.List(ctx, lake.JoinKey(p.prefix, lake.MetaDir, "ledger")+"/", "", func(o lake.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		p.t.Fatal(err)
	}
	for _, k := range keys {
		if err := p.store.Delete(ctx, k); err != nil {
			p.t.Fatal(err)
		}
		n++
	}
	return n
}

// plainUsers returns n users of the org that are no admin, event actors
// first (deleting one leaves its events in Port: the shipped okta_event's
// actor relation is optional).
func (p *pipeline) plainUsers(n int) []string {
	p.t.Helper()
	actors, admins := p.actors(), map[string]bool{}
	for _, id := range p.org.AdminIDs() {
		admins[id] = true
	}
	var out []string
	for _, actor := range []bool{true, false} {
		for _, id := range p.org.IDs("users") {
			if actors[id] == actor && !admins[id] && len(out) < n {
				out = append(out, id)
			}
		}
	}
	if len(out) < n {
		p.t.Fatalf("fewer than %d users are no admins", n)
	}
	return out
}

// TestHandMadeEntityKept: an entity created by hand in a blueprint the
// loader writes to is never deleted: not by loads, not by the deletes of
// a changed org, not across an id reconciliation.
func TestHandMadeEntityKept(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, nil, false)
	p.extract()
	p.load()
	// Made by hand like one the loader wrote (its properties copied), under
	// an identifier no record makes.
	type made struct {
		blueprint string
		entity    porttest.Entity
	}
	var hand []made
	for _, bp := range []string{"okta_group", "okta_application"} {
		like := p.port.Entities(bp)
		if len(like) == 0 {
			t.Fatalf("no %s entity to copy", bp)
		}
		e := like[0]
		e.Identifier, e.Title, e.Relations = "hand-made-"+bp, "Made in Port", map[string]any{}
		hand = append(hand, made{bp, e})
	}
	for _, h := range hand {
		if err := p.port.CreateEntity(h.blueprint, h.entity); err != nil {
			t.Fatalf("creating %s by hand: %v", h.entity.Identifier, err)
		}
	}
	check := func(when string) {
		t.Helper()
		for _, h := range hand {
			if _, ok := p.port.Entity(h.blueprint, h.entity.Identifier); !ok {
				t.Errorf("%s: hand-made %s/%s was deleted", when, h.blueprint, h.entity.Identifier)
			}
		}
	}
	p.load()
	check("after a load")

	p.clk.Advance(time.Hour)
	p.mutate()
	p.extract()
	p.load()
	check("after deletes")

	// Past --reconcile-every (24h), every id set is re-listed and what is
	// missing tombstoned.
	p.clk.Advance(25 * time.Hour)
	p.extract()
	p.load()
	check("after a reconciliation")
	// Port equals the org, the hand-made entities aside.
	want := p.orgSets()
	for _, h := range hand {
		want[h.blueprint] = append(want[h.blueprint], h.entity.Identifier)
	}
	got := p.portSets()
	for bp, ids := range want {
		if d := diff(got[bp], ids); d != "" {
			t.Errorf("after a reconciliation: %s:%s", bp, d)
		}
	}
}
