package e2e_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load"
)

// TestThresholdOnOutage: an Okta outage that answers the users listing
// with 5% of the org (a page that lost the rest, and no next link) during
// an id reconciliation makes the snapshot tombstone 95% of users; the load
// exits with the threshold error and deletes nothing. Once the outage ends,
// the next reconciliation brings back every user and Port is as before,
// nothing having been deleted.
func TestThresholdOnOutage(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, nil, false)
	p.extract()
	p.load()
	before := p.portSets()
	deleted0 := p.port.Stats().EntitiesDeleted

	users := len(p.org.IDs("users"))
	p.usersKept = users / 20
	p.usersOutage.Store(true)
	p.clk.Advance(25 * time.Hour) // past --reconcile-every: users re-listed in full
	p.extract()
	if p.outageHits.Load() == 0 {
		t.Fatal("the outage answered no users listing: the test proves nothing")
	}
	sum, err := p.loadWith(p.loadConfig())
	var te *load.ThresholdError
	if !errors.As(err, &te) {
		t.Fatalf("load during the outage: error %v, want a *load.ThresholdError", err)
	}
	tripped := false
	for _, trip := range te.Trips {
		if trip.Blueprint == "okta_user" {
			tripped = true
			if want := users - p.usersKept; trip.Delete < want {
				t.Errorf("threshold trip for okta_user: %d deletes, want at least the %d users lost", trip.Delete, want)
			}
		}
	}
	if !tripped {
		t.Errorf("threshold tripped for %+v, not okta_user", te.Trips)
	}
	if sum != nil && sum.DeletesHeld == nil {
		t.Errorf("the summary does not say deletes were held")
	}
	if n := p.port.Stats().EntitiesDeleted - deleted0; n != 0 {
		t.Errorf("the load over the threshold deleted %d entities, want 0", n)
	}
	if d := diff(p.portSets()["okta_user"], before["okta_user"]); d != "" {
		t.Errorf("users in Port changed during the outage:%s", d)
	}

	// The outage ends: the next reconciliation lists everyone again.
	p.usersOutage.Store(false)
	p.clk.Advance(25 * time.Hour)
	p.extract()
	p.load()
	if n := p.port.Stats().EntitiesDeleted - deleted0; n != 0 {
		t.Errorf("after the outage, %d entities were deleted, want 0", n)
	}
	after := p.portSets()
	for bp, ids := range before {
		if bp == "okta_event" {
			continue // the System Log only grows
		}
		if d := diff(after[bp], ids); d != "" {
			t.Errorf("after the outage, %s is not as before:%s", bp, d)
		}
	}
	p.assertPortEqualsOrg("after the outage")
}

// cancelStore cancels the run when the writer of the n-th object of a
// stream is created: the objects before it are committed, the rest never
// written.
type cancelStore struct {
	lake.Store
	stream string
	n      int
	cancel context.CancelFunc

	mu   sync.Mutex
	seen int
}

func (s *cancelStore) Create(ctx context.Context, key string) (lake.ObjectWriter, error) {
	if strings.Contains(key, "/"+s.stream+"/") && !strings.Contains(key, lake.MetaDir) {
		s.mu.Lock()
		s.seen++
		fire := s.seen == s.n
		s.mu.Unlock()
		if fire {
			s.cancel()
		}
	}
	return s.Store.Create(ctx, key)
}

