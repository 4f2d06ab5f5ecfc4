package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/streams"
)

// runLogs reads the system log incrementally.
//
// Why the cursor is Okta's `after` link and not max(published): a polling
// request (no `until`, ascending) returns events in the order Okta persisted
// them, and an event can be persisted minutes after its `published` time. A
// run that resumed from since=max(published) would skip every event that was
// published before that instant but persisted after the run read past it.
// The next link of the last page read points just past the last *persisted*
// event we saw, so the next run continues exactly there: late events appear
// after it and nothing is read twice or skipped. Okta always returns a next
// link in polling mode; an empty page means we are caught up.
//
// Objects rotate only between pages (sink.write), so whenever an object is
// committed the committed objects end exactly with the page just written,
// and the cursor saved then is that page's next link: a run interrupted or
// failed at any point resumes at the first event no committed object holds,
// and writes each event once. The state is saved again at the end.
func (r *run) runLogs(ctx context.Context, st streams.Stream, out *sink) (*StreamState, error) {
	prev := r.state.Streams[st.Name]
	start := ""
	now := r.cfg.Clock.Now()
	var handOff *HandOff
	var skip map[string]bool // events the backfill wrote before handing off
	fresh := func(since time.Time) string {
		q := url.Values{}
		q.Set("since", formatTime(since))
		q.Set("limit", fmt.Sprint(st.PageSize))
		q.Set("sortOrder", "ASCENDING")
		return st.Path + "?" + q.Encode()
	}
	switch at, stale := staleLogCursor(prev.Next, now); {
	case !r.cfg.FullRefresh && prev.Next != "" && stale:
		// Okta no longer holds what the cursor points at: the events
		// persisted between it and the oldest held are gone.
		oldest := now.Add(-LogRetention)
		r.cfg.Logger.Warn("logs: the stored cursor is older than Okta's 90-day System Log retention; restarting from the oldest event held",
			"cursor", formatTime(at), "oldest", formatTime(oldest), "gap", days(oldest.Sub(at)))
		start = fresh(oldest)
	case !r.cfg.FullRefresh && prev.Next != "":
		start = prev.Next
	default:
		since := now.Add(-DefaultLogLookback)
		if !r.cfg.StartDate.IsZero() {
			since = r.cfg.StartDate
		} else if h, err := r.logsHandOff(ctx, st); err != nil {
			return nil, err
		} else if h != nil && !r.cfg.FullRefresh {
			// A backfill read the history up to h.Until: polling takes
			// over there, skipping what the backfill already wrote.
			r.cfg.Logger.Info("logs: taking over from the backfill", "since", formatTime(h.Until), "already written", len(h.Seen))
			since, handOff = h.Until, h
			skip = h.seenSet()
		}
		if err := checkRetention(since, now); err != nil {
			return nil, err
		}
		start = fresh(heldSince(since, now, r.cfg.Logger, "logs"))
	}
	if handOff != nil {
		if err := r.markTakenOver(ctx, st, handOff); err != nil {
			return nil, err
		}
	}

	committed := 0
	cur := StreamState{Published: prev.Published, Next: start}
	if r.cfg.FullRefresh {
		cur.Published = ""
	}
	err := r.cfg.Client.List(ctx, start, okta.ListOptions{}, func(p *okta.Page) error {
		// A failed write commits nothing of this page (a page is written
		// whole or the open object is aborted), so the cursor stays put.
		recs := p.Records
		if len(skip) > 0 {
			recs = dropSeen(recs, skip)
		}
		if err := out.write(recs); err != nil {
			return err
		}
		for _, rec := range p.Records {
			if v := stringField(rec, "published"); v > cur.Published {
				cur.Published = v
			}
		}
		if p.Next != "" {
			cur.Next = relativeURL(p.Next)
		}
		if n := len(out.w.Objects()); n > committed {
			committed = n
			// The committed objects end with this page: cur is exact.
			if err := r.saveState(ctx, st.Name, cur); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &cur, nil
}

// relativeURL keeps the path and query of an Okta link, so a state file stays
// valid when the org is reached through another URL (custom domain).
func relativeURL(link string) string {
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/") {
		return link
	}
	return u.RequestURI()
}

// dropSeen returns recs without the events whose uuid is in seen.
func dropSeen(recs []json.RawMessage, seen map[string]bool) []json.RawMessage {
	out := recs[:0:0]
	for _, rec := range recs {
		if !seen[uuidOf(rec)] {
			out = append(out, rec)
		}
	}
	return out
}
