package extract

import (
	"context"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
)

// A backfill records the range it was asked for before any window runs, so
// the windows a failed run left (at its end too, where no later finished
// window shows a gap) read as pending from the state alone.
func TestBackfillStateSaysWhatIsPending(t *testing.T) {
	cfgOrg := oktatest.DefaultOrgConfig()
	cfgOrg.LogEvents = 400
	cfgOrg.LogSpan = 4 * 24 * time.Hour
	f := newFixture(t, fixtureOptions{org: cfgOrg})
	until := f.org.Now().Truncate(time.Hour)
	since := until.Add(-3 * 24 * time.Hour)
	bc := backfillConfig(f.config("logs"), since, until)
	bc.Window, bc.Workers = 12*time.Hour, 1
	// One worker: windows run in order, and the sixth (the last) fails.
	bc.Store = &failingStore{Store: f.store, failAt: 6}
	sum, err := Backfill(context.Background(), bc)
	if err == nil || len(sum.Failed) != 1 {
		t.Fatalf("backfill: %v, failed %v; want the last window to fail", err, sum.Failed)
	}
	var st BackfillState
	if _, err := lake.ReadJSON(context.Background(), f.store, lake.BackfillStateKey("data", "okta", "logs"), &st); err != nil {
		t.Fatal(err)
	}
	// The last window ends a safety lag before now, where polling takes over.
	end := until
	if lag := f.org.Now().Add(-DefaultBackfillSafetyLag); lag.Before(end) {
		end = lag
	}
	want := Window{Since: until.Add(-12 * time.Hour), Until: end}
	if p := st.Pending(); len(p) != 1 || !p[0].Since.Equal(want.Since) || !p[0].Until.Equal(want.Until) {
		t.Fatalf("pending %v, want [%v] (requested %v, done %v)", p, want, st.Requested, st.Done)
	}
	bc.Store = f.store
	if _, err := Backfill(context.Background(), bc); err != nil {
		t.Fatal(err)
	}
	st = BackfillState{}
	if _, err := lake.ReadJSON(context.Background(), f.store, lake.BackfillStateKey("data", "okta", "logs"), &st); err != nil {
		t.Fatal(err)
	}
	if p := st.Pending(); len(p) != 0 {
		t.Errorf("pending after the resume: %v", p)
	}
}
