package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// DefaultBackfillSafetyLag is how far behind now a backfill's last window
// ends by default. Okta warns that bounded System Log results "may be
// delayed": events are persisted after their published time, most within
// seconds, late ones minutes later. A bounded read up to now would miss
// those, so the backfill stops short and the polling stream, which reads in
// persistence order, takes over from there.
const DefaultBackfillSafetyLag = 15 * time.Minute

// HandOff is where a backfill ended and the polling stream takes over:
// Until, and the uuids of the events the backfill wrote that were published
// within Lag before it. Polling from Until (persistence time) reads those
// again if they were persisted after Until; it skips them, so an event is
// written once to the stream.
type HandOff struct {
	Until time.Time     `json:"until"`
	Lag   time.Duration `json:"lag"`
	Seen  []string      `json:"seen,omitempty"`
	// TakenOver is set once the polling stream started from Until: a
	// later backfill then ends there, since polling holds what follows.
	TakenOver bool `json:"takenOver,omitempty"`
}

// nearHandOff reports whether an event published at t lies within the
// safety lag before the backfill's end.
func (b *backfill) nearHandOff(t time.Time) bool {
	return !t.Before(b.cfg.Until.Add(-b.cfg.SafetyLag)) && t.Before(b.cfg.Until)
}

// recordHandOff notes the hand-off as windows near the backfill's end
// finish (b.mu held). A later backfill reaching further replaces it; one
// ending earlier leaves it.
func (b *backfill) recordHandOff(w Window, seen []string) {
	if !w.Until.After(b.cfg.Until.Add(-b.cfg.SafetyLag)) {
		return
	}
	h := b.state.HandOff
	if h == nil || b.cfg.Until.After(h.Until) {
		h = &HandOff{Until: b.cfg.Until, Lag: b.cfg.SafetyLag}
		b.state.HandOff = h
	}
	if b.cfg.Until.Equal(h.Until) {
		h.Seen = append(h.Seen, seen...)
	}
}

// logsHandOff returns the hand-off a backfill of st left in the bucket, if any.
func (r *run) logsHandOff(ctx context.Context, st streams.Stream) (*HandOff, error) {
	key := lake.BackfillStateKey(r.cfg.Prefix, r.cfg.Namespace, st.Name)
	var state BackfillState
	if _, err := lake.ReadJSON(ctx, r.cfg.Store, key, &state); err != nil {
		return nil, fmt.Errorf("reading the backfill's hand-off %s: %w", key, err)
	}
	return state.HandOff, nil
}

// markTakenOver records in the backfill's state that the polling stream
// started from the hand-off.
func (r *run) markTakenOver(ctx context.Context, st streams.Stream, h *HandOff) error {
	key := lake.BackfillStateKey(r.cfg.Prefix, r.cfg.Namespace, st.Name)
	var state BackfillState
	if _, err := lake.ReadJSON(ctx, r.cfg.Store, key, &state); err != nil {
		return fmt.Errorf("reading the backfill's hand-off %s: %w", key, err)
	}
	if state.HandOff == nil || !state.HandOff.Until.Equal(h.Until) {
		return nil
	}
	state.HandOff.TakenOver = true
	if err := lake.WriteJSON(ctx, r.cfg.Store, key, state); err != nil {
		return fmt.Errorf("recording the hand-off to polling in %s: %w", key, err)
	}
	return nil
}

// seenSet is the set of a hand-off's uuids.
func (h *HandOff) seenSet() map[string]bool {
	m := make(map[string]bool, len(h.Seen))
	for _, id := range h.Seen {
		m[id] = true
	}
	return m
}

// uuidOf reads a System Log event's uuid.
func uuidOf(rec json.RawMessage) string {
	var v struct {
		UUID string `json:"uuid"`
	}
	if json.Unmarshal(rec, &v) != nil {
		return ""
	}
	return v.UUID
}
