package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

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
	// refreshed ("" for none yet).
	Object string `json:"object"`
}

// RefreshedKey is where serve records how far its refreshes got.
func RefreshedKey(prefix, namespace string) string {
	return lake.JoinKey(prefix, lake.MetaDir, "serve", namespace, "refreshed.json")
}

// saveRefreshed records the newest object of a refreshed batch (events
// are queued in commit order, so every older object is done too).
func (s *Server) saveRefreshed(ctx context.Context, evs []event) {
	last := ""
	for _, e := range evs {
		last = max(last, e.object)
	}
	if last == "" {
		return
	}
	if err := lake.WriteJSON(ctx, s.cfg.Store, RefreshedKey(s.cfg.Prefix, s.cfg.Namespace), refreshedState{Object: last}); err != nil {
		s.cfg.Logger.Warn("recording refresh progress (a restart refreshes those events again)", "error", err)
	}
}

// resumeRefreshes queues the events committed after the last refreshed
// object (every committed event when there is no record yet: the refresh
// loop records its progress, refreshing or not, so no record means that
// nothing was refreshed).
func (s *Server) resumeRefreshes(ctx context.Context) error {
	var st refreshedState
	if _, err := lake.ReadJSON(ctx, s.cfg.Store, RefreshedKey(s.cfg.Prefix, s.cfg.Namespace), &st); err != nil {
		return fmt.Errorf("reading refresh progress: %w", err)
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
