package extract

import (
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// LogSinceLimit is how far back Okta accepts a System Log since at all:
// further back it answers 400 E0000053. Between LogRetention and this, it
// answers with the events it still holds.
const LogSinceLimit = 180 * 24 * time.Hour

// heldSince is where a read of the System Log from since really starts:
// since itself, or the oldest event Okta still holds (LogRetention back),
// with a warning saying which published times are no longer available.
func heldSince(since, now time.Time, log *slog.Logger, what string) time.Time {
	oldest := now.Add(-LogRetention)
	if !since.Before(oldest) {
		return since
	}
	log.Warn(what+": events published before the oldest Okta holds are past its 90-day System Log retention and not available",
		"from", formatTime(since), "until", formatTime(oldest), "missing", days(oldest.Sub(since)))
	return oldest
}

// staleLogCursor reports whether a stored polling link points at a position
// older than Okta's retention (its after token, else its since), and
// returns that position.
func staleLogCursor(link string, now time.Time) (time.Time, bool) {
	u, err := url.Parse(link)
	if err != nil {
		return time.Time{}, false
	}
	q := u.Query()
	at, ok := afterTime(q.Get("after"))
	if !ok {
		t, err := time.Parse(time.RFC3339Nano, q.Get("since"))
		if err != nil {
			return time.Time{}, false
		}
		at = t
	}
	return at, at.Before(now.Add(-LogRetention))
}

// days renders a gap in whole days (hours below one day).
func days(d time.Duration) string {
	if d < 24*time.Hour {
		return d.Round(time.Hour).String()
	}
	return fmt.Sprintf("%d days", int(d.Round(time.Hour)/(24*time.Hour)))
}
