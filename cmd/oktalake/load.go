package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/load"
	"github.com/oktalake/oktalake/load/enrich"
	"github.com/oktalake/oktalake/load/mapping"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/schemas"
	"github.com/urfave/cli/v2"
)

func portFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "port-client-id", EnvVars: []string{"PORT_CLIENT_ID", "OCEAN__PORT__CLIENT_ID"}, Usage: "Port client id"},
		&cli.StringFlag{Name: "port-client-secret", EnvVars: []string{"PORT_CLIENT_SECRET", "OCEAN__PORT__CLIENT_SECRET"}, Usage: "Port client secret"},
		&cli.StringFlag{Name: "port-base-url", EnvVars: []string{"PORT_BASE_URL", "OCEAN__PORT__BASE_URL"}, Value: port.DefaultBaseURL, Usage: "Port API base URL: https://api.port.io (EU) or https://api.us.port.io (US); the older https://api.getport.io and https://api.us.getport.io still answer"},
		&cli.IntFlag{Name: "port-concurrency", EnvVars: []string{"OKTALAKE_PORT_CONCURRENCY"}, Value: 8, Usage: "Port requests in flight"},
		&cli.BoolFlag{Name: "merge", EnvVars: []string{"OKTALAKE_MERGE"}, Value: true, Usage: "merge properties into existing entities (false replaces them)"},
		&cli.BoolFlag{Name: "create-missing-related-entities", EnvVars: []string{"OKTALAKE_CREATE_MISSING_RELATED"}, Value: true, Usage: "let Port create relation targets that do not exist yet"},
	}
}

func mappingFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "mapping", EnvVars: []string{"OKTALAKE_MAPPING"}, Usage: "webhook-dialect JSON or Ocean-dialect YAML (default: the embedded mapping for every stream)"},
		&cli.DurationFlag{Name: "mapping-timeout", EnvVars: []string{"OKTALAKE_MAPPING_TIMEOUT"}, Value: mapping.DefaultTimeout, Usage: "jq time allowed per record; a record over it is dead-lettered"},
	}
}

// maxLineSizeFlag bounds a line of an object (load and map).
func maxLineSizeFlag() cli.Flag {
	return &cli.Int64Flag{Name: "max-line-size", EnvVars: []string{"OKTALAKE_MAX_LINE_SIZE"}, Value: lake.DefaultMaxLineBytes,
		Usage: "longest line read, in bytes; a longer line is dead-lettered without being read whole"}
}

// maxLineSize reads --max-line-size.
func maxLineSize(c *cli.Context) (int, error) {
	n := c.Int64("max-line-size")
	if n < 1<<10 || n > 1<<30 {
		return 0, usagef("--max-line-size: %d is out of range (1024 bytes to 1 GiB)", n)
	}
	return int(n), nil
}

func newPortClient(c *cli.Context, log *slog.Logger) (*port.Client, error) {
	merge, create := c.Bool("merge"), c.Bool("create-missing-related-entities")
	cfg := port.Config{
		BaseURL: c.String("port-base-url"), ClientID: c.String("port-client-id"), ClientSecret: c.String("port-client-secret"),
		Concurrency: c.Int("port-concurrency"), Merge: &merge, CreateMissingRelated: &create, Logger: log,
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, usageError{err}
	}
	return port.New(cfg)
}

func loadMapping(c *cli.Context, log *slog.Logger) (*mapping.Mapping, error) {
	name := c.String("mapping")
	data := schemas.DefaultMapping()
	source := "embedded default mapping"
	if name != "" {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, usagef("--mapping: %v", err)
		}
		data, source = b, name
	}
	m, err := mapping.Parse(data, source, mapping.Options{Logger: log, Timeout: c.Duration("mapping-timeout")})
	if err != nil {
		return nil, usageError{fmt.Errorf("--mapping: %w", err)}
	}
	return m, nil
}

