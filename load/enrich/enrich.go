// Package enrich adds to records the lists that an Ocean mapping's selector
// options ask for (include_groups, include_members, include_applications),
// joining them from the lake's membership and assignment streams instead of
// calling Okta as Port's Ocean integration does. The join is an external
// sort: memory holds one sort buffer and a sparse index, whatever the
// streams' size; the tables live in temporary files.
package enrich

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

// DefaultSortBytes is the sort buffer of a Joiner not given one.
const DefaultSortBytes = 32 << 20

// Config configures a Joiner.
type Config struct {
	// Store, Prefix and Namespace locate the streams (defaults: lake's).
	Store     lake.Store
	Prefix    string
	Namespace string
	// Enrichments are the lists to add (mapping.Mapping.Enrichments).
	Enrichments []streams.Enrichment
	// Dir holds the sort runs and tables (default: the system's temporary
	// directory); they are removed by Close.
	Dir string
	// SortBytes bounds the entries sorted in memory before a run is
	// spilled to disk (default DefaultSortBytes).
	SortBytes int
	// MaxLineBytes bounds a line of an object (default lake's).
	MaxLineBytes int
	// Logger receives what the join skipped; nil discards.
	Logger *slog.Logger
}

// Stats counts a Joiner's work.
type Stats struct {
	// Records is the number of source records read; Skipped those without
	// the key fields the join needs (counted, never fatal).
	Records, Skipped int64
	// Spills is the number of sorted runs written to disk.
	Spills int64
	// Lookups counts the records enriched; Elements the list elements added.
	Lookups, Elements int64
}

// Joiner adds the configured lists to records. Prepare builds its tables
// from the lake; Enrich is safe for concurrent use between Prepares.
type Joiner struct {
	cfg Config

	mu       sync.RWMutex
	tables   map[streams.Enrichment]*table
	built    string // the listing the tables were built from
	byTarget map[string][]streams.Enrichment

	spills            int64
	records, skipped  atomic.Int64
	lookups, elements atomic.Int64
}

