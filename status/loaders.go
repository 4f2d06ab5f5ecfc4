package status

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load"
)

// collectLoaders reports every loader name that has a checkpoint or dead
// letters. A loader's lag counts every data object of every stream in the
// lake that its checkpoint does not hold, as the loader itself decides
// (load.Checkpoint): a stream it has never loaded lags in full.
func collectLoaders(ctx context.Context, cfg Config, objects map[string][]lake.ObjectInfo) ([]LoaderStatus, error) {
	byName := map[string]*LoaderStatus{}
	get := func(name string) *LoaderStatus {
		l := byName[name]
		if l == nil {
			l = &LoaderStatus{Name: name, Streams: []LoaderStream{}, DeadLetters: []DeadLetterCount{}}
			byName[name] = l
		}
		return l
	}

	// Checkpoints are <prefix>/_oktalake/loader/<name>.json (archives sit
	// in a directory beside them).
	base := strings.TrimSuffix(lake.CheckpointKey(cfg.Prefix, "x"), "x.json")
	checkpoints := map[string]lake.ObjectInfo{}
	err := cfg.Store.List(ctx, base, "", func(o lake.ObjectInfo) error {
		rest := strings.TrimPrefix(o.Key, base)
		if name, ok := strings.CutSuffix(rest, ".json"); ok && !strings.Contains(name, "/") && name != "" {
			checkpoints[name] = o
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing loader checkpoints under %s: %w", base, err)
	}
	for name, info := range checkpoints {
		l := get(name)
		t := info.LastModified.UTC()
		l.LastLoad = &t
		if err := loaderLag(ctx, cfg, l, objects); err != nil {
			return nil, err
		}
	}

	if err := countDeadLetters(ctx, cfg, get); err != nil {
		return nil, err
	}

	out := make([]LoaderStatus, 0, len(byName))
	for _, l := range byName {
		sort.Slice(l.DeadLetters, func(i, j int) bool {
			a, b := l.DeadLetters[i], l.DeadLetters[j]
			if a.Stream != b.Stream {
				return a.Stream < b.Stream
			}
			return a.Reason < b.Reason
		})
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// loaderLag fills l's per-stream figures from its checkpoint and the listing.
func loaderLag(ctx context.Context, cfg Config, l *LoaderStatus, objects map[string][]lake.ObjectInfo) error {
	key := lake.CheckpointKey(cfg.Prefix, l.Name)
	var cp load.Checkpoint
	if _, err := lake.ReadJSON(ctx, cfg.Store, key, &cp); err != nil {
		return fmt.Errorf("reading loader checkpoint %s: %w", key, err)
	}
	names := map[string]bool{}
	for s := range objects {
		names[s] = true
	}
	for s := range cp.Streams {
		names[s] = true
	}
	sorted := make([]string, 0, len(names))
	for s := range names {
		sorted = append(sorted, s)
	}
	sort.Strings(sorted)
	for _, stream := range sorted {
		ls := LoaderStream{Stream: stream}
		sc := cp.Streams[stream]
		var archived map[string]bool
		if sc != nil {
			ls.Loaded, ls.Records = sc.Objects, sc.Records
			if sc.Archive != nil {
				var err error
				if archived, err = load.ReadArchive(ctx, cfg.Store, sc.Archive.Key); err != nil {
					return fmt.Errorf("loader %s, stream %s: %w", displayName(l.Name), stream, err)
				}
			}
		}
		for _, o := range objects[stream] {
			if sc != nil {
				if _, done := sc.Done[o.Key]; done {
					continue
				}
			}
			if archived[o.Key] {
				continue
			}
			ls.Pending++
			if t := o.LastModified.UTC(); ls.OldestPending == nil || t.Before(*ls.OldestPending) {
				ls.OldestPending = &t
			}
		}
		l.Pending += ls.Pending
		if ls.OldestPending != nil && (l.OldestPending == nil || ls.OldestPending.Before(*l.OldestPending)) {
			t := *ls.OldestPending
			l.OldestPending = &t
		}
		l.Streams = append(l.Streams, ls)
	}
	if l.OldestPending != nil {
		if age := cfg.Now.Sub(*l.OldestPending); age > 0 {
			l.OldestPendingAge = int64(age / time.Second)
		}
	}
	return nil
}

// countDeadLetters reads every dead-letter object under the errors root
// and counts its lines by loader, stream and reason.
func countDeadLetters(ctx context.Context, cfg Config, get func(string) *LoaderStatus) error {
	root := lake.ErrorsRoot(cfg.Prefix)
	var keys []string
	err := cfg.Store.List(ctx, root, "", func(o lake.ObjectInfo) error {
		if lake.IsDataObject(o.Key) {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("listing dead letters under %s: %w", root, err)
	}
	counts := map[string]map[[2]string]int64{}
	for _, key := range keys {
		loader, stream, ok := lake.ParseDeadLetterKey(cfg.Prefix, key)
		if !ok {
			continue
		}
		if counts[loader] == nil {
			counts[loader] = map[[2]string]int64{}
		}
		if err := readDeadLetters(ctx, cfg.Store, key, func(dl deadLetter) {
			s := dl.Stream
			if s == "" {
				s = stream
			}
			counts[loader][[2]string{s, dl.Reason}]++
		}); err != nil {
			return err
		}
	}
	for loader, byReason := range counts {
		l := get(loader)
		for k, n := range byReason {
			l.DeadLetters = append(l.DeadLetters, DeadLetterCount{Stream: k[0], Reason: k[1], Count: n})
		}
	}
	return nil
}

// deadLetter is what status reads of a load.DeadLetter.
type deadLetter struct {
	Stream string `json:"stream"`
	Reason string `json:"reason"`
}

// readDeadLetters calls fn for each dead letter of one object (gzip JSONL,
// one load.DeadLetter a line). A line that does not decode is an error
// naming the object and line.
func readDeadLetters(ctx context.Context, s lake.Store, key string, fn func(deadLetter)) error {
	rc, err := s.Open(ctx, key)
	if err != nil {
		return fmt.Errorf("opening dead letters %s: %w", key, err)
	}
	defer rc.Close()
	var r io.Reader = rc
	if strings.HasSuffix(key, ".gz") {
		zr, err := gzip.NewReader(rc)
		if err != nil {
			return fmt.Errorf("reading dead letters %s: %w", key, err)
		}
		r = zr
	}
	br := bufio.NewReader(r)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(strings.TrimSpace(string(b))) > 0 {
			var dl deadLetter
			if jerr := json.Unmarshal(b, &dl); jerr != nil {
				return fmt.Errorf("reading dead letters %s line %d: %w", key, line, jerr)
			}
			fn(dl)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading dead letters %s line %d: %w", key, line, err)
		}
	}
}