func loadCommand() *cli.Command {
	return &cli.Command{
		Name:  "load",
		Usage: "load the bucket into Port through the jq mapping",
		Flags: concat(bucketFlags(), portFlags(), logFlags(), mappingFlags(), loadWebhookFlags(), []cli.Flag{
			&cli.StringSliceFlag{Name: "streams", EnvVars: []string{"OKTALAKE_STREAMS"}, Usage: "streams to load (default: every stream in the bucket)"},
			&cli.StringFlag{Name: "name", EnvVars: []string{"OKTALAKE_LOADER_NAME"}, Value: load.DefaultName, Usage: "loader name: its checkpoint and dead letters (several loaders may read one bucket into different Ports)"},
			&cli.BoolFlag{Name: "follow", EnvVars: []string{"OKTALAKE_FOLLOW"}, Usage: "keep polling for new objects"},
			&cli.DurationFlag{Name: "poll-interval", EnvVars: []string{"OKTALAKE_POLL_INTERVAL"}, Value: load.DefaultPollInterval, Usage: "time between polls with --follow"},
			&cli.DurationFlag{Name: "full-list-every", EnvVars: []string{"OKTALAKE_FULL_LIST_EVERY"}, Value: load.DefaultFullListEvery, Usage: "with --follow: list every key this often (polls in between list from each stream's last key)"},
			&cli.BoolFlag{Name: "minio-notify", EnvVars: []string{"OKTALAKE_MINIO_NOTIFY"}, Usage: "with --follow on MinIO: react at once to bucket notifications"},
			&cli.BoolFlag{Name: "init-port", EnvVars: []string{"OKTALAKE_INIT_PORT"}, Usage: "create missing blueprints first (as \"oktalake port init\" does)"},
			&cli.BoolFlag{Name: "replay-errors", Usage: "retry the dead letters instead of loading new objects"},
			maxLineSizeFlag(),
			metricsListenFlag(),
		}, deleteFlags()),
		Action: func(c *cli.Context) error {
			log, err := begin(c)
			if err != nil {
				return err
			}
			maxLine, err := maxLineSize(c)
			if err != nil {
				return err
			}
			m, pc, hook, err := loadTargets(c, log) // webhook.go
			if err != nil {
				return err
			}
			sel, err := selectStreams(c)
			if err != nil {
				return err
			}
			b, err := openBucket(c)
			if err != nil {
				return err
			}
			var names []string // none: every stream in the bucket
			if len(listFlag(c, "streams")) > 0 {
				names = streamNames(sel)
			}
			if c.Bool("init-port") {
				if err := initPort(c.Context, c.App.Writer, pc, false); err != nil {
					return err
				}
			}
			cfg := load.Config{
				Store: b.store, Prefix: b.prefix, Namespace: b.namespace, Name: c.String("name"),
				Streams: names, Mapping: m, Port: pc, Webhook: hook, Follow: c.Bool("follow"), PollInterval: c.Duration("poll-interval"), FullListEvery: c.Duration("full-list-every"), Logger: log,
				MaxLineBytes: maxLine,
			}
			if err := applyDeleteFlags(c, &cfg); err != nil {
				return err
			}
			if j := newJoiner(m, b, maxLine, log); j != nil {
				defer j.Close()
				cfg.Enricher = j
			}
			if c.Bool("minio-notify") {
				if !c.Bool("follow") {
					return usagef("--minio-notify needs --follow")
				}
				wake, err := load.Notifications(c.Context, b.store, b.prefix, log)
				if errors.Is(err, lake.ErrNoNotifications) {
					return usagef("--minio-notify needs an s3:// --bucket on a MinIO server (--s3-endpoint)")
				}
				if err != nil {
					return err
				}
				cfg.Wake = wake
			}
			if isTerminal(c.App.ErrWriter) && !c.Bool("follow") {
				cfg.Progress = func(p load.Progress) { fmt.Fprintf(c.App.ErrWriter, "\r\033[K%s", p) }
			}
			set, stopMetrics, err := startMetrics(c, log)
			if err != nil {
				return err
			}
			defer stopMetrics()
			drawn := cfg.Progress != nil
			if set != nil {
				cfg.Progress, cfg.ProgressEvery = loadProgressMetrics(set, cfg.Progress), time.Second
			}
			cfg.SetDefaults()
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			l, err := load.New(c.Context, cfg)
			if err != nil {
				return err
			}
			var sum *load.Summary
			if c.Bool("replay-errors") {
				sum, err = l.ReplayErrors(c.Context)
			} else {
				sum, err = l.Run(c.Context)
			}
			if drawn {
				fmt.Fprint(c.App.ErrWriter, "\r\033[K")
			}
			if sum != nil {
				sum.WriteTo(c.App.Writer)
				if sum.Plan != nil {
					sum.Plan.WriteTo(c.App.Writer)
				}
				if err == nil {
					err = sum.Err() // nothing failed, but the run did not do its job
				}
			}
			return err
		},
	}
}

