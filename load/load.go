// Package load tails the bucket that extract (or Airbyte's destination-s3)
// writes, runs Port's jq mapping on every record and upserts the entities
// into Port. Loading is at least once: an object is checkpointed only after
// every entity it produced was accepted by Port or dead-lettered with its
// reason, so a crash re-processes at most the object in progress.
package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/internal/schedule"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load/mapping"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/webhook"
	"github.com/oktalake/oktalake/streams"
)

// Config configures the loader.
type Config struct {
	// Store is the bucket; Prefix and Namespace locate the streams in it.
	Store     lake.Store
	Prefix    string
	Namespace string
	// Name names the checkpoint and the dead letters (several loaders may
	// read one bucket, each into its own Port); default DefaultName. It is
	// a key segment: no '/'.
	Name string
	// Streams limits what is loaded (empty: every stream found).
	Streams []string
	// Mapping turns records into entities.
	Mapping *mapping.Mapping
	// Port receives the entities.
	Port *port.Client
	// Webhook, when set, receives the records instead, for a Port webhook
	// integration's own mapping to make the entities (Mapping and Port are
	// then unused).
	Webhook *webhook.Client
	// Enricher, when set, adds to records what the mapping's Ocean
	// selectors ask for (load/enrich joins it from the lake): prepared at
	// the start of every pass, applied to each record before mapping.
	Enricher Enricher
	// Follow keeps polling after the first pass.
	Follow bool
	// PollInterval is the time between passes in follow mode (default 30s).
	PollInterval time.Duration
	// FullListEvery is how often a follow run lists every key of every
	// stream (default DefaultFullListEvery); passes in between list from
	// each stream's last key (listing.go).
	FullListEvery time.Duration
	// Wake, when set, starts a pass at once (bucket notifications); polling
	// stays the safety net.
	Wake <-chan struct{}
	// BatchSize is how many entities of one blueprint are gathered before a
	// flush to Port (the client splits them into Port's bulk limits); default
	// DefaultBatchSize.
	BatchSize int
	// MaxLineBytes bounds a line of an object (--max-line-size; default
	// lake.DefaultMaxLineBytes); longer lines are dead-lettered unread.
	MaxLineBytes int
	// DrainTimeout bounds how long an interrupted loader spends finishing the
	// object in progress (default 2 minutes).
	DrainTimeout time.Duration
	Clock        clock.Clock
	Logger       *slog.Logger
	// DeleteThreshold is the share of a blueprint's owned entities one run
	// may delete; above it nothing is deleted and the run fails (default
	// DefaultDeleteThreshold, as Ocean's entityDeletionThreshold).
	DeleteThreshold float64
	// NoDeletes leaves every delete pending: nothing is deleted in Port.
	NoDeletes bool
	// Resync ignores the ledger's hashes for one run (in follow mode, its
	// first pass): every entity the pass's objects produce is posted,
	// overwriting hand edits in Port, and the ledger records the hashes
	// Port accepted. Objects already loaded are not read again: to post
	// the whole org, extract a full snapshot first.
	Resync bool
	// DeleteDependents sends this loader's deletes with Port's
	// delete_dependents, so Port also deletes the entities that relate to
	// them (needed when a blueprint has a required relation, as seed 003's
	// okta_event.OktaUser). Without it a delete Port refuses for dependents
	// stays pending and fails the run (*DependentsError).
	DeleteDependents bool
	// Plan computes what a load would send and delete without sending,
	// deleting, or writing checkpoints, dead letters or the ledger.
	Plan bool
	// Progress, when set, is called about every second while objects load
	// (the CLI draws it on a terminal); ProgressEvery changes the period.
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// Progress is a snapshot of a running load.
type Progress struct {
	Objects, Records, Entities int64
	Elapsed                    time.Duration
}

func (p Progress) String() string {
	rate := 0.0
	if p.Elapsed > 0 {
		rate = float64(p.Entities) / p.Elapsed.Seconds()
	}
	return fmt.Sprintf("objects %d  records %d  entities %d  %.0f entities/s", p.Objects, p.Records, p.Entities, rate)
}

// SetDefaults fills zero fields.
func (c *Config) SetDefaults() {
	if c.Prefix == "" {
		c.Prefix = lake.DefaultPrefix
	}
	if c.Namespace == "" {
		c.Namespace = lake.DefaultNamespace
	}
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.FullListEvery <= 0 {
		c.FullListEvery = DefaultFullListEvery
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.DeleteThreshold <= 0 {
		c.DeleteThreshold = DefaultDeleteThreshold
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 2 * time.Minute
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports the first invalid field.
func (c *Config) Validate() error {
	switch {
	case c.Store == nil:
		return errors.New("load: no bucket")
	case c.Mapping == nil && c.Webhook == nil:
		return errors.New("load: no mapping")
	case c.Port == nil && c.Webhook == nil:
		return errors.New("load: no Port client")
	case c.Plan && c.Follow:
		return errors.New("load.Config.Plan: a plan runs once; it cannot follow")
	case c.DeleteThreshold > 1:
		return fmt.Errorf("load.Config.DeleteThreshold: %v: want a share between 0 and 1", c.DeleteThreshold)
	case strings.ContainsAny(c.Name, "/\\") || strings.ContainsFunc(c.Name, unicode.IsControl) || c.Name == "." || c.Name == "..":
		return fmt.Errorf("load.Config.Name: loader name %q: want one key segment (no '/', '\\' or control characters)", c.Name)
	}
	return nil
}

// Enricher adds fields to records before they are mapped.
type Enricher interface {
	// Prepare readies the enrichment for a pass over the bucket.
	Prepare(ctx context.Context) error
	// Enrich returns the record of stream with its fields added.
	Enrich(ctx context.Context, stream string, record json.RawMessage) (json.RawMessage, error)
}

// DefaultName is the name of a loader not given one.
const DefaultName = "default"

// Loader loads a bucket into Port.
type Loader struct {
	// live counters for progress displays
	liveRecords, liveEntities, liveObjects atomic.Int64

	cfg  Config
	cp   *checkpointStore
	mu   sync.Mutex
	sums map[string]*StreamSummary
	// warned remembers streams already warned about (follow mode repeats
	// passes); "" is the warning that no data object was found.
	warned map[string]bool
	// found counts the data objects listed in the current pass.
	found int
	bps   map[string]int64
	// own holds the ledgers opened by this loader.
	own *owned
	// deleted counts entities deleted per blueprint after passes;
	// deleteErr is the last pass's deletes held back (*ThresholdError,
	// *DependentsError).
	deleted   map[string]int64
	deleteErr error
	// plan gathers what a Plan run would do.
	plan *Plan
	// resync is Config.Resync until the first pass is over.
	resync bool
	// portIdx is Port's content of the mapping's blueprints while a pass
	// rebuilds ledgers (rebuild.go); dropped after the pass.
	portIdx portIndex
	// lists is what a follow run's listings found (listing.go).
	lists listCache
}

// New prepares a loader and reads its checkpoint.
func New(ctx context.Context, cfg Config) (*Loader, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cp, err := loadCheckpoint(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Loader{cfg: cfg, cp: cp, sums: map[string]*StreamSummary{}, warned: map[string]bool{}, bps: map[string]int64{}, own: newOwned(), deleted: map[string]int64{}, plan: newPlan(), resync: cfg.Resync}, nil
}

// Run loads every pending object once, or keeps going in follow mode until
// ctx is cancelled. Cancelling finishes the object in progress and
// checkpoints it before returning; if objects were left pending, the error
// says so (it wraps ctx's error). Summary.Err reports a run that returned
// no error but did not do its job.
func (l *Loader) Run(ctx context.Context) (*Summary, error) {
	start := l.cfg.Clock.Now()
	defer l.reportProgress(start)()
	for {
		if err := l.pass(ctx); err != nil {
			// Even when interrupted: the object in progress failed and is
			// not checkpointed, or objects are left, which the exit code
			// must say.
			sum := l.summary(start)
			var ie *interruptedError
			if errors.As(err, &ie) {
				sum.Stopped = ie.Error()
			}
			return sum, err
		}
		if !l.cfg.Follow || ctx.Err() != nil {
			return l.summary(start), nil
		}
		// The poll timer is stopped when a notification wins, so frequent
		// notifications do not pile up sleeping timers.
		wait, stop := context.WithCancel(ctx)
		select {
		case <-ctx.Done():
			stop()
			return l.summary(start), nil
		case <-l.cfg.Wake:
			l.cfg.Logger.Debug("woken by a bucket notification")
		case <-l.after(wait, l.cfg.PollInterval):
		}
		stop()
	}
}

// interruptedError is a run stopped (ctx cancelled) with work left.
type interruptedError struct {
	stream  string   // the stream whose objects were left, or ""
	left    int      // objects of stream left pending
	streams []string // streams not listed yet
	cause   error
}

func (e *interruptedError) Error() string {
	var what []string
	if e.left > 0 {
		what = append(what, fmt.Sprintf("%d objects of %s not loaded", e.left, e.stream))
	}
	if len(e.streams) > 0 {
		what = append(what, "streams "+strings.Join(e.streams, ", ")+" not loaded")
	}
	return fmt.Sprintf("interrupted with %s (the next run loads them): %v", strings.Join(what, " and "), e.cause)
}

func (e *interruptedError) Unwrap() error { return e.cause }

func (l *Loader) after(ctx context.Context, d time.Duration) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		if l.cfg.Clock.Sleep(ctx, d) == nil {
			close(ch)
		}
	}()
	return ch
}

// pass lists every stream and loads what is pending, stream by stream in
// dependency order and object by object in key order. Interrupted with work
// left it returns an *interruptedError; in follow mode, streams not listed
// yet are not work left (stopping between passes is how follow ends).
func (l *Loader) pass(ctx context.Context) error {
	l.beginPass()
	names, err := l.streamNames(ctx)
	if err == nil && l.cfg.Enricher != nil {
		if err = l.cfg.Enricher.Prepare(ctx); err != nil {
			err = fmt.Errorf("preparing the Ocean enrichments: %w", err)
		}
	}
	if err != nil {
		if ctx.Err() != nil && l.cfg.Follow {
			return nil
		}
		return err
	}
	l.found = 0
	for i, stream := range names {
		if ctx.Err() != nil {
			if l.cfg.Follow {
				return nil
			}
			return &interruptedError{streams: names[i:], cause: ctx.Err()}
		}
		if err := l.loadStream(ctx, stream); err != nil {
			var ie *interruptedError
			if errors.As(err, &ie) {
				if !l.cfg.Follow {
					ie.streams = append(ie.streams, names[i+1:]...)
				}
				return ie
			}
			return fmt.Errorf("loading stream %s: %w", stream, err)
		}
		l.warnUnmatched(stream)
	}
	l.portIdx = nil
	l.resync = false // a follow run resyncs its first pass only
	if ctx.Err() == nil {
		if err := l.deletePass(ctx); err != nil {
			return fmt.Errorf("deleting: %w", err)
		}
	}
	if l.found == 0 && ctx.Err() == nil && !l.warned[""] {
		l.warned[""] = true
		l.cfg.Logger.Warn("no data objects where the layout puts them", "listed", l.listing(), "streams", len(names))
	}
	return nil
}

// listing is where the loader looks for data objects.
func (l *Loader) listing() string { return lake.JoinKey(l.cfg.Prefix, l.cfg.Namespace) + "/" }

// streamNames finds the streams present in the bucket, in load order.
func (l *Loader) streamNames(ctx context.Context) ([]string, error) {
	base := lake.JoinKey(l.cfg.Prefix, l.cfg.Namespace) + "/"
	found := map[string]bool{}
	if len(l.cfg.Streams) > 0 {
		for _, s := range l.cfg.Streams {
			found[s] = true
		}
	} else {
		var err error
		if found, err = listStreamNames(ctx, l.cfg.Store, base); err != nil {
			return nil, err
		}
	}
	return orderStreams(found), nil
}

// orderStreams puts the streams found in the order they load in
// (streams.LoadOrder), so relation targets exist before the entities that
// point at them: users and groups before memberships, users before role
// assignments and events. Streams the catalog does not know load
// afterwards in name order.
func orderStreams(found map[string]bool) []string {
	var out []string
	for _, s := range streams.LoadOrder() {
		if found[s] {
			out = append(out, s)
			delete(found, s)
		}
	}
	var rest []string
	for s := range found {
		rest = append(rest, s)
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func (l *Loader) loadStream(ctx context.Context, stream string) error {
	listed, err := l.listStream(ctx, stream)
	if err != nil {
		if ctx.Err() != nil {
			// Interrupted between objects: nothing in progress.
			return l.interrupted(ctx, stream, 0)
		}
		return err
	}
	l.found += len(listed)
	pending, err := l.cp.pending(ctx, stream, listed)
	if err != nil {
		if ctx.Err() != nil {
			return l.interrupted(ctx, stream, 0)
		}
		return err
	}
	// Parts of one object name load in part order: Airbyte's part numbers are
	// not padded, so "_10" sorts before "_2" in key order.
	sort.SliceStable(pending, func(i, j int) bool { return partLess(pending[i].Key, pending[j].Key) })
	if idle, err := l.idle(ctx, stream, pending); err != nil || idle {
		if err != nil && ctx.Err() != nil {
			return l.interrupted(ctx, stream, 0)
		}
		return err
	}
	led, err := l.ledgerOf(ctx, stream)
	if err != nil {
		if ctx.Err() != nil {
			return l.interrupted(ctx, stream, 0)
		}
		return err
	}
	ms, err := l.readManifests(ctx, stream, led)
	if err != nil {
		if ctx.Err() != nil {
			return l.interrupted(ctx, stream, 0)
		}
		return err
	}
	listedKeys := make(map[string]bool, len(listed))
	for _, o := range listed {
		listedKeys[o.Key] = true
	}
	failed := make(map[string]bool, len(pending))
	for _, o := range pending {
		failed[o.Key] = true // until loaded
	}
	for i, o := range pending {
		if ctx.Err() != nil {
			return l.interrupted(ctx, stream, len(pending)-i)
		}
		// Finish the object even if interrupted now: its entities are
		// already on their way, and checkpointing it keeps the next run short.
		octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.DrainTimeout)
		err := l.loadObject(octx, stream, o, led)
		cancel()
		if err != nil {
			return err
		}
		delete(failed, o.Key)
	}
	if err := l.applySnapshots(ctx, stream, led, ms, func(key string) bool { return listedKeys[key] && !failed[key] }); err != nil {
		return err
	}
	l.evict(stream) // saved: one stream's ledger in memory at a time
	return nil
}

// idle reports a stream with nothing to do in this pass: no object
// pending and no manifest newer than the one its ledger, read in an
// earlier pass, dealt with. Its ledger is not read.
func (l *Loader) idle(ctx context.Context, stream string, pending []lake.ObjectInfo) (bool, error) {
	if len(pending) > 0 {
		return false, nil
	}
	after, ok := l.own.appliedOf(stream)
	if !ok {
		return false, nil
	}
	ms, err := lake.ListManifests(ctx, l.cfg.Store, l.cfg.Prefix, l.cfg.Namespace, stream, after)
	if err != nil {
		return false, err
	}
	return len(ms) == 0, nil
}

// interrupted reports a stream left with left objects pending (0: not
// known, the stream was not listed): an error outside follow mode, and in
// follow mode only when objects are known to be left.
func (l *Loader) interrupted(ctx context.Context, stream string, left int) error {
	if left == 0 && l.cfg.Follow {
		return nil
	}
	if left == 0 {
		return &interruptedError{streams: []string{stream}, cause: ctx.Err()}
	}
	return &interruptedError{stream: stream, left: left, cause: ctx.Err()}
}

// DefaultBatchSize is 24 bulk requests of Port's 20 entities: three full
// rounds at the Port client's default concurrency of 8. A flush that ends
// with a part-empty round (500 made 25 requests, the last one alone) leaves
// connections idle while Port answers; BenchmarkLoad measured 480 about 25%
// faster than 500 at 30 ms per request.
const DefaultBatchSize = 480

// DefaultPollInterval is the time between passes in follow mode.
const DefaultPollInterval = 30 * time.Second

// warnUnmatched says so when no mapping applied to any record of a stream:
// usually a mapping meant for other streams, or a key layout the mapping's
// filters do not expect (Port's mappings read the stream name from the third
// key segment, so the prefix must be one segment).
func (l *Loader) warnUnmatched(stream string) {
	l.mu.Lock()
	s := l.sums[stream]
	l.mu.Unlock()
	if s != nil && s.Records > 0 && s.Unmatched == s.Records && !l.warned[stream] {
		l.warned[stream] = true
		l.cfg.Logger.Warn("no mapping applied to any record of this stream; check the mapping's filters and that the key prefix is one segment",
			"stream", stream, "records", s.Records, "example key prefix", lake.JoinKey(l.cfg.Prefix, l.cfg.Namespace, stream))
	}
}

// reportProgress calls cfg.Progress every second (wall time) until stopped.
func (l *Loader) reportProgress(start time.Time) (stop func()) {
	if l.cfg.Progress == nil {
		return func() {}
	}
	return schedule.Tick(l.cfg.ProgressEvery, func() {
		l.cfg.Progress(Progress{Objects: l.liveObjects.Load(), Records: l.liveRecords.Load(), Entities: l.liveEntities.Load(), Elapsed: l.cfg.Clock.Now().Sub(start)})
	})
}

// partLess orders keys by the name before their part number, then by the
// part number as a number ("x_2.jsonl.gz" before "x_10.jsonl.gz").
func partLess(a, b string) bool {
	ab, an, aok := lake.ParsePartKey(a)
	bb, bn, bok := lake.ParsePartKey(b)
	if !aok || !bok || ab != bb {
		return a < b
	}
	return an < bn
}
