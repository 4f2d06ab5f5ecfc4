package extract

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/internal/humanize"
	"github.com/oktalake/oktalake/internal/iox"
)

// WriteTo prints the run summary as two tables: per stream (then per shared
// parent listing, whose requests are booked to it alone), then per Okta
// rate-limit bucket.
func (s *Summary) WriteTo(w io.Writer) (int64, error) {
	cw := &iox.CountingWriter{W: w}
	tw := tabwriter.NewWriter(cw, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stream\trecords\tdeleted\tsnapshot\tobjects\tbytes\trequests\twaits\t429s\terrors\tskipped\ttime\tstatus\t")
	for _, st := range s.Streams {
		status := "ok"
		if st.Err != nil {
			status = "FAILED"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", st.Stream, st.Records, st.Tombstones, st.Snapshot, st.Objects, humanize.Bytes(st.Bytes),
			st.Okta.Requests, st.Okta.Waits, st.Okta.TooMany, st.Okta.Errors, st.Skipped, st.Elapsed.Round(time.Millisecond), status)
	}
	for _, p := range s.Parents {
		status := "ok"
		if p.Err != nil {
			status = "FAILED" // the child streams say why
		}
		fmt.Fprintf(tw, "%s\t%d\t-\t-\t-\t-\t%d\t%d\t%d\t%d\t-\t%s\t%s\t\n", p.Name, p.Parents,
			p.Okta.Requests, p.Okta.Waits, p.Okta.TooMany, p.Okta.Errors, p.Elapsed.Round(time.Millisecond), status)
	}
	tw.Flush()
	for _, st := range s.Streams {
		if st.Err != nil {
			fmt.Fprintf(cw, "%s: %v\n", st.Stream, st.Err)
		}
	}
	writeBuckets(cw, s.Buckets)
	writeCleaned(cw, s.Cleaned)
	fmt.Fprintf(cw, "total: %d records in %s\n", s.Records(), s.Elapsed.Round(time.Millisecond))
	return cw.N, cw.Err
}

// WriteTo prints the backfill summary.
func (s *BackfillSummary) WriteTo(w io.Writer) (int64, error) {
	cw := &iox.CountingWriter{W: w}
	fmt.Fprintf(cw, "backfill logs: %d/%d windows (%d already done), %d events, %d objects, %s, %.0f events/s, %s\n",
		s.WindowsDone, s.WindowsTotal, s.WindowsSkipped, s.Events, s.Objects, humanize.Bytes(s.Bytes), s.EventsPerSecond(), s.Elapsed.Round(time.Millisecond))
	for _, f := range s.Failed {
		fmt.Fprintf(cw, "failed window: %s\n", f)
	}
	writeBuckets(cw, s.Buckets)
	writeCleaned(cw, s.Cleaned)
	return cw.N, cw.Err
}

func writeCleaned(w io.Writer, n int) {
	switch {
	case n == 1:
		fmt.Fprintln(w, "cleaned: 1 leftover of a killed run (incomplete upload or temp file)")
	case n > 1:
		fmt.Fprintf(w, "cleaned: %d leftovers of killed runs (incomplete uploads or temp files)\n", n)
	}
}

func writeBuckets(w io.Writer, buckets map[string]okta.BucketStats) {
	if len(buckets) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "okta bucket\trequests\twaits\twaited\t429s\tretries\terrors\t")
	for _, name := range SortedBuckets(buckets) {
		b := buckets[name]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%d\t%d\t\n", name, b.Requests, b.Waits, b.WaitTime.Round(time.Millisecond), b.TooMany, b.Retries, b.Errors)
	}
	tw.Flush()
}

// Progress renders a one-line backfill progress for terminals.
func (p BackfillProgress) String() string {
	eta := "?"
	if p.ETA > 0 {
		eta = p.ETA.Round(time.Second).String()
	}
	return fmt.Sprintf("windows %d/%d  events %d  %.0f events/s  ETA %s", p.WindowsDone, p.WindowsTotal, p.Events, p.EventsPerSecond(), eta)
}
