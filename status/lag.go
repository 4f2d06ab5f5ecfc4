package status

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LagLimit is how far a loader may fall behind before status reports a
// problem: pending objects older than Age, or more than Objects pending.
// A zero field is no limit.
type LagLimit struct {
	Age     time.Duration
	Objects int64
}

// ParseLagLimit reads --max-lag: a duration ("2h"), a number of objects
// ("500"), or both separated by a comma ("2h,500").
func ParseLagLimit(s string) (LagLimit, error) {
	var l LagLimit
	if strings.TrimSpace(s) == "" {
		return l, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if n, err := strconv.ParseInt(part, 10, 64); err == nil {
			if n < 0 {
				return LagLimit{}, fmt.Errorf("%q: a number of objects cannot be negative", part)
			}
			l.Objects = n
			continue
		}
		d, err := time.ParseDuration(part)
		if err != nil {
			return LagLimit{}, fmt.Errorf("%q is neither a duration (2h, 30m) nor a number of objects", part)
		}
		if d <= 0 {
			return LagLimit{}, fmt.Errorf("%q: the age must be positive", part)
		}
		l.Age = d
	}
	return l, nil
}

// String renders the limit as ParseLagLimit reads it.
func (l LagLimit) String() string {
	var parts []string
	if l.Age > 0 {
		parts = append(parts, l.Age.String())
	}
	if l.Objects > 0 {
		parts = append(parts, strconv.FormatInt(l.Objects, 10))
	}
	return strings.Join(parts, ",")
}

// exceeded says how l lags past the limit ("" when it does not).
func (lim LagLimit) exceeded(l LoaderStatus) string {
	var over []string
	if lim.Objects > 0 && l.Pending > lim.Objects {
		over = append(over, fmt.Sprintf("%d objects not loaded (limit %d)", l.Pending, lim.Objects))
	}
	if lim.Age > 0 && l.OldestPending != nil && time.Duration(l.OldestPendingAge)*time.Second > lim.Age {
		over = append(over, fmt.Sprintf("the oldest object not loaded is %s old (limit %s)", time.Duration(l.OldestPendingAge)*time.Second, lim.Age))
	}
	return strings.Join(over, "; ")
}
