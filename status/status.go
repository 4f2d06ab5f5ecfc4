// Package status reads a bucket and says, per stream and per loader, where
// the pipeline stands: the last extract run and its outcome, cursors, the
// lake's size, each loader's lag and dead letters, and backfill progress. It
// reads only the bucket: no Okta or Port credentials.
package status

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// Config says which lake to read and what counts as a problem.
type Config struct {
	// Store is the bucket; Prefix and Namespace locate the lake in it.
	Store     lake.Store
	Prefix    string
	Namespace string
	// Now is the time ages are measured against.
	Now time.Time
	// MaxLag, when set, makes a loader lagging past it a problem.
	MaxLag LagLimit
}

// Report is the whole status, as --json prints it.
type Report struct {
	Namespace string    `json:"namespace"`
	At        time.Time `json:"at"`
	// OK is false when Problems is not empty: a stream's last run failed
	// or a loader lags past the limit.
	OK        bool             `json:"ok"`
	Problems  []string         `json:"problems"`
	Streams   []StreamStatus   `json:"streams"`
	Loaders   []LoaderStatus   `json:"loaders"`
	Backfills []BackfillStatus `json:"backfills"`
}

// StreamStatus is one stream of the lake.
type StreamStatus struct {
	Stream string `json:"stream"`
	// LastRun is the stream's latest manifest (nil: no run wrote one).
	LastRun *Run `json:"lastRun"`
	// LastComplete is the sync id of the latest complete run, when the last
	// run is not complete (0: none).
	LastComplete int64 `json:"lastComplete,omitempty"`
	// Cursor is the stream's incremental state (nil: none stored).
	Cursor *extract.StreamState `json:"cursor"`
	// Objects and Bytes are the stream's data objects in the lake now.
	Objects int64 `json:"objects"`
	Bytes   int64 `json:"bytes"`
}

