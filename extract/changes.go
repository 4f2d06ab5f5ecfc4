package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
	"golang.org/x/sync/errgroup"
)

// DefaultReconcileEvery is how often streams that follow changes re-list
// everything, to heal what the System Log missed.
const DefaultReconcileEvery = 24 * time.Hour

// feedPath is the System Log endpoint the change feed polls.
const feedPath = "/api/v1/logs"

// feedStart is the change feed's first request for a stream: its event
// types, published since since, in polling mode (ascending, no until), so
// that the next links it returns are Okta's gap-free cursor, as for the
// logs stream.
func feedStart(feed streams.ChangeFeed, since time.Time) string {
	types := map[string]bool{}
	for _, r := range feed.Rules {
		types[r.EventType] = true
	}
	var terms []string
	for t := range types {
		terms = append(terms, fmt.Sprintf("eventType eq %q", t))
	}
	sort.Strings(terms)
	q := url.Values{}
	q.Set("filter", strings.Join(terms, " or "))
	q.Set("since", formatTime(since))
	q.Set("sortOrder", "ASCENDING")
	q.Set("limit", "1000")
	return feedPath + "?" + q.Encode()
}

// feedEvent is what the change feed reads of an event.
type feedEvent struct {
	EventType string `json:"eventType"`
	Published string `json:"published"`
	Target    []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"target"`
}

// readFeed reads the stream's change feed from the stored link from and
// applies each event's rule: a parent to re-list goes to relist, a deletion
// to the tracker. It returns the link the next run starts at.
func (r *run) readFeed(ctx context.Context, st streams.Stream, feed streams.ChangeFeed, from string, tr *tracker, relist map[string]bool) (string, error) {
	next := from
	err := r.cfg.Client.List(ctx, from, okta.ListOptions{}, func(p *okta.Page) error {
		for i, rec := range p.Records {
			var ev feedEvent
			if err := json.Unmarshal(rec, &ev); err != nil {
				return fmt.Errorf("change feed of %s: event %d of a page: %w", st.Name, i, err)
			}
			r.applyEvent(st, feed, ev, tr, relist)
		}
		if p.Next != "" {
			next = relativeURL(p.Next)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("reading the change feed of %s: %w", st.Name, err)
	}
	return next, nil
}

func (r *run) applyEvent(st streams.Stream, feed streams.ChangeFeed, ev feedEvent, tr *tracker, relist map[string]bool) {
	at, err := time.Parse(time.RFC3339Nano, ev.Published)
	if err != nil {
		at = r.start
	}
	for _, rule := range feed.Rules {
		if rule.EventType != ev.EventType {
			continue
		}
		for _, tg := range ev.Target {
			if tg.Type != rule.TargetType || tg.ID == "" {
				continue
			}
			switch {
			case rule.Relist:
				relist[tg.ID] = true
			case st.Parent != "" && rule.Field == st.ParentIDField:
				tr.goneParent(tg.ID, deletion{at: at, by: lake.DeletedByEventPrefix + ev.EventType})
			default:
				tr.mu.Lock()
				tr.deletes = append(tr.deletes, refDelete{field: rule.Field, id: tg.ID, deletion: deletion{at: at, by: lake.DeletedByEventPrefix + ev.EventType}})
				tr.mu.Unlock()
			}
		}
	}
}

// reconcileDue says a stream that follows changes must re-list everything
// now: never reconciled, its feed cursor or key index missing, a full
// refresh asked for, or the last reconcile ReconcileEvery ago.
func (r *run) reconcileDue(st streams.Stream, indexed bool) bool {
	prev := r.state.Streams[st.Name]
	if r.cfg.FullRefresh || !indexed || prev.Changes == "" || prev.ReconciledAt == "" {
		return true
	}
	last, err := time.Parse(time.RFC3339Nano, prev.ReconciledAt)
	return err != nil || !r.start.Before(last.Add(r.cfg.ReconcileEvery))
}

// followState fills the change-following fields of a stream's next state:
// after a full pass the feed starts afresh just before this run and the
// reconcile time moves; otherwise the feed goes on where it was read to.
func (r *run) followState(st streams.Stream, plan streamPlan, ss *StreamState, feedNext string) {
	feed, ok := st.Changes()
	if !ok {
		return
	}
	prev := r.state.Streams[st.Name]
	ss.ReconciledAt, ss.Changes = prev.ReconciledAt, prev.Changes
	if plan.kind == lake.ManifestFull {
		ss.ReconciledAt = formatTime(r.start)
		ss.Changes = feedStart(feed, r.start.Add(-cursorSkew))
		if feed.ParentsChangedField != "" {
			ss.ParentsChanged = formatTime(r.start.Add(-cursorSkew))
		}
		return
	}
	if feedNext != "" {
		ss.Changes = feedNext
	}
}

// runChangedParents re-lists, as per-parent snapshots, only the parents
// that changed since the previous run: those the parents filter returns
// (groups whose lastMembershipUpdated moved) and those the change feed
// names; parents the feed says are deleted lose every child.
func (r *run) runChangedParents(ctx context.Context, st streams.Stream, out *sink) (*StreamState, error) {
	feed, _ := st.Changes()
	prev := r.state.Streams[st.Name]
	relist := map[string]bool{}
	next, err := r.readFeed(ctx, st, feed, prev.Changes, out.tr, relist)
	if err != nil {
		return nil, err
	}
	ss := &StreamState{Changes: next, ReconciledAt: prev.ReconciledAt, ParentsChanged: prev.ParentsChanged}
	var parents []parent
	if feed.ParentsChangedField != "" {
		changed, newest, err := r.changedParents(ctx, st, feed.ParentsChangedField, prev.ParentsChanged)
		if err != nil {
			return nil, err
		}
		ss.ParentsChanged = newest
		for _, p := range changed {
			delete(relist, p.id)
			parents = append(parents, p)
		}
	}
	ids := make([]string, 0, len(relist))
	for id := range relist {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		parents = append(parents, parent{id: id})
	}
	if err := r.listParents(ctx, st, out, parents); err != nil {
		return nil, err
	}
	return ss, nil
}

// changedParents lists the parents whose field is newer than cursor
// (Okta's filter, e.g. groups' `lastMembershipUpdated gt "…"`), with the
// counts the stream skips on, and the cursor for the next run: the newest
// value seen, kept behind the run's start like the lastUpdated cursor.
func (r *run) changedParents(ctx context.Context, st streams.Stream, field, cursor string) ([]parent, string, error) {
	src, _ := st.ParentListing()
	if cursor == "" {
		cursor = epochCursor
	}
	source := sourcePath(src, url.Values{"filter": {fmt.Sprintf("%s gt %q", field, cursor)}})
	var out []parent
	newest := cursor
	err := r.cfg.Client.List(ctx, source, okta.ListOptions{ItemsField: src.ItemsField, BodyNext: src.BodyNext}, func(pg *okta.Page) error {
		for _, rec := range pg.Records {
			var head map[string]json.RawMessage
			if err := json.Unmarshal(rec, &head); err != nil {
				return fmt.Errorf("decoding parent record from %s: %w", source, err)
			}
			var id, v string
			_ = json.Unmarshal(head["id"], &id)
			_ = json.Unmarshal(head[field], &v)
			if id == "" {
				return fmt.Errorf("parent record from %s has no id", source)
			}
			if v > newest {
				newest = v
			}
			p := parent{id: id}
			if f := st.SkipParentIfZero; f != "" && countIsZero(rec, f) {
				p.zero = map[string]bool{f: true}
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("listing changed parents (%s): %w", source, err)
	}
	if limit := formatTime(r.start.Add(-cursorSkew)); newest > limit {
		newest = limit
	}
	if newest < cursor {
		newest = cursor
	}
	return out, newest, nil
}

// listParents lists the children of parents, Concurrency at a time; a
// parent skipped on its zero count, or answering 404 (deleted since it was
// named), has no children.
func (r *run) listParents(ctx context.Context, st streams.Stream, out *sink, parents []parent) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.cfg.Concurrency)
	for _, p := range parents {
		if p.zero[st.SkipParentIfZero] {
			out.mu.Lock()
			out.sum.Skipped++
			out.mu.Unlock()
			out.listed(p.id)
			continue
		}
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			err := r.listChildren(gctx, st, p.id, out)
			var oe *okta.Error
			switch {
			case errors.As(err, &oe) && oe.Status == http.StatusNotFound:
				if out.tr != nil {
					out.tr.goneParent(p.id, deletion{at: r.start, by: lake.DeletedByParent})
				}
				return nil
			case err != nil:
				return err
			}
			out.listed(p.id)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}
