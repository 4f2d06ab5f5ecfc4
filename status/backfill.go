package status

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/lake"
)

// collectBackfills reads every backfill progress object of the namespace
// (lake.BackfillStateKey).
func collectBackfills(ctx context.Context, cfg Config) ([]BackfillStatus, error) {
	probe := lake.BackfillStateKey(cfg.Prefix, cfg.Namespace, "x")
	head := strings.TrimSuffix(probe, "x.json")
	var keys []string
	err := cfg.Store.List(ctx, head, "", func(o lake.ObjectInfo) error {
		if strings.HasSuffix(o.Key, ".json") {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing backfill progress under %s: %w", head, err)
	}
	sort.Strings(keys)
	out := []BackfillStatus{}
	for _, key := range keys {
		stream := strings.TrimSuffix(strings.TrimPrefix(key, head), ".json")
		var st extract.BackfillState
		if _, err := lake.ReadJSON(ctx, cfg.Store, key, &st); err != nil {
			return nil, fmt.Errorf("reading backfill progress %s: %w", key, err)
		}
		b := BackfillStatus{Stream: stream, Requested: normalise(st.Requested), Done: normalise(st.Done), Pending: gaps(st.Done)}
		if len(st.Requested) > 0 {
			b.Pending = normalise(st.Pending())
		}
		out = append(out, b)
	}
	return out, nil
}

// normalise sorts windows, merges touching ones and renders them in UTC.
func normalise(ws []extract.Window) []extract.Window {
	sorted := append([]extract.Window(nil), ws...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Since.Before(sorted[j].Since) })
	out := []extract.Window{}
	for _, w := range sorted {
		w = extract.Window{Since: w.Since.UTC(), Until: w.Until.UTC()}
		if n := len(out); n > 0 && !w.Since.After(out[n-1].Until) {
			if w.Until.After(out[n-1].Until) {
				out[n-1].Until = w.Until
			}
			continue
		}
		out = append(out, w)
	}
	return out
}

// gaps are the ranges between finished windows: what a failed or
// interrupted backfill left to read.
func gaps(ws []extract.Window) []extract.Window {
	done := normalise(ws)
	out := []extract.Window{}
	for i := 1; i < len(done); i++ {
		out = append(out, extract.Window{Since: done[i-1].Until, Until: done[i].Since})
	}
	return out
}
