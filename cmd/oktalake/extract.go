package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/oktalake/oktalake/extract"
	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/internal/schedule"
	"github.com/oktalake/oktalake/streams"
	"github.com/urfave/cli/v2"
)

func commands() []*cli.Command {
	return []*cli.Command{
		extractCommand(),
		backfillCommand(),
		streamsCommand(),
		loadCommand(),
		mapCommand(),
		portCommand(),
		checkCommand(),
		statusCommand(),
		airbyteCommand(),
		eventHooksCommand(),
		serveCommand(),
		demoCommand(),
	}
}

func extractCommand() *cli.Command {
	return &cli.Command{
		Name:  "extract",
		Usage: "read Okta streams and write gzip JSONL (or Parquet) objects to the bucket",
		Flags: concat(oktaFlags(), bucketFlags(), writerFlags(), logFlags(), []cli.Flag{
			&cli.StringSliceFlag{Name: "streams", EnvVars: []string{"OKTALAKE_STREAMS"}, Usage: "streams to extract, comma-separated (default: all; \"oktalake streams\" lists them)"},
			&cli.StringFlag{Name: "state", EnvVars: []string{"OKTALAKE_STATE"}, Usage: "keep incremental state in this local file instead of the bucket"},
			&cli.BoolFlag{Name: "full-refresh", EnvVars: []string{"OKTALAKE_FULL_REFRESH"}, Usage: "ignore stored cursors and read everything again"},
			&cli.StringFlag{Name: "start-date", EnvVars: []string{"OKTALAKE_START_DATE"}, Usage: "where the first incremental run starts (logs default: 7 days back; at most 180, of which Okta holds the last 90)"},
			&cli.DurationFlag{Name: "every", EnvVars: []string{"OKTALAKE_EVERY"}, Usage: "run again on this interval until interrupted (e.g. 1h)"},
			&cli.DurationFlag{Name: "reconcile-every", EnvVars: []string{"OKTALAKE_RECONCILE_EVERY"}, Value: extract.DefaultReconcileEvery, Usage: "between full re-listings (which tombstone what Okta no longer has), runs re-read only what the System Log says changed"},
			metricsListenFlag(),
		}),
		Action: func(c *cli.Context) error {
			log, err := begin(c)
			if err != nil {
				return err
			}
			set, stopMetrics, err := startMetrics(c, log)
			if err != nil {
				return err
			}
			defer stopMetrics()
			var oktaOpts []func(*okta.Config)
			if set != nil {
				oktaOpts = append(oktaOpts, withOktaMetrics(set))
			}
			sel, err := selectStreams(c)
			if err != nil {
				return err
			}
			start, err := parseDate("start-date", c.String("start-date"))
			if err != nil {
				return err
			}
			if every := c.Duration("every"); every < 0 {
				return usagef("--every: %s is negative (want an interval such as 1h, or 0 to run once)", c.String("every"))
			}
			if d := c.Duration("reconcile-every"); d <= 0 {
				return usagef("--reconcile-every: %s is not a positive interval (want one such as 24h)", c.String("reconcile-every"))
			}
			env, err := writerOptions(c, log)
			if err != nil {
				return err
			}
			format, err := objectFormat(c)
			if err != nil {
				return err
			}
			client, err := newOktaClient(c, log, streams.Scopes(sel), oktaOpts...)
			if err != nil {
				return err
			}
			b, err := openBucket(c)
			if err != nil {
				return err
			}
			cfg := extract.Config{
				Client: client, Store: b.store, Prefix: b.prefix, Namespace: b.namespace,
				PathFormat: c.String("path-format"), Envelope: env, MaxFileSize: maxFileSize(c), Format: format,
				Streams: sel, FullRefresh: c.Bool("full-refresh"), StartDate: start,
				Concurrency: c.Int("max-concurrency"), Logger: log,
				ReconcileEvery: c.Duration("reconcile-every"),
			}
			if f := c.String("state"); f != "" {
				cfg.State = extract.NewFileState(f)
			}
			// Refused before the bucket is written or Okta asked: a start
			// date after now, one beyond the logs' retention.
			cfg.SetDefaults()
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			if err := b.checkWritable(c.Context); err != nil {
				return err
			}
			if isTerminal(c.App.ErrWriter) {
				cfg.Progress = func(p extract.Progress) { fmt.Fprintf(c.App.ErrWriter, "\r\033[K%s", p) }
			}
			return schedule.Every(c.Context, c.Duration("every"), log, func(ctx context.Context) error {
				sum, err := extract.Run(ctx, cfg)
				if cfg.Progress != nil {
					fmt.Fprint(c.App.ErrWriter, "\r\033[K")
				}
				if sum != nil {
					printSummary(c.App.Writer, sum)
				}
				if err != nil {
					return err
				}
				return sum.Err()
			})
		},
	}
}