func initPort(ctx context.Context, w io.Writer, pc *port.Client, update bool) error {
	bps, err := schemas.PortBlueprints()
	if err != nil {
		return err
	}
	res, err := pc.InitBlueprints(ctx, bps, update)
	if err != nil {
		return fmt.Errorf("creating blueprints: %w", err)
	}
	fmt.Fprintf(w, "port blueprints: %d created, %d updated, %d left as they were\n", len(res.Created), len(res.Updated), len(res.Unchanged))
	return nil
}

func portCommand() *cli.Command {
	return &cli.Command{
		Name:  "port",
		Usage: "manage Port blueprints and the webhook integration",
		Subcommands: []*cli.Command{{
			Name:  "init",
			Usage: "create the shipped blueprints that are missing (relation targets first)",
			Flags: concat(portFlags(), logFlags(), []cli.Flag{
				&cli.BoolFlag{Name: "update", Usage: "also update blueprints that exist"},
			}),
			Action: func(c *cli.Context) error {
				log, err := begin(c)
				if err != nil {
					return err
				}
				pc, err := newPortClient(c, log)
				if err != nil {
					return err
				}
				return initPort(c.Context, c.App.Writer, pc, c.Bool("update"))
			},
		}, portWebhookCommand()},
	}
}

func mapCommand() *cli.Command {
	return &cli.Command{
		Name:      "map",
		Usage:     "dry run: print the entities (and deletes) a mapping makes of objects (.jsonl.gz, .parquet) or JSONL files",
		ArgsUsage: "OBJECT_OR_JSONL...",
		Flags: concat(logFlags(), mappingFlags(), bucketFlags(), []cli.Flag{
			&cli.StringFlag{Name: "key", Usage: "object key to present as _PORT_SOURCE_OBJECT_KEY (default: the key in the bucket, from the path's <prefix>/<namespace>/<stream>/year=..., else the path)"},
			&cli.StringFlag{Name: "stream", Usage: "present the files as objects of this stream (key data/okta/STREAM/FILE)"},
			maxLineSizeFlag(),
		}),
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usagef("map needs at least one .jsonl.gz or .parquet object, or JSONL file")
			}
			for _, a := range c.Args().Slice() {
				if strings.HasPrefix(a, "-") {
					return usagef("map: flags go before the files (got %q after them)", a)
				}
			}
			if err := checkFlagValues(c); err != nil {
				return err
			}
			log, err := newLogger(c)
			if err != nil {
				return err
			}
			maxLine, err := maxLineSize(c)
			if err != nil {
				return err
			}
			m, err := loadMapping(c, log)
			if err != nil {
				return err
			}
			// An Ocean mapping's include_* options are joined from --bucket,
			// as load does.
			var joiner *enrich.Joiner
			if len(m.Enrichments()) > 0 {
				b, err := openBucket(c)
				if err != nil {
					return err
				}
				joiner = newJoiner(m, b, maxLine, log)
				defer joiner.Close()
				if err := joiner.Prepare(c.Context); err != nil {
					return fmt.Errorf("preparing the Ocean enrichments from %s: %w", b.url, err)
				}
			}
			out := bufio.NewWriter(c.App.Writer)
			defer out.Flush()
			enc := json.NewEncoder(out)
			records := 0
			var keys []string
			for _, file := range c.Args().Slice() {
				key := c.String("key")
				switch {
				case key != "":
				case c.String("stream") != "":
					key = lake.JoinKey(lake.DefaultPrefix, lake.DefaultNamespace, c.String("stream"), filepath.Base(file))
				default:
					// Port-style filters read the key's segments
					// (split("/") | .[2] is the stream): a file in a local
					// bucket is presented with its key there, not its path.
					var ok bool
					if key, ok = lake.KeyInPath(file); !ok {
						key = file
					}
				}
				n, err := mapFile(c.Context, m, joiner, file, key, maxLine, enc, c.App.ErrWriter)
				if err != nil {
					return err
				}
				records += n
				keys = append(keys, key)
			}
			out.Flush()
			if err := printMapStats(c.App.ErrWriter, m); err != nil {
				return err
			}
			warnNothingMatched(c.App.ErrWriter, m, records, keys)
			return nil
		},
	}
}

