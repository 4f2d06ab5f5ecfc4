package load

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/oktalake/oktalake/lake"
)

// StreamSummary counts what one stream loaded in this run.
type StreamSummary struct {
	Stream  string
	Objects int64
	Records int64
	// Entities were accepted by Port; Deletes were applied.
	Entities, Deletes int64
	// DeleteFailures are deletes Port refused: they stay pending.
	DeleteFailures int64
	// Tombstones are deleted records read; what they produced is deleted
	// after the pass (Deletes).
	Tombstones int64
	// Unchanged are entities not sent: the ledger holds them with the same
	// content hash, so Port already has them as they are.
	Unchanged int64
	// Failed were rejected by Port, Rejected by our own checks (identifier
	// rule), BadLines could not be read; all three are dead-lettered.
	Failed, Rejected, BadLines int64
	// MapErrors counts jq errors (the field became null, as in Port).
	MapErrors int64
	// Unmatched counts records no mapping applied to (every filter false):
	// Port ignores those too, but a whole stream unmatched is worth a look.
	Unmatched int64
}

// Summary is the outcome of a load run.
type Summary struct {
	Streams []StreamSummary
	// Blueprints counts entities accepted per blueprint.
	Blueprints map[string]int64
	Elapsed    time.Duration
	// Found counts the data objects listed (loaded before or now) under
	// Listing by the last pass; Follow says the run was in follow mode,
	// where finding none is not an error. Listing is "" for a replay.
	Found   int
	Listing string
	Follow  bool
	// DeadLetters is where this run's dead letters are.
	DeadLetters string
	// Stopped says why the run stopped with work left (interrupted).
	Stopped string
	// Deleted counts entities deleted per blueprint (tombstones, snapshot
	// deletes, orphans); DeletesHeld says why deletes were held back (the
	// threshold, *ThresholdError, or Port's refusal for dependents,
	// *DependentsError), which fails the run.
	Deleted     map[string]int64
	DeletesHeld error
	// Plan is what a Plan run would send and delete.
	Plan *Plan
}

// Err reports a run that did not do its job although nothing failed: it
// was interrupted with objects left, it found no data object where the
// layout puts them (outside follow mode), or it was given records and none
// reached Port (every one dead-lettered, or none matched by the mapping).
func (s *Summary) Err() error {
	var records, badLines, deletes int64
	for _, st := range s.Streams {
		records += st.Records
		badLines += st.BadLines
		deletes += st.Deletes + st.Unchanged + st.Tombstones // unchanged entities are in Port already
	}
	given := records + badLines
	switch {
	case s.Stopped != "":
		return errors.New(s.Stopped)
	case s.DeletesHeld != nil:
		return s.DeletesHeld
	case s.deleteFailures() > 0:
		return fmt.Errorf("%d deletes refused by Port stay pending for the next run", s.deleteFailures())
	case s.Listing != "" && !s.Follow && s.Found == 0:
		return fmt.Errorf("no data objects under %s: nothing to load (check load.Config.Store, load.Config.Prefix and load.Config.Namespace)", s.Listing)
	case given == 0 || s.Entities()+deletes > 0:
		return nil
	case s.DeadLettered() > 0:
		return fmt.Errorf("nothing reached Port: %d of %d records were dead-lettered (under %s)", s.DeadLettered(), given, s.DeadLetters)
	default:
		return fmt.Errorf("nothing reached Port: no mapping applied to any of the %d records (check the mapping's filters and the key layout)", given)
	}
}

func (s *Summary) deleteFailures() int64 {
	var n int64
	for _, st := range s.Streams {
		n += st.DeleteFailures
	}
	return n
}

// DeadLettered is every record that did not reach Port, with its reason stored.
func (s *Summary) DeadLettered() int64 {
	var n int64
	for _, st := range s.Streams {
		n += st.Failed + st.Rejected + st.BadLines
	}
	return n
}

// Entities sums accepted entities.
func (s *Summary) Entities() int64 {
	var n int64
	for _, v := range s.Blueprints {
		n += v
	}
	return n
}

