package extract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/internal/schedule"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
	"golang.org/x/sync/errgroup"
)

// BackfillConfig configures a historical system-log backfill.
type BackfillConfig struct {
	// Client reads Okta.
	Client *okta.Client
	// Store is the bucket written to.
	Store lake.Store
	// Prefix is the key prefix under the bucket ("data" by default).
	Prefix string
	// Namespace is Airbyte's destination namespace ("okta").
	Namespace string
	// PathFormat is Airbyte's s3_path_format ("" for the default); it must
	// not hold ${UUID}, so an interrupted window's objects can be found.
	PathFormat string
	// Envelope selects the line format.
	Envelope lake.Envelope
	// MaxFileSize rotates objects at this many compressed bytes (0: lake's default).
	MaxFileSize int64
	// Format writes objects in another format than gzip JSONL (Parquet);
	// nil is gzip JSONL.
	Format lake.Format
	// Since and Until bound the events' published time: [Since, Until).
	// Since is required and at most 180 days back (Okta holds 90: older
	// days are reported missing). Until defaults to now minus SafetyLag,
	// and a later one is moved back to it.
	Since, Until time.Time
	// SafetyLag keeps the last window this far behind now (default
	// DefaultBackfillSafetyLag): Okta persists events after their published
	// time, so a bounded read up to now would miss the late ones. The
	// polling stream (extract's logs) takes over from the backfill's end.
	SafetyLag time.Duration
	// Window is the length of each bounded request range (default 6h).
	Window time.Duration
	// Workers is how many windows run at once (default 4).
	Workers int
	// Clock tells time (default real).
	Clock clock.Clock
	// Logger receives progress and warnings.
	Logger *slog.Logger
	// Progress, when set, is called after each window and every
	// ProgressEvery of wall time (default one second) while windows run.
	Progress      func(BackfillProgress)
	ProgressEvery time.Duration
	// StaleAge is how old the leftovers of killed runs must be before the
	// backfill removes them at its start (default lake.DefaultStaleAge).
	StaleAge time.Duration
}

// SetDefaults fills zero fields, and bounds Until by now.
func (c *BackfillConfig) SetDefaults() {
	if c.Prefix == "" {
		c.Prefix = "data"
	}
	if c.Namespace == "" {
		c.Namespace = "okta"
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Window <= 0 {
		c.Window = 6 * time.Hour
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.StaleAge <= 0 {
		c.StaleAge = lake.DefaultStaleAge
	}
	if c.SafetyLag <= 0 {
		c.SafetyLag = DefaultBackfillSafetyLag
	}
	if end := c.Clock.Now().Add(-c.SafetyLag); c.Until.IsZero() || c.Until.After(end) {
		c.Until = end
	}
}

// Validate reports the first invalid field (after SetDefaults).
func (c *BackfillConfig) Validate() error {
	switch {
	case c.Client == nil || c.Store == nil:
		return errors.New("backfill: no Okta client or bucket")
	case c.Since.IsZero():
		return errors.New("extract.BackfillConfig.Since: required")
	case !c.Since.Before(c.Until):
		return fmt.Errorf("extract.BackfillConfig.Since %s is not before extract.BackfillConfig.Until %s (at most now minus the %s safety lag)",
			c.Since.UTC().Format(time.RFC3339), c.Until.UTC().Format(time.RFC3339), c.SafetyLag)
	}
	if err := checkRetention(c.Since, c.Clock.Now()); err != nil {
		return fmt.Errorf("extract.BackfillConfig.Since: %w", err)
	}
	if strings.Contains(c.PathFormat, "${UUID}") {
		return errors.New("extract.BackfillConfig.PathFormat: ${UUID} makes keys unpredictable, so an interrupted window could not be cleaned up; backfill needs a format without it")
	}
	return nil
}

// BackfillProgress is a snapshot for progress displays.
type BackfillProgress struct {
	WindowsDone, WindowsTotal, WindowsSkipped int
	Events                                    int64
	Elapsed                                   time.Duration
	// ETA is estimated from the pace of windows finished in this run.
	ETA time.Duration
}

// EventsPerSecond is the event rate of this run.
func (p BackfillProgress) EventsPerSecond() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Events) / p.Elapsed.Seconds()
}

