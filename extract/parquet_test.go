package extract

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/lake/parquetfmt"
)

// readParquetStream reads every record of a stream's Parquet objects.
func readParquetStream(t *testing.T, store lake.Store, stream string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, key := range keysUnder(t, store, "data/okta/"+stream+"/") {
		if !strings.HasSuffix(key, ".parquet") {
			t.Fatalf("%s is not a Parquet object", key)
		}
		sp, err := lake.Spool(context.Background(), store, key, t.TempDir(), 0)
		if err != nil {
			t.Fatal(err)
		}
		d, err := parquetfmt.NewDecoder(sp, sp.Size)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		for {
			rec, err := d.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			var m map[string]any
			if err := json.Unmarshal(rec.Data, &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		d.Close()
		sp.Close()
	}
	return out
}

// A backfill writing Parquet reads a window again as one writing JSONL
// does: the Parquet parts an earlier attempt at the window left are
// removed first, so every event is in the lake once. (The first run here
// is whole; forgetting its finished windows makes the second redo each.)
func TestBackfillParquetRedoesWindowsOnce(t *testing.T) {
	cfgOrg := oktatest.DefaultOrgConfig()
	cfgOrg.LogEvents = 2000
	cfgOrg.LogSpan = 10 * 24 * time.Hour
	f := newFixture(t, fixtureOptions{org: cfgOrg})
	since := f.org.Now().Add(-10 * 24 * time.Hour).Truncate(24 * time.Hour)
	until := f.org.Now().Truncate(time.Hour)
	format, err := parquetfmt.NewFormat(parquetfmt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bc := backfillConfig(f.config("logs"), since, until)
	bc.Window, bc.Workers, bc.Format = 36*time.Hour, 2, format
	bc.SetDefaults()
	ctx := context.Background()
	if _, err := Backfill(ctx, bc); err != nil {
		t.Fatal(err)
	}
	first := len(keysUnder(t, f.store, "data/okta/logs/"))
	if err := f.store.Delete(ctx, lake.BackfillStateKey(bc.Prefix, bc.Namespace, "logs")); err != nil {
		t.Fatal(err)
	}
	sum, err := Backfill(ctx, bc)
	if err != nil {
		t.Fatal(err)
	}
	if sum.WindowsSkipped != 0 {
		t.Fatalf("the second run skipped %d windows, want every window redone", sum.WindowsSkipped)
	}
	all := readParquetStream(t, f.store, "logs")
	got := uniqueField(all, "uuid")
	end := until // the last window ends a safety lag before now
	if lag := f.clock.Now().Add(-bc.SafetyLag); lag.Before(end) {
		end = lag
	}
	want := f.org.CountLogs(since, end, f.clock.Now())
	if want == 0 || len(got) != want || len(all) != want {
		t.Fatalf("%d events (%d unique) after redoing every window, want %d, each once", len(all), len(got), want)
	}
	if n := len(keysUnder(t, f.store, "data/okta/logs/")); n != first {
		t.Errorf("%d objects after redoing, %d before", n, first)
	}
}