func backfillCommand() *cli.Command {
	return &cli.Command{
		Name:        "backfill",
		Usage:       "read historical events in bounded windows (event-time partitions, resumable)",
		Subcommands: []*cli.Command{backfillLogsCommand()},
	}
}

func backfillLogsCommand() *cli.Command {
	return &cli.Command{
		Name:  "logs",
		Usage: "backfill system-log events published in [--since, --until)",
		Flags: concat(oktaFlags(), bucketFlags(), writerFlags(), logFlags(), []cli.Flag{
			&cli.StringFlag{Name: "since", Required: true, Usage: "first published time (at most 180 days back; Okta holds 90, older ones are reported missing)"},
			&cli.StringFlag{Name: "until", Usage: "end of the range, exclusive (default: now minus --safety-lag)"},
			&cli.DurationFlag{Name: "safety-lag", Value: extract.DefaultBackfillSafetyLag, Usage: "the last window ends this far before now (Okta persists events late); extract's logs stream takes over from there"},
			&cli.DurationFlag{Name: "window", Value: 6 * time.Hour, Usage: "length of each bounded request range"},
			&cli.IntFlag{Name: "workers", Value: 4, Usage: "windows read at once"},
		}),
		Action: func(c *cli.Context) error {
			log, err := begin(c)
			if err != nil {
				return err
			}
			since, err := parseDate("since", c.String("since"))
			if err != nil {
				return err
			}
			until, err := parseDate("until", c.String("until"))
			if err != nil {
				return err
			}
			env, err := writerOptions(c, log)
			if err != nil {
				return err
			}
			format, err := objectFormat(c)
			if err != nil {
				return err
			}
			logs, err := extract.BackfillStream()
			if err != nil {
				return err
			}
			client, err := newOktaClient(c, log, streams.Scopes([]streams.Stream{logs}))
			if err != nil {
				return err
			}
			b, err := openBucket(c)
			if err != nil {
				return err
			}
			cfg := extract.BackfillConfig{
				Client: client, Store: b.store, Prefix: b.prefix, Namespace: b.namespace,
				PathFormat: c.String("path-format"), Envelope: env, MaxFileSize: maxFileSize(c), Format: format,
				Since: since, Until: until, SafetyLag: c.Duration("safety-lag"), Window: c.Duration("window"), Workers: c.Int("workers"),
				Logger: log,
			}
			cfg.SetDefaults()
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			if err := b.checkWritable(c.Context); err != nil {
				return err
			}
			if isTerminal(c.App.ErrWriter) {
				cfg.Progress = func(p extract.BackfillProgress) { fmt.Fprintf(c.App.ErrWriter, "\r\033[K%s", p) }
			}
			sum, err := extract.Backfill(c.Context, cfg)
			if cfg.Progress != nil {
				fmt.Fprintln(c.App.ErrWriter)
			}
			if sum != nil {
				printSummary(c.App.Writer, sum)
			}
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("interrupted: finished windows are recorded; run the same command to resume")
			}
			return err
		},
	}
}

func streamsCommand() *cli.Command {
	return &cli.Command{
		Name:  "streams",
		Usage: "list the stream catalog, print a stream's JSON schema, or the tables of query engines (--ddl)",
		Flags: append([]cli.Flag{&cli.StringFlag{Name: "schema", Usage: "print this stream's JSON schema"}}, ddlFlags()...),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			if c.IsSet("ddl") {
				return printDDL(c)
			}
			if name := c.String("schema"); name != "" {
				return printSchema(c.App.Writer, name)
			}
			return printCatalog(c.App.Writer)
		},
	}
}

func printCatalog(w io.Writer) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "stream\tprimary key\tcursor\tsync mode\tendpoint\tparent\tbucket")
	for _, s := range streams.All() {
		cursor := s.Cursor
		if cursor == "" {
			cursor = "-"
		}
		parent := s.Parent
		if s.ParentSource != nil {
			parent += " (" + s.ParentSource.Path + ")"
		}
		if parent == "" {
			parent = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, joinFields(s.PrimaryKey), cursor, s.SyncMode(), s.Path, parent, okta.BucketFor(s.Path))
	}
	return tw.Flush()
}
