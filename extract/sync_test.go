package extract

import (
	"bufio"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
)

// envelopeIDs are the run and generation ids of one line.
type envelopeIDs struct {
	GenerationID int64 `json:"_airbyte_generation_id"`
	Meta         struct {
		SyncID int64 `json:"sync_id"`
	} `json:"_airbyte_meta"`
}

// lineIDs returns the (sync id, generation id) pairs found in the objects
// of stream whose key contains part, with how many lines carry each.
func lineIDs(t *testing.T, store lake.Store, stream, part string) map[[2]int64]int {
	t.Helper()
	out := map[[2]int64]int{}
	for _, k := range keysUnder(t, store, "data/okta/"+stream+"/") {
		if !strings.Contains(k, part) {
			continue
		}
		rc, err := store.Open(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(rc)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var e envelopeIDs
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			out[[2]int64{e.Meta.SyncID, e.GenerationID}]++
		}
		rc.Close()
	}
	return out
}

// epochPart is the "_<EPOCH>_" of a run started at t in the default layout.
func epochPart(t time.Time) string { return "_" + itoa(t.UnixMilli()) + "_" }

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// Each run takes the next sync id of its namespace, kept in state, and
// writes it into every line; full-refresh generations count up per stream
// while incremental runs keep the stream's generation.
func TestSyncAndGenerationIDs(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	clk := f.clock.(*oktatest.ManualClock)
	starts := []time.Time{}
	for run := 0; run < 3; run++ {
		starts = append(starts, clk.Now())
		mustRun(t, f.config("users", "applications"))
		clk.Advance(time.Hour)
		// A change, so the incremental users stream has a line to carry ids.
		if err := f.org.UpdateGroup(f.org.GroupID(1), clk.Now().Add(-30*time.Minute), oktatest.GroupChange{Name: "renamed"}); err != nil {
			t.Fatal(err)
		}
	}
	if got := loadState(t, f.store).SyncID; got != 3 {
		t.Errorf("state holds sync id %d after 3 runs, want 3", got)
	}
	for i, start := range starts {
		sync := int64(i + 1)
		apps := lineIDs(t, f.store, "applications", epochPart(start))
		want := map[[2]int64]int{{sync, sync}: f.org.Count("applications")}
		if !equalCounts(apps, want) {
			t.Errorf("run %d: applications lines by (sync, generation) = %v, want %v", sync, apps, want)
		}
	}
	// users: the first run is a full generation (1); the next are incremental.
	if got := lineIDs(t, f.store, "users", epochPart(starts[0])); !equalCounts(got, map[[2]int64]int{{1, 1}: f.org.Count("users")}) {
		t.Errorf("users, first run: %v, want every line at sync 1 generation 1", got)
	}
	for i := 1; i < 3; i++ {
		for ids := range lineIDs(t, f.store, "users", epochPart(starts[i])) {
			if ids != [2]int64{int64(i + 1), 1} {
				t.Errorf("users, run %d: a line has (sync, generation) %v, want (%d, 1)", i+1, ids, i+1)
			}
		}
	}
}

func equalCounts(a, b map[[2]int64]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Every object of one run shares the run's start in its key, however long
// the run takes (Airbyte's syncTime): the manual clock moves on with each
// request's latency, the keys do not.
func TestOneKeyTimePerRun(t *testing.T) {
	f := newFixture(t, fixtureOptions{server: oktatest.Options{Latency: 700 * time.Millisecond}})
	start := f.clock.Now()
	cfg := f.config()
	cfg.MaxFileSize = 1 // a new part after every page
	sum := mustRun(t, cfg)
	if !f.clock.Now().After(start.Add(time.Second)) {
		t.Fatalf("the clock did not move during the run (%s to %s): the test proves nothing", start, f.clock.Now())
	}
	n := 0
	for _, st := range sum.Streams {
		for _, k := range st.Keys {
			n++
			if !strings.Contains(k, epochPart(start)) {
				t.Errorf("%s: key %s does not carry the run's start %d", st.Stream, k, start.UnixMilli())
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d objects: the test proves little", n)
	}
}
