package oktatest

import (
	"time"

	"github.com/oktalake/oktalake/internal/clock"
)

// ManualClock is a clock.Clock for tests: it moves only when told to, and
// Sleep advances it at once, so latencies, rate-limit windows and backoffs
// cost no real time.
type ManualClock = clock.Manual

// NewManualClock returns a clock reading start.
func NewManualClock(start time.Time) *ManualClock { return clock.NewManual(start) }