// BackfillSummary is the outcome of a backfill.
type BackfillSummary struct {
	BackfillProgress
	Objects int
	Bytes   int64
	Keys    []string
	Failed  []Window
	Buckets map[string]okta.BucketStats
	// Cleaned counts the leftovers of killed runs removed at the start.
	Cleaned int
}

// Window is a half-open range of published times.
type Window struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
}

func (w Window) String() string {
	return w.Since.UTC().Format(time.RFC3339) + "/" + w.Until.UTC().Format(time.RFC3339)
}

// BackfillState records finished windows, so an interrupted backfill resumes
// without redoing them. It lives at lake.BackfillStateKey.
type BackfillState struct {
	Done []Window `json:"done"`
	// HandOff is where the polling stream takes over (handoff.go).
	HandOff *HandOff `json:"handOff,omitempty"`
	// Requested are the ranges backfills were asked to read, merged; what
	// of them Done does not cover is Pending (backfill_pending.go).
	Requested []Window `json:"requested,omitempty"`
}

func (s *BackfillState) covers(w Window) bool {
	return len(s.uncovered(w)) == 0
}

// uncovered returns the parts of w no finished window covers, in order. A
// backfill whose --until was "now" ends in a window that a later run, with
// a later now, must finish without reading the covered part again.
func (s *BackfillState) uncovered(w Window) []Window {
	parts := []Window{w}
	for _, d := range s.Done {
		var next []Window
		for _, p := range parts {
			if !d.Until.After(p.Since) || !d.Since.Before(p.Until) {
				next = append(next, p) // no overlap
				continue
			}
			if p.Since.Before(d.Since) {
				next = append(next, Window{Since: p.Since, Until: d.Since})
			}
			if d.Until.Before(p.Until) {
				next = append(next, Window{Since: d.Until, Until: p.Until})
			}
		}
		parts = next
	}
	return parts
}

// add records w and merges touching intervals, keeping the record small.
func (s *BackfillState) add(w Window) {
	all := append(s.Done, w)
	sort.Slice(all, func(i, j int) bool { return all[i].Since.Before(all[j].Since) })
	merged := all[:0]
	for _, d := range all {
		if n := len(merged); n > 0 && !d.Since.After(merged[n-1].Until) {
			if d.Until.After(merged[n-1].Until) {
				merged[n-1].Until = d.Until
			}
			continue
		}
		merged = append(merged, d)
	}
	s.Done = merged
}

// SplitWindows cuts [since, until) into windows of length d (the last may be shorter).
func SplitWindows(since, until time.Time, d time.Duration) []Window {
	var out []Window
	for s := since; s.Before(until); s = s.Add(d) {
		u := s.Add(d)
		if u.After(until) {
			u = until
		}
		out = append(out, Window{Since: s.UTC(), Until: u.UTC()})
	}
	return out
}

// BackfillStream is the stream backfill reads: the catalog's System Log
// stream (streams.CursorLogPolling), read in bounded since/until windows
// instead of polling.
func BackfillStream() (streams.Stream, error) {
	ss := streams.WithCursor(streams.CursorLogPolling)
	if len(ss) != 1 {
		return streams.Stream{}, fmt.Errorf("backfill: the catalog has %d log-polling streams, want exactly one", len(ss))
	}
	return ss[0], nil
}

