package serve

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/internal/metrics"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// refreshQueue holds committed events waiting for their refresh; it grows
// as needed (the events are safe in the lake either way).
type refreshQueue struct {
	mu     sync.Mutex
	events []event
	closed bool
	signal chan struct{}
}

func newRefreshQueue() *refreshQueue { return &refreshQueue{signal: make(chan struct{}, 1)} }

func (q *refreshQueue) push(evs []event) {
	q.mu.Lock()
	q.events = append(q.events, evs...)
	q.mu.Unlock()
	q.notify()
}

func (q *refreshQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.notify()
}

func (q *refreshQueue) notify() {
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// take returns every queued event, waiting for some; ok is false once the
// queue is closed and empty.
func (q *refreshQueue) take() (evs []event, ok bool) {
	for {
		q.mu.Lock()
		evs, closed := q.events, q.closed
		q.events = nil
		q.mu.Unlock()
		if len(evs) > 0 {
			return evs, true
		}
		if closed {
			return nil, false
		}
		<-q.signal
	}
}

func (q *refreshQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.events)
}

// refreshLoop turns committed events into records of their streams until
// the queue is closed and drained.
func (s *Server) refreshLoop(ctx context.Context) {
	latest := map[string]time.Time{} // membership key → newest event applied
	for {
		evs, ok := s.refresh.take()
		if !ok {
			return
		}
		if s.cfg.beforeRefresh != nil && !s.cfg.beforeRefresh() {
			continue // a crash, in tests: the batch is neither refreshed nor recorded
		}
		s.refreshBatch(context.WithoutCancel(ctx), evs, latest)
		s.saveRefreshed(context.WithoutCancel(ctx), evs)
		if len(latest) > s.cfg.Dedupe {
			latest = map[string]time.Time{} // bounded; the extract heals what this forgets
		}
	}
}

// change is what one batch does to one record.
type change struct {
	stream       string
	et           streams.EventType
	id, parent   string // object id; parent id for memberships
	at           time.Time
	eventType    string
	record       json.RawMessage
	tombstone    bool
	skip, failed bool
}

// refreshBatch handles a batch: the newest event per object wins (events
// arrive out of order and in bursts), objects are fetched from Okta
// (current state, so order does not matter), memberships and deletes come
// from the events themselves, and each stream's records are one object.
func (s *Server) refreshBatch(ctx context.Context, evs []event, latest map[string]time.Time) {
	m := s.cfg.Metrics
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].info.Published < evs[j].info.Published })
	byKey := map[string]*change{}
	var order []string
	for _, e := range evs {
		et, ok := streams.LookupEventType(e.info.EventType)
		if !ok {
			continue // kept in event_hook_events; nothing to refresh
		}
		c := &change{stream: et.Stream, et: et, eventType: e.info.EventType, at: parseTime(e.info.Published)}
		c.id = targetID(e.info, et.Target)
		if et.Member != "" {
			c.parent, c.id = c.id, targetID(e.info, et.Member)
		}
		if c.id == "" || (et.Member != "" && c.parent == "") {
			m.Refreshes.WithLabelValues(et.Stream, metrics.RefreshSkipped).Inc()
			s.cfg.Logger.Warn("event names no target to refresh", "uuid", e.info.UUID, "eventType", e.info.EventType)
			continue
		}
		key := et.Stream + "\x00" + c.parent + "\x00" + c.id
		if et.Member != "" {
			// A membership's add and remove may arrive in either order:
			// the newer event wins, across batches too.
			if prev, ok := latest[key]; ok && c.at.Before(prev) {
				m.Refreshes.WithLabelValues(et.Stream, metrics.RefreshSkipped).Inc()
				continue
			}
			latest[key] = c.at
		}
		if _, ok := byKey[key]; !ok {
			order = append(order, key)
		}
		byKey[key] = c
	}
	if len(order) == 0 {
		return
	}
	changes := make([]*change, len(order))
	for i, k := range order {
		changes[i] = byKey[k]
	}
	s.fetchAll(ctx, changes)

	perStream := map[string][]json.RawMessage{}
	var streamOrder []string
	for _, c := range changes {
		result := metrics.RefreshRecord
		switch {
		case c.failed:
			m.Refreshes.WithLabelValues(c.stream, metrics.RefreshFailed).Inc()
			continue
		case c.skip:
			m.Refreshes.WithLabelValues(c.stream, metrics.RefreshSkipped).Inc()
			continue
		case c.tombstone:
			result = metrics.RefreshTombstone
			c.record = s.tombstone(c)
		}
		if _, ok := perStream[c.stream]; !ok {
			streamOrder = append(streamOrder, c.stream)
		}
		perStream[c.stream] = append(perStream[c.stream], c.record)
		m.Refreshes.WithLabelValues(c.stream, result).Inc()
	}
	if len(streamOrder) == 0 {
		return
	}
	run, err := s.takeSync(ctx, streamOrder...)
	if err != nil {
		s.cfg.Logger.Error("refreshed records not committed (the next extract brings them)", "records", len(changes), "error", err)
		return
	}
	for _, st := range streamOrder {
		if _, err := s.writeObject(ctx, run, st, perStream[st]); err != nil {
			s.cfg.Logger.Error("refreshed records not committed (the next extract brings them)", "stream", st, "records", len(perStream[st]), "error", err)
		}
	}
	s.poke()
}