// Run is what one extract run wrote for a stream, from its manifest.
type Run struct {
	SyncID     int64     `json:"syncId"`
	Kind       string    `json:"kind"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
	Records    int64     `json:"records"`
	Tombstones int64     `json:"tombstones"`
	Objects    int       `json:"objects"`
	// Outcome is "complete" or "incomplete"; Reason says why not complete.
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
}

// Run outcomes.
const (
	OutcomeComplete   = "complete"
	OutcomeIncomplete = "incomplete"
)

// LoaderStatus is one loader name's progress through the lake.
type LoaderStatus struct {
	Name string `json:"name"`
	// LastLoad is when its checkpoint was last written (nil: it has none,
	// only dead letters).
	LastLoad *time.Time `json:"lastLoad"`
	// Pending counts the data objects it has not loaded; OldestPending is
	// the oldest of them (by modification time) and OldestPendingAge its
	// age at Report.At, in whole seconds.
	Pending          int64      `json:"pending"`
	OldestPending    *time.Time `json:"oldestPending"`
	OldestPendingAge int64      `json:"oldestPendingAgeSeconds"`
	// Streams are the per-stream figures.
	Streams []LoaderStream `json:"streams"`
	// DeadLetters count its dead letters by stream and reason.
	DeadLetters []DeadLetterCount `json:"deadLetters"`
}

// LoaderStream is one stream of a loader.
type LoaderStream struct {
	Stream string `json:"stream"`
	// Loaded and Records count what the loader recorded as loaded since its
	// checkpoint began.
	Loaded        int64      `json:"loadedObjects"`
	Records       int64      `json:"loadedRecords"`
	Pending       int64      `json:"pending"`
	OldestPending *time.Time `json:"oldestPending"`
}

// DeadLetterCount is how many dead letters a loader holds for one stream
// and reason.
type DeadLetterCount struct {
	Stream string `json:"stream"`
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// BackfillStatus is a stream's backfill progress.
type BackfillStatus struct {
	Stream string `json:"stream"`
	// Requested are the ranges backfills were asked for (empty in progress
	// objects written before they were recorded).
	Requested []extract.Window `json:"requested"`
	Done      []extract.Window `json:"done"`
	// Pending are the requested ranges not read yet (a failed or
	// interrupted window leaves one until the backfill is run again);
	// without Requested, the gaps between finished windows.
	Pending []extract.Window `json:"pending"`
}

// Collect reads the lake and builds the report.
func Collect(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Store == nil {
		return nil, errors.New("status: no bucket")
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "okta"
	}
	r := &Report{Namespace: cfg.Namespace, At: cfg.Now.UTC(), Problems: []string{}, Streams: []StreamStatus{}, Loaders: []LoaderStatus{}, Backfills: []BackfillStatus{}}

	objects, err := listData(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var state extract.State
	stateKey := lake.StateKey(cfg.Prefix, cfg.Namespace)
	if _, err := lake.ReadJSON(ctx, cfg.Store, stateKey, &state); err != nil {
		return nil, fmt.Errorf("reading extract state %s: %w", stateKey, err)
	}
	manifestStreams, err := listManifestStreams(ctx, cfg)
	if err != nil {
		return nil, err
	}
	for _, name := range streamNames(objects, state, manifestStreams) {
		st, err := streamStatus(ctx, cfg, name, objects[name], state)
		if err != nil {
			return nil, err
		}
		if st.LastRun != nil && st.LastRun.Outcome != OutcomeComplete {
			p := fmt.Sprintf("stream %s: last run (sync %d) is incomplete", name, st.LastRun.SyncID)
			if st.LastRun.Reason != "" {
				p += ": " + st.LastRun.Reason
			}
			r.Problems = append(r.Problems, p)
		}
		r.Streams = append(r.Streams, st)
	}

	loaders, err := collectLoaders(ctx, cfg, objects)
	if err != nil {
		return nil, err
	}
	for _, l := range loaders {
		if p := cfg.MaxLag.exceeded(l); p != "" {
			r.Problems = append(r.Problems, fmt.Sprintf("loader %s: %s", displayName(l.Name), p))
		}
	}
	r.Loaders = loaders

	if r.Backfills, err = collectBackfills(ctx, cfg); err != nil {
		return nil, err
	}
	r.OK = len(r.Problems) == 0
	return r, nil
}

// displayName names the loader without a name of its own.
func displayName(name string) string {
	if name == "" {
		return "(unnamed)"
	}
	return name
}

// listData lists the lake's data objects, by stream (the first key
// segment under <prefix>/<namespace>/, as load finds streams).
func listData(ctx context.Context, cfg Config) (map[string][]lake.ObjectInfo, error) {
	base := lake.JoinKey(cfg.Prefix, cfg.Namespace) + "/"
	out := map[string][]lake.ObjectInfo{}
	err := cfg.Store.List(ctx, base, "", func(o lake.ObjectInfo) error {
		rest := strings.TrimPrefix(o.Key, base)
		i := strings.IndexByte(rest, '/')
		if i <= 0 || !lake.IsDataObject(o.Key) {
			return nil
		}
		out[rest[:i]] = append(out[rest[:i]], o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", base, err)
	}
	return out, nil
}

// listManifestStreams finds the streams that have manifests.
func listManifestStreams(ctx context.Context, cfg Config) (map[string]bool, error) {
	base := strings.TrimSuffix(lake.ManifestsPrefix(cfg.Prefix, cfg.Namespace, "x"), "x/")
	out := map[string]bool{}
	err := cfg.Store.List(ctx, base, "", func(o lake.ObjectInfo) error {
		rest := strings.TrimPrefix(o.Key, base)
		if i := strings.IndexByte(rest, '/'); i > 0 {
			out[rest[:i]] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing manifests under %s: %w", base, err)
	}
	return out, nil
}

// streamNames are the streams with objects, a cursor or a manifest, in
// the catalog's order, then unknown ones by name.
func streamNames(objects map[string][]lake.ObjectInfo, state extract.State, manifests map[string]bool) []string {
	found := map[string]bool{}
	for s := range objects {
		found[s] = true
	}
	for s := range state.Streams {
		found[s] = true
	}
	for s := range manifests {
		found[s] = true
	}
	var out []string
	for _, s := range streams.All() {
		if found[s.Name] {
			out = append(out, s.Name)
			delete(found, s.Name)
		}
	}
	rest := make([]string, 0, len(found))
	for s := range found {
		rest = append(rest, s)
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func streamStatus(ctx context.Context, cfg Config, name string, objects []lake.ObjectInfo, state extract.State) (StreamStatus, error) {
	st := StreamStatus{Stream: name, Objects: int64(len(objects))}
	for _, o := range objects {
		st.Bytes += o.Size
	}
	if ss, ok := state.Streams[name]; ok {
		st.Cursor = &ss
	}
	ms, err := lake.ListManifests(ctx, cfg.Store, cfg.Prefix, cfg.Namespace, name, 0)
	if err != nil {
		return st, fmt.Errorf("stream %s: %w", name, err)
	}
	if len(ms) == 0 {
		return st, nil
	}
	last := ms[len(ms)-1]
	st.LastRun = &Run{SyncID: last.SyncID, Kind: last.Kind, StartedAt: last.StartedAt.UTC(), FinishedAt: last.FinishedAt.UTC(),
		Records: last.Records, Tombstones: last.Tombstones, Objects: len(last.Objects), Outcome: OutcomeComplete}
	if !last.Complete {
		st.LastRun.Outcome, st.LastRun.Reason = OutcomeIncomplete, last.Reason
		for i := len(ms) - 2; i >= 0; i-- {
			if ms[i].Complete {
				st.LastComplete = ms[i].SyncID
				break
			}
		}
	}
	return st, nil
}
