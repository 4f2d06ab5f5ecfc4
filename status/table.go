package status

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/internal/humanize"
)

// WriteJSON prints the report as indented JSON, for scripts.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing status JSON: %w", err)
	}
	return nil
}

// maxReason is how much of a dead letter's reason the table shows.
const maxReason = 72

// WriteTable prints the report as aligned tables, for terminals: streams,
// loaders, dead letters, backfills, then the problems (or "ok").
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "namespace %s at %s\n\n", r.Namespace, stamp(r.At))
	fmt.Fprintln(tw, "STREAM\tLAST RUN\tSYNC\tKIND\tRECORDS\tOBJECTS\tOUTCOME\tCURSOR\tLAKE OBJECTS\tLAKE SIZE")
	for _, s := range r.Streams {
		run, sync, kind, records, objects, outcome := "(no manifest)", "-", "-", "-", "-", "-"
		if lr := s.LastRun; lr != nil {
			run = stamp(lr.FinishedAt) + " (" + ago(r.At, lr.FinishedAt) + ")"
			sync, kind = fmt.Sprint(lr.SyncID), lr.Kind
			records, objects = fmt.Sprint(lr.Records), fmt.Sprint(lr.Objects)
			outcome = lr.Outcome
			if lr.Reason != "" {
				outcome += ": " + clip(lr.Reason, maxReason)
			}
			if s.LastComplete > 0 {
				outcome += fmt.Sprintf(" (last complete: sync %d)", s.LastComplete)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", s.Stream, run, sync, kind, records, objects, outcome, cursor(s), s.Objects, humanize.Bytes(s.Bytes))
	}
	if len(r.Streams) == 0 {
		fmt.Fprintln(tw, "(no streams in the lake)")
	}

	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "LOADER\tSTREAM\tPENDING\tOLDEST PENDING\tLOADED OBJECTS\tLOADED RECORDS\tLAST LOAD")
	for _, l := range r.Loaders {
		last := "-"
		if l.LastLoad != nil {
			last = stamp(*l.LastLoad) + " (" + ago(r.At, *l.LastLoad) + ")"
		}
		var loaded, records int64
		for _, s := range l.Streams {
			loaded += s.Loaded
			records += s.Records
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%s\n", displayName(l.Name), "(all)", l.Pending, oldest(r.At, l.OldestPending), loaded, records, last)
		for _, s := range l.Streams {
			fmt.Fprintf(tw, "\t%s\t%d\t%s\t%d\t%d\t\n", s.Stream, s.Pending, oldest(r.At, s.OldestPending), s.Loaded, s.Records)
		}
	}
	if len(r.Loaders) == 0 {
		fmt.Fprintln(tw, "(no loader checkpoints)")
	}

	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "DEAD LETTERS\tSTREAM\tCOUNT\tREASON")
	n := 0
	for _, l := range r.Loaders {
		for _, d := range l.DeadLetters {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", displayName(l.Name), d.Stream, d.Count, clip(d.Reason, maxReason))
			n++
		}
	}
	if n == 0 {
		fmt.Fprintln(tw, "(none)")
	}

	if len(r.Backfills) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "BACKFILL\tDONE\tPENDING")
		for _, b := range r.Backfills {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", b.Stream, windows(b.Done), windows(b.Pending))
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	var err error
	if len(r.Problems) == 0 {
		_, err = fmt.Fprintln(w, "\nok")
	} else {
		_, err = fmt.Fprintf(w, "\nproblems:\n  %s\n", strings.Join(r.Problems, "\n  "))
	}
	if err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ago renders how long before now t was, to the second.
func ago(now, t time.Time) string {
	d := now.Sub(t).Round(time.Second)
	if d < 0 {
		return "in " + (-d).String()
	}
	return d.String() + " ago"
}

func oldest(now time.Time, t *time.Time) string {
	if t == nil {
		return "-"
	}
	return stamp(*t) + " (" + ago(now, *t) + ")"
}

func cursor(s StreamStatus) string {
	c := s.Cursor
	switch {
	case c == nil:
		return "-"
	case c.Published != "":
		return "published=" + c.Published
	case c.LastUpdated != "":
		return "lastUpdated=" + c.LastUpdated
	case c.UpdatedAt != "":
		return "(full refresh, saved " + c.UpdatedAt + ")"
	}
	return "-"
}

func windows(ws []extract.Window) string {
	if len(ws) == 0 {
		return "-"
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.String()
	}
	return strings.Join(parts, ", ")
}

// clip shortens s to n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