// Backfill reads system-log events published in [Since, Until) through
// bounded requests (since+until), several windows at once within the
// governor, and writes each event under the year/month/day of its published
// time. Finished windows are recorded after their objects are committed; a
// window interrupted mid-way has its partial objects removed before it is
// read again, so a resumed backfill neither duplicates nor misses an event.
func Backfill(ctx context.Context, cfg BackfillConfig) (*BackfillSummary, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	now := cfg.Clock.Now()
	st, err := BackfillStream()
	if err != nil {
		return nil, err
	}
	stateKey := lake.BackfillStateKey(cfg.Prefix, cfg.Namespace, st.Name)
	var state BackfillState
	if _, err := lake.ReadJSON(ctx, cfg.Store, stateKey, &state); err != nil {
		return nil, fmt.Errorf("reading backfill progress %s: %w", stateKey, err)
	}

	if err := recordRequest(ctx, cfg.Store, stateKey, &state, Window{Since: cfg.Since, Until: cfg.Until}); err != nil {
		return nil, err
	}

	cleaned := cleanStale(ctx, cfg.Store, cfg.Prefix, cfg.Namespace, cfg.StaleAge, cfg.Logger)

	if h := state.HandOff; h != nil && h.TakenOver && cfg.Until.After(h.Until) {
		// The polling stream holds everything from the hand-off on.
		cfg.Logger.Info("backfill: ending where the polling stream took over", "until", formatTime(h.Until))
		cfg.Until = h.Until
	}
	b := &backfill{cfg: cfg, stream: st, state: &state, stateKey: stateKey, start: now}
	var todo []Window
	for _, w := range SplitWindows(heldSince(cfg.Since, now, cfg.Logger, "backfill"), cfg.Until, cfg.Window) {
		parts := state.uncovered(w)
		if len(parts) == 0 {
			b.skipped++
		}
		todo = append(todo, parts...)
	}
	b.total = b.skipped + len(todo)

	// A failed window is recorded and the others go on: the next run
	// resumes it.
	var g errgroup.Group
	g.SetLimit(cfg.Workers)
	stopTicker := b.tick()
	for _, w := range todo {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil // interrupted while waiting for a worker: not started, not failed
			}
			if err := b.runWindow(ctx, w); err != nil {
				cfg.Logger.Error("backfill window failed", "window", w.String(), "err", err)
				b.mu.Lock()
				b.failed = append(b.failed, w)
				b.mu.Unlock()
			}
			b.report()
			return nil
		})
	}
	_ = g.Wait() // every window returns nil; failures are in b.failed
	stopTicker()
	b.report()

	sum := &BackfillSummary{BackfillProgress: b.progress(), Failed: b.failed, Buckets: cfg.Client.Stats(), Keys: b.keys, Objects: len(b.keys), Bytes: b.bytes, Cleaned: cleaned}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if len(b.failed) > 0 {
		return sum, fmt.Errorf("%d of %d windows failed (first: %s); run the same command again to resume", len(b.failed), len(todo), b.failed[0])
	}
	return sum, nil
}

type backfill struct {
	cfg      BackfillConfig
	stream   streams.Stream
	stateKey string
	start    time.Time
	events   atomic.Int64

	mu      sync.Mutex
	state   *BackfillState
	done    int
	skipped int
	total   int
	failed  []Window
	keys    []string
	bytes   int64
}

