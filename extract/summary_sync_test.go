package extract

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
)

// The summary says, per stream, what kind of snapshot the run wrote and how
// many records it tombstoned.
func TestSummaryShowsSnapshotsAndTombstones(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	clk := f.clock.(*oktatest.ManualClock)
	cfg := f.config("applications", "application_users")
	mustRun(t, cfg)
	clk.Advance(time.Hour)
	app, _ := childOf(t, f.org, "application_users")
	if err := f.org.DeleteApp(app, clk.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	sum := mustRun(t, cfg)
	if sum.Streams[0].Tombstones != 1 || sum.Streams[0].Snapshot != "full" || sum.Streams[1].Snapshot != "per_parent" || sum.Streams[1].Tombstones == 0 {
		t.Fatalf("summary rows %+v", sum.Streams)
	}
	var b bytes.Buffer
	if _, err := sum.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if !containsAll(lines[0], "deleted", "snapshot") || !containsAll(lines[1], "applications", " 1 ", "full") || !strings.Contains(lines[2], "per_parent") {
		t.Errorf("summary:\n%s", b.String())
	}
}