func (l *Loader) record(stream string, c objectCounts) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.sums[stream]
	if s == nil {
		s = &StreamSummary{Stream: stream}
		l.sums[stream] = s
	}
	s.Objects++
	l.liveObjects.Add(1)
	s.Records += c.records
	s.Entities += c.entities
	s.Deletes += c.deletes
	s.Failed += c.failed
	s.Rejected += c.rejected
	s.BadLines += c.badLines
	s.MapErrors += c.mapErrors
	s.Unmatched += c.unmatched
	s.Unchanged += c.unchanged
	s.Tombstones += c.tombstones
	for bp, n := range c.byBlueprint {
		l.bps[bp] += n
	}
}

func (l *Loader) summary(start time.Time) *Summary {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := &Summary{Blueprints: map[string]int64{}, Elapsed: l.cfg.Clock.Now().Sub(start),
		Found: l.found, Listing: l.listing(), Follow: l.cfg.Follow,
		DeadLetters: lake.ErrorsPrefix(l.cfg.Prefix, l.cfg.Name)}
	for _, name := range orderStreams(keys(l.sums)) {
		out.Streams = append(out.Streams, *l.sums[name])
	}
	for bp, n := range l.bps {
		out.Blueprints[bp] = n
	}
	out.Deleted = maps.Clone(l.deleted)
	out.DeletesHeld = l.deleteErr
	if l.cfg.Plan {
		out.Plan = l.plan
	}
	return out
}

func keys(m map[string]*StreamSummary) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// WriteTo prints the load summary: per stream, then entities per blueprint.
func (s *Summary) WriteTo(w io.Writer) (int64, error) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stream\tobjects\trecords\tentities\tdeletes\tport rejected\tinvalid\tbad lines\tjq errors\tunmatched\t")
	for _, st := range s.Streams {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", st.Stream, st.Objects, st.Records, st.Entities, st.Deletes, st.Failed, st.Rejected, st.BadLines, st.MapErrors, st.Unmatched)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "blueprint\tentities\t")
	bps := make([]string, 0, len(s.Blueprints))
	for bp := range s.Blueprints {
		bps = append(bps, bp)
	}
	sort.Strings(bps)
	for _, bp := range bps {
		fmt.Fprintf(tw, "%s\t%d\t\n", bp, s.Blueprints[bp])
	}
	err := tw.Flush()
	n, err2 := fmt.Fprintf(w, "total: %d entities, %d dead-lettered, in %s\n", s.Entities(), s.DeadLettered(), s.Elapsed.Round(time.Millisecond))
	if err == nil {
		err = err2
	}
	if line := s.deleteLine(); line != "" {
		m, err3 := fmt.Fprintln(w, line)
		n += m
		if err == nil {
			err = err3
		}
	}
	if why := s.Err(); why != nil {
		m, err3 := fmt.Fprintf(w, "not done: %v\n", why)
		n += m
		if err == nil {
			err = err3
		}
	}
	return int64(n), err
}

// deleteLine says what the ledger spared and deleted, "" when nothing.
func (s *Summary) deleteLine() string {
	var tomb int64
	for _, st := range s.Streams {
		tomb += st.Tombstones
	}
	var parts []string
	for _, bp := range slices.Sorted(maps.Keys(s.Deleted)) {
		parts = append(parts, fmt.Sprintf("%s %d", bp, s.Deleted[bp]))
	}
	if s.Unchanged() == 0 && tomb == 0 && len(parts) == 0 {
		return ""
	}
	line := fmt.Sprintf("unchanged (not sent): %d, tombstones read: %d", s.Unchanged(), tomb)
	if len(parts) > 0 {
		line += ", deleted: " + strings.Join(parts, ", ")
	}
	return line
}

// Unchanged sums the entities not sent because Port already held them as
// the ledger recorded.
func (s *Summary) Unchanged() int64 {
	var n int64
	for _, st := range s.Streams {
		n += st.Unchanged
	}
	return n
}