// runWindow reads one window and commits its objects, then records it done.
func (b *backfill) runWindow(ctx context.Context, w Window) error {
	writers := map[string]*lake.Writer{}
	abortAll := func() {
		for _, wr := range writers {
			_ = wr.Abort()
		}
	}
	writerFor := func(published time.Time) (*lake.Writer, error) {
		day := published.UTC().Truncate(24 * time.Hour)
		k := day.Format("2006-01-02")
		if wr, ok := writers[k]; ok {
			return wr, nil
		}
		// Event-time partitions: the key takes the day of the events. Its
		// time is the later of the window start and the day start, which no
		// other window of a backfill can share (windows are disjoint), so
		// keys of different windows never collide.
		keyTime := w.Since
		if day.After(keyTime) {
			keyTime = day
		}
		wcfg := lake.WriterConfig{
			Prefix: b.cfg.Prefix, Namespace: b.cfg.Namespace, Stream: b.stream.Name,
			PathFormat: b.cfg.PathFormat, Envelope: b.cfg.Envelope, MaxFileSize: b.cfg.MaxFileSize,
			Now: b.cfg.Clock.Now, KeyTime: keyTime, Format: b.cfg.Format,
		}
		if err := removePartial(ctx, b.cfg.Store, wcfg); err != nil {
			return nil, err
		}
		wr, err := lake.NewWriter(b.cfg.Store, wcfg)
		if err != nil {
			return nil, err
		}
		writers[k] = wr
		return wr, nil
	}

	q := url.Values{}
	q.Set("since", formatTime(w.Since))
	q.Set("until", formatTime(w.Until))
	q.Set("limit", fmt.Sprint(b.stream.PageSize))
	q.Set("sortOrder", "ASCENDING")
	var nearEnd []string // events the polling stream may read again (handoff.go)
	err := b.cfg.Client.List(ctx, b.stream.Path+"?"+q.Encode(), okta.ListOptions{}, func(p *okta.Page) error {
		for _, rec := range p.Records {
			published, err := time.Parse(time.RFC3339Nano, stringField(rec, "published"))
			if err != nil {
				return fmt.Errorf("event without a valid published time in %s: %.120s", w, rec)
			}
			if b.nearHandOff(published) {
				nearEnd = append(nearEnd, uuidOf(rec))
			}
			wr, err := writerFor(published)
			if err != nil {
				return err
			}
			if err := wr.Write(ctx, rec); err != nil {
				return err
			}
		}
		b.events.Add(int64(len(p.Records)))
		return nil
	})
	if err != nil {
		abortAll()
		return err
	}
	var keys []string
	var size int64
	for _, wr := range writers {
		if err := wr.Close(ctx); err != nil {
			abortAll()
			return fmt.Errorf("committing window %s: %w", w, err)
		}
		for _, o := range wr.Objects() {
			keys = append(keys, o.Key)
			size += o.Size
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.state.add(w)
	b.recordHandOff(w, nearEnd)
	if err := lake.WriteJSON(ctx, b.cfg.Store, b.stateKey, b.state); err != nil {
		return fmt.Errorf("recording window %s done: %w", w, err)
	}
	b.done++
	b.keys = append(b.keys, keys...)
	b.bytes += size
	return nil
}

func (b *backfill) progress() BackfillProgress {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := BackfillProgress{
		WindowsDone: b.done + b.skipped, WindowsTotal: b.total, WindowsSkipped: b.skipped,
		Events: b.events.Load(), Elapsed: b.cfg.Clock.Now().Sub(b.start),
	}
	if b.done > 0 {
		remaining := b.total - b.skipped - b.done - len(b.failed)
		p.ETA = time.Duration(float64(p.Elapsed) / float64(b.done) * float64(remaining))
	}
	return p
}

func (b *backfill) report() {
	if b.cfg.Progress != nil {
		b.cfg.Progress(b.progress())
	}
}

func (b *backfill) tick() func() {
	if b.cfg.Progress == nil {
		return func() {}
	}
	return schedule.Tick(b.cfg.ProgressEvery, b.report)
}

// removePartial deletes the objects an interrupted attempt at the same
// window left for this day. Their keys are deterministic (the key time is
// derived from the window), so the window can be read again from scratch
// without duplicating events. With ${UUID} in the path format keys are not
// deterministic and nothing can be found: the format is rejected up front.
func removePartial(ctx context.Context, store lake.Store, cfg lake.WriterConfig) error {
	format := cfg.PathFormat
	if format == "" {
		format = lake.DefaultPathFormat
	}
	pf, err := lake.ParsePathFormat(format)
	if err != nil {
		return err
	}
	base := pf.KeyBase(cfg.Prefix, lake.PathVars{Namespace: cfg.Namespace, Stream: cfg.Stream, Time: cfg.KeyTime})
	var stale []string
	err = store.List(ctx, base, "", func(o lake.ObjectInfo) error {
		if _, ok := lake.PartOf(base, o.Key); ok {
			stale = append(stale, o.Key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("looking for objects of an interrupted window under %s: %w", base, err)
	}
	for _, k := range stale {
		if err := store.Delete(ctx, k); err != nil {
			return fmt.Errorf("removing %s left by an interrupted window: %w", k, err)
		}
	}
	return nil
}
