package extract

import (
	"context"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
)

// TestBackfillHandsOverToPolling: Okta's bounded System Log results "may be
// delayed" (events persist after their published time), so the backfill's
// last window ends a safety lag before now, and the polling stream's first
// run takes over there. Events near the hand-off are read by both and are
// written once; a late-persisted event published after the hand-off is
// read by polling, not lost by the backfill.
func TestBackfillHandsOverToPolling(t *testing.T) {
	org := oktatest.DefaultOrgConfig()
	org.LogSpan = 2 * day
	org.LogEvents = 2000
	org.LateLogFraction = 0.2
	f := newFixture(t, fixtureOptions{org: org})
	clk := f.clock.(*oktatest.ManualClock)
	now := clk.Now()
	handOff := now.Add(-DefaultBackfillSafetyLag)
	// Published just before the hand-off and persisted within the lag: the
	// backfill reads it, and so does polling from the hand-off.
	near := f.org.AddLogEvent(handOff.Add(-time.Minute), handOff.Add(3*time.Minute))
	// Published a minute ago and persisted only after the backfill ran.
	late := f.org.AddLogEvent(now.Add(-time.Minute), now.Add(5*time.Minute))

	sum, err := Backfill(context.Background(), backfillConfig(f.config("logs"), now.Add(-2*day), time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events == 0 {
		t.Fatal("the backfill read nothing")
	}
	clk.Advance(10 * time.Minute)
	mustRun(t, f.config("logs"))

	got := uniqueField(readStream(t, f.store, "logs"), "uuid")
	for id, n := range got {
		if n > 1 {
			t.Errorf("event %s written %d times", id, n)
		}
	}
	for _, id := range []string{near, late} {
		if got[id] != 1 {
			t.Errorf("event %s written %d times, want once", id, got[id])
		}
	}
	// A later backfill ends where polling took over: nothing left to read.
	clk.Advance(time.Hour)
	again, err := Backfill(context.Background(), backfillConfig(f.config("logs"), now.Add(-2*day), time.Time{}))
	if err != nil || again.Events != 0 {
		t.Fatalf("a backfill after the hand-off read %d events (%v), want 0: polling holds them", again.Events, err)
	}
	got = uniqueField(readStream(t, f.store, "logs"), "uuid")
	end := clk.Now().Add(-time.Hour)
	if want := f.org.CountLogs(now.Add(-2*day), end, end); len(got) != want {
		t.Errorf("%d events in the stream, want the %d published since the backfill's start", len(got), want)
	}
}
