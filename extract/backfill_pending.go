package extract

import (
	"context"
	"fmt"
	"sort"

	"github.com/oktalake/oktalake/lake"
)

// Pending are the parts of the requested ranges no finished window covers:
// what a failed or interrupted backfill left to read, in order.
func (s *BackfillState) Pending() []Window {
	var out []Window
	for _, r := range mergeWindows(s.Requested) {
		out = append(out, s.uncovered(r)...)
	}
	return out
}

// recordRequest adds w to the requested ranges and writes the state before
// any window runs, so that even a run whose every window fails leaves its
// pending range in the bucket.
func recordRequest(ctx context.Context, store lake.Store, key string, s *BackfillState, w Window) error {
	merged := mergeWindows(append(append([]Window(nil), s.Requested...), w))
	if len(merged) == len(s.Requested) {
		same := true
		for i := range merged {
			if !merged[i].Since.Equal(s.Requested[i].Since) || !merged[i].Until.Equal(s.Requested[i].Until) {
				same = false
			}
		}
		if same {
			return nil
		}
	}
	s.Requested = merged
	if err := lake.WriteJSON(ctx, store, key, s); err != nil {
		return fmt.Errorf("recording backfill range %s: %w", w, err)
	}
	return nil
}

// mergeWindows sorts windows and merges those that touch or overlap.
func mergeWindows(ws []Window) []Window {
	sorted := append([]Window(nil), ws...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Since.Before(sorted[j].Since) })
	var out []Window
	for _, w := range sorted {
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
