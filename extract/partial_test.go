package extract

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake"
)

// TestRemovePartialRemovesOnlyPartsAWriterWrote: a window read again
// removes the parts an interrupted attempt left under the window's key
// base, and nothing the writer could not have written there: keys that only
// share the base, other extensions, and padded numbers such as "02" (the
// writer's FreePart never counts those as parts, so they are not its own).
func TestRemovePartialRemovesOnlyPartsAWriterWrote(t *testing.T) {
	ctx := context.Background()
	store, err := lake.NewLocalStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := lake.WriterConfig{Prefix: "data", Namespace: "okta", Stream: "logs", KeyTime: time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)}
	pf, err := lake.ParsePathFormat(lake.DefaultPathFormat)
	if err != nil {
		t.Fatal(err)
	}
	base := pf.KeyBase(cfg.Prefix, lake.PathVars{Namespace: cfg.Namespace, Stream: cfg.Stream, Time: cfg.KeyTime})
	parts := []string{lake.PartKey(base, 0), lake.PartKey(base, 1), lake.PartKey(base, 12)}
	foreign := []string{base + "02.jsonl.gz", base + "1.jsonl", base + "1_x.jsonl.gz", base + "x.jsonl.gz"}
	for _, k := range append(append([]string(nil), parts...), foreign...) {
		if err := store.Put(ctx, k, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := removePartial(ctx, store, cfg); err != nil {
		t.Fatal(err)
	}
	var left []string
	if err := store.List(ctx, base, "", func(o lake.ObjectInfo) error {
		left = append(left, o.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(foreign)
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Errorf("left after removePartial:\n  %v\nwant\n  %v", left, want)
	}
}