func parseTime(v string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}
	}
	return t
}

// targetID is the id of the event's first target of type typ.
func targetID(e eventInfo, typ string) string {
	for _, t := range e.Target {
		if t.Type == typ {
			return t.ID
		}
	}
	return ""
}

// fetchAll fetches the objects the changes need, RefreshWorkers at a time.
func (s *Server) fetchAll(ctx context.Context, changes []*change) {
	jobs := make(chan *change)
	var wg sync.WaitGroup
	for range s.cfg.RefreshWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				s.fetch(ctx, c)
			}
		}()
	}
	for _, c := range changes {
		jobs <- c
	}
	close(jobs)
	wg.Wait()
}

// fetch decides one change's record: a tombstone for deletes and removed
// memberships, else the object as Okta returns it now (a 404: its tombstone).
func (s *Server) fetch(ctx context.Context, c *change) {
	st, _ := streams.Lookup(c.stream)
	switch c.et.Action {
	case streams.EventDelete, streams.EventMemberRemove:
		c.tombstone = true
		return
	}
	if s.cfg.Okta == nil {
		c.skip = true
		return
	}
	if c.et.Fetch == "" {
		c.skip = true
		return
	}
	path := strings.NewReplacer("{id}", url.PathEscape(c.id), "{parent}", url.PathEscape(c.parent)).Replace(c.et.Fetch)
	resp, err := s.cfg.Okta.Get(ctx, path)
	var oe *okta.Error
	switch {
	case errors.As(err, &oe) && oe.Status == http.StatusNotFound:
		c.tombstone = true
		return
	case err != nil:
		c.failed = true
		s.cfg.Logger.Warn("refresh failed (the next extract brings the object)", "stream", c.stream, "id", c.id, "error", err)
		return
	}
	rec := resp.Body
	if st.ParentIDField != "" {
		rec = withField(rec, st.ParentIDField, c.parent)
	}
	c.record = rec
}

// withField adds "name": value to a JSON object (as extract does with the
// parent id).
func withField(obj json.RawMessage, name, value string) json.RawMessage {
	trimmed := strings.TrimSpace(string(obj))
	k, _ := json.Marshal(name)
	v, _ := json.Marshal(value)
	if trimmed == "{}" {
		return json.RawMessage("{" + string(k) + ":" + string(v) + "}")
	}
	return json.RawMessage("{" + string(k) + ":" + string(v) + "," + strings.TrimPrefix(trimmed, "{"))
}

// tombstone is the delete record of a change, keyed by the stream's primary
// key (parent id first), at the event's time, for the event's type.
func (s *Server) tombstone(c *change) json.RawMessage {
	st, _ := streams.Lookup(c.stream)
	var key []lake.KeyField
	for _, f := range st.PrimaryKey {
		v := c.id
		if f == st.ParentIDField {
			v = c.parent
		}
		key = append(key, lake.KeyField{Name: f, Value: v})
	}
	at := c.at
	if at.IsZero() {
		at = s.cfg.Clock.Now()
	}
	return lake.NewTombstone(key, at, lake.DeletedByEventPrefix+c.eventType)
}
