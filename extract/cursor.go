package extract

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/oktalake/oktalake/streams"
)

// oktaClockSkew is how far past this run's start a stored cursor that Okta
// produced (an event's published time, the position in a log next link) may
// lie: Okta's clock and ours differ a little, and events persisted while the
// previous run paged lie past that run's start. A future --start-date lies
// days or years ahead, far beyond it.
const oktaClockSkew = time.Hour

// checkStoredCursor refuses a stored cursor that would make the stream read
// nothing (a time after this run's start, left by a future --start-date or
// a hand edit) or read something else (a logs next link to another endpoint
// or host). The stream fails with a message that says how to reset it.
func (r *run) checkStoredCursor(st streams.Stream) error {
	if r.cfg.FullRefresh {
		return nil
	}
	ss, ok := r.state.Streams[st.Name]
	if !ok {
		return nil
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("stored cursor in state %s: %s; reset it with extract.Config.FullRefresh and extract.Config.Streams %s (and extract.Config.StartDate if needed)",
			r.cfg.State.Where(), fmt.Sprintf(format, args...), st.Name)
	}
	later := func(field, v string, slack time.Duration) error {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil || !t.After(r.start.Add(slack)) {
			return nil // a value we cannot read is Okta's to judge
		}
		return fail("%s %s is later than this run's start %s, so nothing would be read", field, v, formatTime(r.start))
	}
	if st.CursorKind == streams.CursorLastUpdated && ss.LastUpdated != "" {
		if err := later("lastUpdated", ss.LastUpdated, 0); err != nil {
			return err
		}
	}
	if ss.Changes != "" {
		if err := r.checkLink(ss.Changes, feedPath); err != nil {
			return fail("the change feed cursor %v", err)
		}
	}
	if st.CursorKind != streams.CursorLogPolling {
		return nil
	}
	if ss.Published != "" {
		if err := later("published", ss.Published, oktaClockSkew); err != nil {
			return err
		}
	}
	if ss.Next == "" {
		return nil
	}
	next, err := r.resolveStoredLink(ss.Next)
	if err != nil {
		return fail("the next cursor is not a link to %s: %v", st.Path, err)
	}
	base, _ := url.Parse(r.cfg.Client.BaseURL()) // parsed already by resolveStoredLink
	if !strings.EqualFold(next.Scheme, base.Scheme) || !strings.EqualFold(next.Host, base.Host) {
		return fail("the next cursor points at %s://%s, not at %s on the configured origin %s://%s", next.Scheme, next.Host, st.Path, base.Scheme, base.Host)
	}
	if next.Path != st.Path {
		return fail("the next cursor points at %s, not at %s", next.Path, st.Path)
	}
	q := next.Query()
	if v := q.Get("since"); v != "" {
		if err := later("since (in the next cursor)", v, 0); err != nil {
			return err
		}
	}
	if at, ok := afterTime(q.Get("after")); ok && at.After(r.start.Add(oktaClockSkew)) {
		return fail("after %s (in the next cursor) is a position at %s, later than this run's start %s, so nothing would be read",
			q.Get("after"), formatTime(at), formatTime(r.start))
	}
	return nil
}

// checkLink says what is wrong with a stored link that must point at path
// on the configured origin, or nil.
func (r *run) checkLink(link, path string) error {
	next, err := r.resolveStoredLink(link)
	if err != nil {
		return fmt.Errorf("is not a link to %s: %v", path, err)
	}
	base, _ := url.Parse(r.cfg.Client.BaseURL()) // parsed already by resolveStoredLink
	if !strings.EqualFold(next.Scheme, base.Scheme) || !strings.EqualFold(next.Host, base.Host) {
		return fmt.Errorf("points at %s://%s, not at %s on the configured origin %s://%s", next.Scheme, next.Host, path, base.Scheme, base.Host)
	}
	if next.Path != path {
		return fmt.Errorf("points at %s, not at %s", next.Path, path)
	}
	return nil
}

// resolveStoredLink resolves a stored link against the org's origin, the way
// the client will request it (dot segments removed).
func (r *run) resolveStoredLink(link string) (*url.URL, error) {
	base, err := url.Parse(r.cfg.Client.BaseURL())
	if err != nil {
		return nil, err
	}
	ref, err := url.Parse(link)
	if err != nil {
		return nil, err
	}
	return base.ResolveReference(ref), nil
}

// afterTime reads the time in a System Log `after` token. Okta documents
// the token as opaque; the ones it issues read <epoch milliseconds>_<n>
// (e.g. 1626290040000_1). Another shape is not judged.
func afterTime(token string) (time.Time, bool) {
	ms, n, ok := strings.Cut(token, "_")
	if !ok {
		return time.Time{}, false
	}
	v, err := strconv.ParseInt(ms, 10, 64)
	if _, nerr := strconv.ParseUint(n, 10, 64); err != nil || nerr != nil || v <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(v).UTC(), true
}

// boundCursor keeps a cursor about to be saved from passing the run's start,
// whatever the records said (Okta's clock may run ahead of ours): a later
// run must never start after data it has not read. Published and the next
// link's since are moved back to the start. The next link's after token is
// Okta's own position and is kept: it may lie past the start when events
// were persisted while the run paged, which is where the next run must go on.
func boundCursor(ss StreamState, start time.Time) StreamState {
	limit := formatTime(start)
	if t, err := time.Parse(time.RFC3339Nano, ss.Published); err == nil && t.After(start) {
		ss.Published = limit
	}
	if t, err := time.Parse(time.RFC3339Nano, ss.LastUpdated); err == nil && t.After(start) {
		ss.LastUpdated = limit
	}
	if ss.Next != "" {
		if u, err := url.Parse(ss.Next); err == nil {
			q := u.Query()
			if t, err := time.Parse(time.RFC3339Nano, q.Get("since")); err == nil && t.After(start) {
				q.Set("since", limit)
				u.RawQuery = q.Encode()
				ss.Next = u.String()
			}
		}
	}
	return ss
}
