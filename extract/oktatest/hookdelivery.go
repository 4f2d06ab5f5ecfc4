package oktatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Deliveries to Event Hooks, as the "Event hooks" concept doc
// (developer.okta.com/docs/concepts/event-hooks/) describes them: the
// events of a change go to every ACTIVE, VERIFIED hook subscribed to their
// types, several to a request, with the hook's auth header; Okta waits 3
// seconds and retries once after a timeout or a server error, and batches
// may arrive out of order.

// HookDelivery is one attempt of one Event Hook delivery.
type HookDelivery struct {
	// HookID is the hook delivered to; EventID the delivery's eventId
	// (the same for both attempts).
	HookID, EventID string
	// Attempt is 1, or 2 for Okta's one retry.
	Attempt int
	// UUIDs are the System Log event uuids carried, in body order.
	UUIDs []string
	// Status is the HTTP status answered (0: no answer, see Err).
	Status int
	// Err is the transport error or timeout, if any.
	Err string
	// Sent and Answered are wall-clock times of the attempt.
	Sent, Answered time.Time
}

// startHooks starts the delivery loop; stopHooks ends it and waits for
// deliveries in flight.
func (s *Server) startHooks() {
	hc := s.opts.HookClient
	if hc == nil {
		hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	s.hooks = &hookState{hooks: map[string]*eventHook{}, stop: make(chan struct{}), client: hc}
	s.hooks.wg.Add(1)
	go s.deliverLoop()
}

func (s *Server) stopHooks() {
	s.hooks.stopOnce.Do(func() { close(s.hooks.stop) })
	s.hooks.wg.Wait()
}

// HookDeliveries returns every delivery attempt so far, in the order sent.
func (s *Server) HookDeliveries() []HookDelivery {
	h := s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]HookDelivery, len(h.deliveries))
	copy(out, h.deliveries)
	return out
}

// eventsSince returns the mutation events from index i on.
func (o *Org) eventsSince(i int) []Event {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if i >= len(o.events) {
		return nil
	}
	return append([]Event(nil), o.events[i:]...)
}

func (s *Server) deliverLoop() {
	h := s.hooks
	defer h.wg.Done()
	every := s.opts.HookInterval
	if every <= 0 {
		every = defaultHookInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		s.deliverNew()
	}
}

// deliverNew sends the events written since the last look to every active,
// verified hook subscribed to their types, each batch on its own: batches
// race, so a receiver sees them out of order, as Okta warns it may.
func (s *Server) deliverNew() {
	h := s.hooks
	h.mu.Lock()
	evs := s.org.eventsSince(h.cursor)
	h.cursor += len(evs)
	var hooks []eventHook
	for _, id := range h.order {
		if hk := h.hooks[id]; hk.status == "ACTIVE" && hk.verification == "VERIFIED" {
			hooks = append(hooks, *hk)
		}
	}
	h.mu.Unlock()
	if len(evs) == 0 || len(hooks) == 0 {
		return
	}
	size := s.opts.HookBatch
	if size <= 0 {
		size = defaultHookBatch
	}
	for _, hk := range hooks {
		var batch []Event
		for _, ev := range evs {
			if contains(hk.events, ev.EventType) {
				batch = append(batch, ev)
			}
			if len(batch) == size {
				s.sendBatch(hk, batch)
				batch = nil
			}
		}
		if len(batch) > 0 {
			s.sendBatch(hk, batch)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// sendBatch delivers one batch in the background: one attempt, and one
// retry after a timeout, a transport error or a 5xx.
func (s *Server) sendBatch(hk eventHook, batch []Event) {
	events := make([]json.RawMessage, len(batch))
	uuids := make([]string, len(batch))
	for i, ev := range batch {
		b, err := json.Marshal(s.org.logEventJSON(ev.key))
		if err != nil {
			panic(fmt.Sprintf("oktatest: rendering event %s: %v", ev.UUID, err)) // our own types
		}
		events[i], uuids[i] = b, ev.UUID
	}
	h := s.hooks
	h.mu.Lock()
	h.seq++
	eventID := makeUUID(s.org.cfg.Seed, kindEventHook, h.seq)
	h.mu.Unlock()
	body, _ := json.Marshal(map[string]any{
		"eventType":          "com.okta.event_hook",
		"eventTypeVersion":   "1.0",
		"cloudEventsVersion": "0.1",
		"source":             s.URL + "/api/v1/eventHooks/" + hk.id,
		"eventId":            eventID,
		"data":               map[string]any{"events": events},
		"eventTime":          ts(s.clock.Now()),
		"contentType":        "application/json",
	})
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for attempt := 1; attempt <= 2; attempt++ {
			d := HookDelivery{HookID: hk.id, EventID: eventID, Attempt: attempt, UUIDs: uuids, Sent: time.Now()}
			status, err := s.callHook(hk, http.MethodPost, bytes.NewReader(body), nil, nil)
			d.Status, d.Answered = status, time.Now()
			if err != nil {
				d.Err = err.Error()
			}
			h.mu.Lock()
			h.deliveries = append(h.deliveries, d)
			h.mu.Unlock()
			if err == nil && status < 500 {
				return
			}
			select {
			case <-h.stop:
				return
			default:
			}
		}
	}()
}

// callHook sends one request to the hook's URI with its auth header and
// headers, within the 3-second timeout, and reads the answer into out
// (when set and the status is 200).
func (s *Server) callHook(hk eventHook, method string, body io.Reader, extra http.Header, out any) (int, error) {
	timeout := s.opts.HookTimeout
	if timeout <= 0 {
		timeout = defaultHookTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, hk.uri, body)
	if err != nil {
		return 0, err
	}
	for _, hd := range hk.headers {
		req.Header.Set(hd.Key, hd.Value)
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	if hk.authKey != "" {
		req.Header.Set(hk.authKey, hk.authValue)
	}
	req.Header.Set("Accept", "application/json")
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "Okta Event Hooks (oktatest)")
	res, err := s.hooks.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return res.StatusCode, err
	}
	if out != nil && res.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			return res.StatusCode, fmt.Errorf("decoding the answer: %w", err)
		}
	}
	return res.StatusCode, nil
}
