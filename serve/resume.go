package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// A refresh runs after its delivery is acknowledged, so a crash can leave
// committed events unrefreshed. serve records the last event_hook_events
// object whose events are all refreshed, and at start refreshes the events
// of the objects after it again (refreshing is idempotent: it reads the
// current state).

// refreshedState is what serve keeps under RefreshedKey.
type refreshedState struct {
	// Object is the newest event_hook_events object whose events are all
	// refreshed or pending ("" for none yet).
	Object string `json:"object"`
	// Latest is, per membership (stream, parent and member id), the time of
	// the newest event applied: an older add or remove delivered later, even
	// after a restart, does not undo it. Bounded: see pruneLatest.
	Latest map[string]time.Time `json:"latest,omitempty"`
	// Pending are the refreshes that failed (after Okta's own retries),
	// retried with every later batch and at start until they succeed or
	// their attempts are spent (then they are dead letters).
	Pending []pendingRefresh `json:"pending,omitempty"`
}

// pendingRefresh is one event whose refresh failed.
type pendingRefresh struct {
	UUID string `json:"uuid"`
	// Object is the event_hook_events object the event was committed in.
	Object string `json:"object"`
	// Event is the System Log event as committed.
	Event    json.RawMessage `json:"event"`
	Attempts int             `json:"attempts"`
	Reason   string          `json:"reason"`
}

func (p pendingRefresh) event() (event, bool) {
	var info eventInfo
	if json.Unmarshal(p.Event, &info) != nil || info.UUID == "" {
		return event{}, false
	}
	return event{raw: p.Event, info: info, object: p.Object}, true
}

// Bounds of the membership memory: entries more than latestWindow older
// than the newest are dropped (Okta's out-of-order deliveries are seconds
// to minutes apart), and at most latestMax are kept.
const (
	latestWindow = 24 * time.Hour
	latestMax    = 10_000
)

// pruneLatest bounds latest, dropping the oldest entries first; the
// scheduled extract heals what this forgets.
func pruneLatest(latest map[string]time.Time) {
	var newest time.Time
	for _, t := range latest {
		newest = maxTime(newest, t)
	}
	for k, t := range latest {
		if t.Before(newest.Add(-latestWindow)) {
			delete(latest, k)
		}
	}
	if len(latest) <= latestMax {
		return
	}
	keys := make([]string, 0, len(latest))
	for k := range latest {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return latest[keys[i]].Before(latest[keys[j]]) })
	for _, k := range keys[:len(keys)-latestMax] {
		delete(latest, k)
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// RefreshedKey is where serve records how far its refreshes got.
func RefreshedKey(prefix, namespace string) string {
	return lake.JoinKey(prefix, lake.MetaDir, "serve", namespace, "refreshed.json")
}

// saveRefreshed records the refresh progress: the newest object of a
// refreshed batch (events are queued in commit order, so every older
// object is done too or pending), the membership memory and the pending
// refreshes.
func (s *Server) saveRefreshed(ctx context.Context, evs []event) {
	for _, e := range evs {
		s.progress.Object = max(s.progress.Object, e.object)
	}
	if err := lake.WriteJSON(ctx, s.cfg.Store, RefreshedKey(s.cfg.Prefix, s.cfg.Namespace), s.progress); err != nil {
		s.cfg.Logger.Warn("recording refresh progress (a restart refreshes those events again)", "error", err)
	}
}

// resumeRefreshes reads the refresh progress and queues the events
// committed after its object (every committed event when there is no
// record yet: the refresh loop records its progress, refreshing or not, so
// no record means that nothing was refreshed). The pending refreshes it
// holds run first, when the refresh loop starts.
func (s *Server) resumeRefreshes(ctx context.Context) error {
	st := &s.progress
	if _, err := lake.ReadJSON(ctx, s.cfg.Store, RefreshedKey(s.cfg.Prefix, s.cfg.Namespace), st); err != nil {
		return fmt.Errorf("reading refresh progress: %w", err)
	}
	if st.Latest == nil {
		st.Latest = map[string]time.Time{}
	}
	prefix := lake.JoinKey(s.cfg.Prefix, s.cfg.Namespace, streams.EventHookStream) + "/"
	var keys []string
	if err := s.cfg.Store.List(ctx, prefix, st.Object, func(o lake.ObjectInfo) error {
		if lake.IsDataObject(o.Key) {
			keys = append(keys, o.Key)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("listing %s after %s: %w", prefix, st.Object, err)
	}
	var evs []event
	for _, k := range keys {
		got, err := readEvents(ctx, s.cfg.Store, k)
		if err != nil {
			return err
		}
		evs = append(evs, got...)
	}
	if len(evs) > 0 {
		s.cfg.Logger.Info("refreshing events committed before the last stop", "events", len(evs), "objects", len(keys))
		s.refresh.push(evs)
	}
	if len(st.Pending) > 0 {
		s.cfg.Logger.Info("retrying refreshes that failed before the last stop", "events", len(st.Pending))
	}
	return nil
}

// readEvents reads the events of one committed object.
func readEvents(ctx context.Context, store lake.Store, key string) ([]event, error) {
	rc, err := store.Open(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	defer rc.Close()
	rd, err := lake.NewReader(rc)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	var out []event
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		var le *lake.LineError
		if errors.As(err, &le) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", key, err)
		}
		var info eventInfo
		if json.Unmarshal(rec.Data, &info) == nil && info.UUID != "" {
			out = append(out, event{raw: rec.Data, info: info, object: key})
		}
	}
}