// TestInterruptedExtractDeletesNothing: a full-refresh extract cancelled
// after the first page of users was committed (200 of 450) leaves a
// partial users snapshot (no complete manifest); loading it deletes
// nothing, although the users it lacks are a share under the threshold.
// The next complete extract leaves Port equal to the org.
func TestInterruptedExtractDeletesNothing(t *testing.T) {
	t.Parallel()
	p := newPipelineOrg(t, nil, false, func(c *oktatest.OrgConfig) { c.Users = 450 })
	p.extract()
	p.load()
	deleted0 := p.port.Stats().EntitiesDeleted
	users := len(p.org.IDs("users"))

	objects0 := p.objects("users")
	p.clk.Advance(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := p.extractConfig()
	cfg.FullRefresh = true
	cfg.MaxFileSize = 1 // a part per page of Okta's (a batch each)
	cs := &cancelStore{Store: p.store, stream: "users", n: 2, cancel: cancel}
	cfg.Store = cs
	sum, _ := extract.Run(ctx, cfg)
	interrupted := false
	for _, ss := range sum.Streams {
		if ss.Stream == "users" {
			interrupted = ss.Err != nil
		}
	}
	if !interrupted {
		t.Fatalf("the users stream was not interrupted (%d objects created): the test proves nothing", cs.seen)
	}
	if n := p.objects("users") - objects0; n < 1 {
		t.Fatalf("the interrupted run committed %d users objects: no partial snapshot to load", n)
	}
	if _, err := p.loadWith(p.loadConfig()); err != nil {
		t.Fatalf("load of the partial snapshot: %v", err)
	}
	if n := p.port.Stats().EntitiesDeleted - deleted0; n != 0 {
		t.Errorf("the load of a partial snapshot deleted %d entities (%v), want 0", n, p.port.Stats().DeletedByBlueprint)
	}
	if got := len(p.port.Entities("okta_user")); got != users {
		t.Errorf("%d users in Port after the partial snapshot, want all %d", got, users)
	}

	p.clk.Advance(time.Hour)
	p.extract()
	p.load()
	p.assertPortEqualsOrg("after the next complete extract")
	if n := p.port.Stats().EntitiesDeleted - deleted0; n != 0 {
		t.Errorf("%d entities deleted of an org nothing was deleted from, want 0", n)
	}
}

// objects counts the data objects of a stream in the bucket.
func (p *pipeline) objects(stream string) int {
	p.t.Helper()
	n := 0
	err := p.store.List(context.Background(), lake.JoinKey(p.prefix, "okta", stream)+"/", "", func(lake.ObjectInfo) error {
		n++
		return nil
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return n
}

// TestPlan: after changes, `load --plan` (load.Config.Plan, what the
// flag sets) prints the upserts and deletes a load would make, per
// blueprint, and changes nothing in Port; the load that follows does what
// the plan said.
func TestPlan(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, nil, false)
	p.extract()
	p.load()

	p.clk.Advance(time.Hour)
	at := p.clk.Now().Add(-30 * time.Minute)
	plain := p.plainUsers(3)
	changed, gone := plain[0], plain[1:]
	for _, id := range gone {
		if err := p.org.DeleteUser(id, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.org.UpdateUser(changed, at, oktatest.UserChange{Department: "Planned"}); err != nil {
		t.Fatal(err)
	}
	p.extract()

	stats0, sets0 := p.port.Stats(), p.portSets()
	cfg := p.loadConfig()
	cfg.Plan = true
	sum, err := p.loadWith(cfg)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if sum.Plan == nil {
		t.Fatal("a plan run's summary holds no plan")
	}
	stats1 := p.port.Stats()
	if stats1.EntitiesUpserted != stats0.EntitiesUpserted || stats1.EntitiesDeleted != stats0.EntitiesDeleted {
		t.Errorf("the plan changed Port: upserts %d→%d, deletes %d→%d", stats0.EntitiesUpserted, stats1.EntitiesUpserted, stats0.EntitiesDeleted, stats1.EntitiesDeleted)
	}
	for bp, ids := range sets0 {
		if d := diff(p.portSets()[bp], ids); d != "" {
			t.Errorf("the plan changed %s in Port:%s", bp, d)
		}
	}
	var out strings.Builder
	if _, err := sum.Plan.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	row := planRow(text, "okta_user")
	if row == nil {
		t.Fatalf("the plan has no okta_user row:\n%s", text)
	}
	if row[1] != "1" || row[2] != "2" {
		t.Errorf("okta_user plan: %s upserts, %s deletes; want 1 and 2:\n%s", row[1], row[2], text)
	}
	for _, id := range append([]string{changed}, gone...) {
		if !strings.Contains(text, id) {
			t.Errorf("the plan does not name %s:\n%s", id, text)
		}
	}

	// The plan left the checkpoint and ledger as they were: the real load
	// does what it said.
	p.load()
	stats2 := p.port.Stats()
	if n := stats2.UpsertedByBlueprint["okta_user"] - stats1.UpsertedByBlueprint["okta_user"]; n != 1 {
		t.Errorf("the load after the plan upserted %d users, the plan said 1", n)
	}
	if n := stats2.DeletedByBlueprint["okta_user"] - stats1.DeletedByBlueprint["okta_user"]; n != 2 {
		t.Errorf("the load after the plan deleted %d users, the plan said 2", n)
	}
	p.assertPortEqualsOrg("after the load the plan foretold")
}

// planRow returns the fields of the plan's row for blueprint (name,
// upserts, deletes, ...), or nil.
func planRow(text, blueprint string) []string {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == blueprint {
			return f
		}
	}
	return nil
}