// New returns a Joiner; it reads nothing before Prepare.
func New(cfg Config) *Joiner {
	if cfg.Prefix == "" {
		cfg.Prefix = lake.DefaultPrefix
	}
	if cfg.Namespace == "" {
		cfg.Namespace = lake.DefaultNamespace
	}
	if cfg.SortBytes <= 0 {
		cfg.SortBytes = DefaultSortBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	j := &Joiner{cfg: cfg, byTarget: map[string][]streams.Enrichment{}}
	for _, e := range cfg.Enrichments {
		j.byTarget[e.Target] = append(j.byTarget[e.Target], e)
	}
	return j
}

// Stats returns the counters.
func (j *Joiner) Stats() Stats {
	j.mu.RLock()
	spills := j.spills
	j.mu.RUnlock()
	return Stats{Records: j.records.Load(), Skipped: j.skipped.Load(), Spills: spills, Lookups: j.lookups.Load(), Elements: j.elements.Load()}
}

// Prepare (re)builds the join tables from the lake's current objects; it
// does nothing when the source streams' objects are those of the last build.
func (j *Joiner) Prepare(ctx context.Context) error {
	if len(j.cfg.Enrichments) == 0 {
		return nil
	}
	needed := map[string]bool{}
	for _, e := range j.cfg.Enrichments {
		needed[e.Source] = true
		if e.ValueFrom != "" {
			needed[e.ValueFrom] = true
		}
	}
	listing := map[string][]lake.ObjectInfo{}
	var sig strings.Builder
	for _, name := range slices.Sorted(maps.Keys(needed)) {
		objs, err := j.list(ctx, name)
		if err != nil {
			return err
		}
		listing[name] = objs
		for _, o := range objs {
			fmt.Fprintf(&sig, "%s %d\n", o.Key, o.Size)
		}
	}
	j.mu.RLock()
	same := j.tables != nil && j.built == sig.String()
	j.mu.RUnlock()
	if same {
		return nil
	}
	tables, spills, err := j.build(ctx, listing)
	if err != nil {
		for _, t := range tables {
			t.close()
		}
		return err
	}
	j.mu.Lock()
	old := j.tables
	j.tables, j.built = tables, sig.String()
	j.spills += spills
	j.mu.Unlock()
	for _, t := range old {
		t.close()
	}
	return nil
}

// list returns a stream's data objects, in key order.
func (j *Joiner) list(ctx context.Context, stream string) ([]lake.ObjectInfo, error) {
	prefix := lake.JoinKey(j.cfg.Prefix, j.cfg.Namespace, stream) + "/"
	var out []lake.ObjectInfo
	err := j.cfg.Store.List(ctx, prefix, "", func(o lake.ObjectInfo) error {
		if lake.IsDataObject(o.Key) {
			out = append(out, o)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s for the Ocean enrichments: %w", prefix, err)
	}
	return out, nil
}

// build makes one table per enrichment: target key → list elements.
func (j *Joiner) build(ctx context.Context, listing map[string][]lake.ObjectInfo) (map[streams.Enrichment]*table, int64, error) {
	var spills int64
	values := map[string]*table{} // ValueFrom stream → id → its newest record
	defer func() {
		for _, t := range values {
			t.close()
		}
	}()
	for _, e := range j.cfg.Enrichments {
		if e.ValueFrom == "" || values[e.ValueFrom] != nil {
			continue
		}
		tw, err := newTableWriter(j.cfg.Dir)
		if err != nil {
			return nil, spills, err
		}
		err = j.newest(ctx, e.ValueFrom, listing[e.ValueFrom], &spills, func(key string, rec json.RawMessage) error {
			return tw.add(key, rec)
		})
		t, ferr := tw.finish()
		if err = errors.Join(err, ferr); err != nil {
			if t != nil {
				t.close()
			}
			return nil, spills, err
		}
		values[e.ValueFrom] = t
	}
	out := map[streams.Enrichment]*table{}
	bySource := map[string][]streams.Enrichment{}
	for _, e := range j.cfg.Enrichments {
		bySource[e.Source] = append(bySource[e.Source], e)
	}
	for _, source := range slices.Sorted(maps.Keys(bySource)) {
		es := bySource[source]
		sorters := make([]*sorter, len(es))
		for i := range es {
			sorters[i] = newSorter(j.cfg.Dir, j.cfg.SortBytes, &spills)
		}
		var seq uint64
		err := j.newest(ctx, source, listing[source], &spills, func(_ string, rec json.RawMessage) error {
			fields, err := topFields(rec)
			if err != nil {
				j.skipped.Add(1)
				return nil
			}
			for i, e := range es {
				target, ok := stringField(fields, e.TargetKey)
				if !ok {
					j.skipped.Add(1)
					continue
				}
				val := []byte(rec)
				if e.ValueFrom != "" {
					id, ok := stringField(fields, e.ValueKey)
					if !ok {
						j.skipped.Add(1)
						continue
					}
					vals, err := values[e.ValueFrom].lookup(id)
					if err != nil {
						return err
					}
					if len(vals) > 0 {
						val = vals[len(vals)-1]
					} else {
						// The element's own record is not in the lake
						// (not extracted): its id is all there is.
						val, _ = json.Marshal(map[string]string{"id": id})
					}
				}
				seq++
				if err := sorters[i].add(target, seq, val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			for _, s := range sorters {
				s.cleanup()
			}
			return out, spills, err
		}
		for i, e := range es {
			tw, err := newTableWriter(j.cfg.Dir)
			if err != nil {
				return out, spills, err
			}
			err = sorters[i].merge(func(en entry) error { return tw.add(en.key, en.val) })
			t, ferr := tw.finish()
			if err = errors.Join(err, ferr); err != nil {
				if t != nil {
					t.close()
				}
				return out, spills, err
			}
			out[e] = t
		}
	}
	return out, spills, nil
}

// newest calls fn with the newest record of each primary key of a stream
// (by _airbyte_extracted_at, then object and line order), in key order;
// keys whose newest record is a tombstone are left out.
func (j *Joiner) newest(ctx context.Context, stream string, objs []lake.ObjectInfo, spills *int64, fn func(key string, rec json.RawMessage) error) error {
	st, ok := streams.Lookup(stream)
	if !ok {
		return fmt.Errorf("enrichment source %q is not a catalog stream", stream)
	}
	s := newSorter(j.cfg.Dir, j.cfg.SortBytes, spills)
	var ord uint64
	for _, o := range objs {
		err := j.read(ctx, o.Key, func(rec lake.Record) error {
			j.records.Add(1)
			key, err := st.KeyOf(rec.Data)
			if err != nil {
				j.skipped.Add(1)
				return nil
			}
			ord++
			// Newest first by extraction time; ord breaks ties in listing order.
			seq := uint64(max(rec.ExtractedAt.UnixMilli(), 0))<<22 | ord&(1<<22-1)
			return s.add(key, seq, rec.Data)
		})
		if err != nil {
			s.cleanup()
			return err
		}
	}
	var cur *entry
	emit := func() error {
		if cur == nil || lake.IsTombstone(cur.val) {
			return nil
		}
		return fn(cur.key, cur.val)
	}
	err := s.merge(func(e entry) error {
		if cur != nil && cur.key != e.key {
			if err := emit(); err != nil {
				return err
			}
		}
		c := e
		cur = &c
		return nil
	})
	if err != nil {
		return err
	}
	return emit()
}

// read calls fn with every record of one object; bad lines are skipped
// (the loader dead-letters them when it loads the object itself).
func (j *Joiner) read(ctx context.Context, key string, fn func(lake.Record) error) error {
	rc, err := j.cfg.Store.Open(ctx, key)
	if err != nil {
		return fmt.Errorf("opening %s for the Ocean enrichments: %w", key, err)
	}
	defer rc.Close()
	r, err := lake.NewReaderWith(rc, lake.ReaderOptions{RequireGzip: lake.IsGzipName(key), MaxLineBytes: j.cfg.MaxLineBytes})
	if err != nil {
		j.cfg.Logger.Warn("enrichment source object unreadable, skipped", "key", key, "error", err)
		return nil
	}
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var le *lake.LineError
		if errors.As(err, &le) {
			j.skipped.Add(1)
			continue
		}
		if err != nil {
			return fmt.Errorf("reading %s for the Ocean enrichments: %w", key, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// Enrich returns record with the lists configured for its stream added (or
// replaced): each a JSON array, empty when the lake holds no element. A
// record without a primary key is returned as is.
func (j *Joiner) Enrich(_ context.Context, stream string, record json.RawMessage) (json.RawMessage, error) {
	es := j.byTarget[stream]
	if len(es) == 0 {
		return record, nil
	}
	st, ok := streams.Lookup(stream)
	if !ok {
		return record, nil
	}
	key, err := st.KeyOf(record)
	if err != nil {
		return record, nil
	}
	fields, err := topFields(record)
	if err != nil {
		return record, nil
	}
	j.mu.RLock()
	defer j.mu.RUnlock()
	for _, e := range es {
		t := j.tables[e]
		if t == nil {
			return nil, fmt.Errorf("enriching %s: %s is not prepared", stream, e.Option)
		}
		vals, err := t.lookup(key)
		if err != nil {
			return nil, fmt.Errorf("enriching %s record %s with %s: %w", stream, key, e.Field, err)
		}
		var b bytes.Buffer
		b.WriteByte('[')
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(v)
		}
		b.WriteByte(']')
		fields[e.Field] = json.RawMessage(b.Bytes())
		j.elements.Add(int64(len(vals)))
	}
	j.lookups.Add(1)
	out, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("enriching %s record %s: %w", stream, key, err)
	}
	return out, nil
}

// Close removes the tables.
func (j *Joiner) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var errs []error
	for _, t := range j.tables {
		errs = append(errs, t.close())
	}
	j.tables = nil
	return errors.Join(errs...)
}

// topFields decodes a record's top level.
func topFields(rec json.RawMessage) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(rec, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("record is null")
	}
	return m, nil
}

// stringField is a top-level string field's value.
func stringField(fields map[string]json.RawMessage, name string) (string, bool) {
	var s string
	if raw, ok := fields[name]; !ok || json.Unmarshal(raw, &s) != nil || s == "" {
		return "", false
	}
	return s, true
}
