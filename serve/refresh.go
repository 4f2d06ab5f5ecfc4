package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/internal/metrics"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load"
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
// the queue is closed and drained. It first retries the refreshes pending
// from before the start, then retries them with every batch.
func (s *Server) refreshLoop(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	retryFirst := len(s.progress.Pending) > 0
	for {
		var evs []event
		if !retryFirst {
			var ok bool
			if evs, ok = s.refresh.take(); !ok {
				return
			}
			if s.cfg.beforeRefresh != nil && !s.cfg.beforeRefresh() {
				continue // a crash, in tests: the batch is neither refreshed nor recorded
			}
		}
		retryFirst = false
		s.refreshWithPending(ctx, evs)
	}
}

// refreshWithPending refreshes evs and the pending refreshes together,
// keeps the ones that fail pending (with one more attempt), turns those
// whose attempts are spent into dead letters, and records the progress.
func (s *Server) refreshWithPending(ctx context.Context, evs []event) {
	prev := make(map[string]pendingRefresh, len(s.progress.Pending))
	batch := make([]event, 0, len(s.progress.Pending)+len(evs))
	for _, p := range s.progress.Pending {
		if e, ok := p.event(); ok {
			prev[p.UUID] = p
			batch = append(batch, e)
		}
	}
	batch = append(batch, evs...)
	var pending, dead []pendingRefresh
	for _, f := range s.refreshBatch(ctx, batch, s.progress.Latest) {
		p := prev[f.ev.info.UUID]
		p.UUID, p.Object, p.Event = f.ev.info.UUID, f.ev.object, f.ev.raw
		p.Attempts++
		p.Reason = f.reason
		if p.Attempts >= s.cfg.RefreshAttempts {
			p.Reason = fmt.Sprintf("%s (gave up after %d attempts)", p.Reason, p.Attempts)
			dead = append(dead, p)
		} else {
			pending = append(pending, p)
		}
	}
	if over := len(pending) - maxPending; over > 0 {
		for i := range pending[:over] {
			pending[i].Reason += fmt.Sprintf(" (more than %d refreshes pending)", maxPending)
		}
		dead, pending = append(dead, pending[:over]...), pending[over:]
	}
	if len(dead) > 0 {
		if err := s.deadLetter(ctx, dead); err != nil {
			s.cfg.Logger.Error("dead-lettering failed refreshes (kept pending)", "events", len(dead), "error", err)
			pending = append(dead, pending...)
		}
	}
	s.progress.Pending = pending
	pruneLatest(s.progress.Latest)
	s.saveRefreshed(ctx, evs)
}

// maxPending bounds the pending refreshes; the oldest beyond it become dead
// letters at once.
const maxPending = 10_000

// RefreshLoader is the loader name under which serve keeps the dead letters
// of refreshes that never succeeded (lake.DeadLetterWriterConfig): one line
// per event, with the event, its object and the reason.
const RefreshLoader = "serve"

// deadLetter writes failed refreshes as one dead-letter object of
// event_hook_events.
func (s *Server) deadLetter(ctx context.Context, failed []pendingRefresh) error {
	cfg := lake.DeadLetterWriterConfig(s.cfg.Prefix, RefreshLoader, streams.EventHookStream)
	cfg.Now = s.cfg.Clock.Now
	w, err := lake.NewWriter(s.cfg.Store, cfg)
	if err != nil {
		return fmt.Errorf("writing refresh dead letters: %w", err)
	}
	at := lake.FormatTime(s.cfg.Clock.Now())
	for _, p := range failed {
		line, err := json.Marshal(load.DeadLetter{ObjectKey: p.Object, Stream: streams.EventHookStream, Record: p.Event, Reason: p.Reason, At: at})
		if err == nil {
			err = w.Write(ctx, line)
		}
		if err != nil {
			_ = w.Abort()
			return fmt.Errorf("writing refresh dead letters: %w", err)
		}
	}
	if err := w.Close(ctx); err != nil {
		return fmt.Errorf("writing refresh dead letters: %w", err)
	}
	s.cfg.Metrics.DeadLettersSent.WithLabelValues(streams.EventHookStream).Add(float64(len(failed)))
	for _, p := range failed {
		s.cfg.Logger.Error("refresh dead-lettered", "uuid", p.UUID, "reason", p.Reason)
	}
	return nil
}

// failure is an event whose refresh failed, and why.
type failure struct {
	ev     event
	reason string
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
	ev           event  // the event that decided the change
	reason       string // why it failed
}

// refreshBatch handles a batch: the newest event per object wins (events
// arrive out of order and in bursts), objects are fetched from Okta
// (current state, so order does not matter), memberships and deletes come
// from the events themselves, and each stream's records are one object.
// It returns the events whose refresh failed.
func (s *Server) refreshBatch(ctx context.Context, evs []event, latest map[string]time.Time) []failure {
	m := s.cfg.Metrics
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].info.Published < evs[j].info.Published })
	byKey := map[string]*change{}
	var order []string
	for _, e := range evs {
		et, ok := streams.LookupEventType(e.info.EventType)
		if !ok {
			continue // kept in event_hook_events; nothing to refresh
		}
		c := &change{stream: et.Stream, et: et, eventType: e.info.EventType, at: parseTime(e.info.Published), ev: e}
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
		return nil
	}
	changes := make([]*change, len(order))
	for i, k := range order {
		changes[i] = byKey[k]
	}
	s.fetchAll(ctx, changes)

	var failed []failure
	perStream := map[string][]json.RawMessage{}
	perStreamChanges := map[string][]*change{}
	var streamOrder []string
	for _, c := range changes {
		result := metrics.RefreshRecord
		switch {
		case c.failed:
			m.Refreshes.WithLabelValues(c.stream, metrics.RefreshFailed).Inc()
			failed = append(failed, failure{c.ev, c.reason})
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
		perStreamChanges[c.stream] = append(perStreamChanges[c.stream], c)
		m.Refreshes.WithLabelValues(c.stream, result).Inc()
	}
	if len(streamOrder) == 0 {
		return failed
	}
	notCommitted := func(st string, err error) {
		for _, c := range perStreamChanges[st] {
			failed = append(failed, failure{c.ev, fmt.Sprintf("event %s (%s): committing the %s record of %s: %v", c.ev.info.UUID, c.eventType, c.stream, c.id, err)})
		}
	}
	run, err := s.takeSync(ctx, streamOrder...)
	if err != nil {
		for _, st := range streamOrder {
			notCommitted(st, err)
		}
		return failed
	}
	for _, st := range streamOrder {
		_, m, err := s.writeObject(ctx, run, st, perStream[st])
		if err != nil {
			notCommitted(st, err)
			continue
		}
		s.writeManifest(ctx, m)
	}
	s.poke()
	return failed
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
		c.reason = fmt.Sprintf("event %s (%s): refreshing %s %s: %v", c.ev.info.UUID, c.eventType, c.stream, c.id, err)
		s.cfg.Logger.Warn("refresh failed (kept pending, retried with the next delivery)", "uuid", c.ev.info.UUID, "stream", c.stream, "id", c.id, "error", err)
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
