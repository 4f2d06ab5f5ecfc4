// Package serve is the live path: an Okta Event Hook endpoint that commits
// each delivery's events to the lake (stream event_hook_events) before it
// answers, refreshes the objects the events name into their streams, can
// load what it committed into Port at once, and serves health and metrics.
package serve

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/internal/metrics"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load"
)

// Defaults.
const (
	// DefaultMaxBody bounds a delivery's body (Okta's batches are far smaller).
	DefaultMaxBody = 4 << 20
	// DefaultGroupWindow is how long the committer gathers concurrent
	// deliveries into one commit: short next to Okta's 3-second timeout.
	DefaultGroupWindow = 100 * time.Millisecond
	// DefaultDedupe is how many event uuids are remembered.
	DefaultDedupe = 200_000
	// DefaultRefreshAttempts is how many times a failed refresh is tried.
	DefaultRefreshAttempts = 5
	// HookPath is the Event Hook endpoint.
	HookPath = "/okta/event-hooks"
)

// Config configures a Server.
type Config struct {
	// Store is the bucket; Prefix, Namespace, PathFormat and Envelope lay
	// out the objects as extract does (defaults: lake's).
	Store      lake.Store
	Prefix     string
	Namespace  string
	PathFormat string
	Envelope   lake.Envelope
	// Secret is the Authorization header value every Okta request must
	// carry (the hook's authScheme value). Required.
	Secret string
	// Okta fetches the objects events name (the same client, governor and
	// rate-limit share as extract); nil commits events without refreshing.
	Okta *okta.Client
	// Load, when set, loads every committed object into Port through the
	// loader (its checkpoints, ledger and dead letters) right after each
	// commit. Its Store, Prefix and Namespace are taken from this Config.
	Load *load.Config
	// Metrics receives the counters; nil makes a private set.
	Metrics *metrics.Set
	// MaxBody bounds a delivery body (default DefaultMaxBody); larger get 413.
	MaxBody int64
	// GroupWindow is the longest a delivery waits for others to share its
	// commit (default DefaultGroupWindow).
	GroupWindow time.Duration
	// Dedupe is how many event uuids are remembered (default DefaultDedupe);
	// at start the newest committed event_hook_events objects fill it.
	Dedupe int
	// RefreshWorkers is how many Okta reads run at once (default 4; the
	// governor still bounds them).
	RefreshWorkers int
	// RefreshAttempts is how many times a failed refresh is tried (each
	// after Okta's own retries; default DefaultRefreshAttempts) before it
	// becomes a dead letter.
	RefreshAttempts int
	Clock           clock.Clock
	Logger          *slog.Logger

	// afterCommit, in tests, runs after a group's commit and before its
	// answers (a crash there is the case dedupe across restarts covers).
	afterCommit func()
	// beforeRefresh, in tests, runs before each refresh batch; false drops
	// the batch unrecorded, as a crash between acknowledgement and refresh would.
	beforeRefresh func() bool
}

// SetDefaults fills zero fields.
func (c *Config) SetDefaults() {
	if c.Prefix == "" {
		c.Prefix = lake.DefaultPrefix
	}
	if c.Namespace == "" {
		c.Namespace = lake.DefaultNamespace
	}
	if c.PathFormat == "" {
		c.PathFormat = lake.DefaultPathFormat
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.GroupWindow <= 0 {
		c.GroupWindow = DefaultGroupWindow
	}
	if c.Dedupe <= 0 {
		c.Dedupe = DefaultDedupe
	}
	if c.RefreshAttempts <= 0 {
		c.RefreshAttempts = DefaultRefreshAttempts
	}
	if c.RefreshWorkers <= 0 {
		c.RefreshWorkers = 4
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = metrics.New()
	}
}

// Validate reports the first invalid field.
func (c *Config) Validate() error {
	switch {
	case c.Store == nil:
		return errors.New("serve.Config.Store: no bucket")
	case c.Secret == "":
		return errors.New("serve.Config.Secret: the event hook secret is required (every request must carry it)")
	}
	if _, err := lake.ParsePathFormat(c.PathFormat); err != nil {
		return fmt.Errorf("serve.Config.PathFormat: %w", err)
	}
	return nil
}