// mapFile maps every record of file, presented under key, and returns how
// many records it read.
func mapFile(ctx context.Context, m *mapping.Mapping, joiner *enrich.Joiner, file, key string, maxLine int, enc *json.Encoder, errw io.Writer) (int, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := openRecords(f, file, maxLine)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", file, err)
	}
	records := 0
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return records, nil
		}
		var le *lake.LineError
		if errors.As(err, &le) {
			fmt.Fprintf(errw, "%s:%d: %v\n", file, le.Line, le.Err)
			continue
		}
		if err != nil {
			return records, fmt.Errorf("%s: %w", file, err)
		}
		records++
		data := rec.Data
		if joiner != nil {
			if data, err = joiner.Enrich(ctx, mapping.StreamOf(key), data); err != nil {
				return records, fmt.Errorf("%s:%d: %w", file, rec.Line, err)
			}
		}
		res := m.Apply(ctx, data, key)
		for _, e := range res.Entities {
			enc.Encode(map[string]any{"op": "upsert", "line": rec.Line, "entity": e})
		}
		for _, d := range res.Deletes {
			enc.Encode(map[string]any{"op": "delete", "line": rec.Line, "delete": d})
		}
		for _, rj := range res.Rejected {
			enc.Encode(map[string]any{"op": "rejected", "line": rec.Line, "rejected": rj})
		}
		for _, e := range res.Errors {
			fmt.Fprintf(errw, "%s:%d: %v\n", file, rec.Line, e)
		}
		if res.Interrupted != "" {
			fmt.Fprintf(errw, "%s:%d: mapping incomplete: %s\n", file, rec.Line, res.Interrupted)
		}
	}
}

// warnNothingMatched says when no mapping's filter matched any record, with
// the keys the records were presented under: the usual cause is a filter
// on _PORT_SOURCE_OBJECT_KEY that the key does not satisfy.
func warnNothingMatched(w io.Writer, m *mapping.Mapping, records int, keys []string) {
	if records == 0 {
		return
	}
	for _, s := range m.Stats() {
		if s.Matched > 0 {
			return
		}
	}
	shown := keys
	if len(shown) > 3 {
		shown = append(shown[:3:3], fmt.Sprintf("and %d more", len(keys)-3))
	}
	fmt.Fprintf(w, "warning: no mapping matched any record (%d read); they were presented with _PORT_SOURCE_OBJECT_KEY %s. "+
		"Filters that read the key (split(\"/\") | .[2] is the stream) need a key in the bucket layout: "+
		"use --stream STREAM or --key %s/%s/STREAM/FILE\n", records, strings.Join(shown, ", "), lake.DefaultPrefix, lake.DefaultNamespace)
}

func printMapStats(w io.Writer, m *mapping.Mapping) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "mapping\tblueprint\tmatched\tentities\tdeletes\trejected\terrors")
	for _, s := range m.Stats() {
		var errs []string
		for field, n := range s.Errors {
			errs = append(errs, fmt.Sprintf("%s=%d", field, n))
		}
		sort.Strings(errs)
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%d\t%s\n", s.Index, s.Blueprint, s.Matched, s.Entities, s.Deletes, s.Rejected, strings.Join(errs, " "))
	}
	return tw.Flush()
}
