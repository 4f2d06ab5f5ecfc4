package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/oktalake/oktalake/airbyte"
	"github.com/oktalake/oktalake/extract"
	"github.com/urfave/cli/v2"
)

// airbyteCommand speaks the Airbyte source protocol on stdout: Airbyte
// runs `spec`, `check --config F`, `discover --config F` and
// `read --config F --catalog F [--state F]`.
func airbyteCommand() *cli.Command {
	configFlag := &cli.StringFlag{Name: "config", Usage: "source-okta's configuration (JSON file: domain, start_date, credentials)"}
	levelFlag := &cli.StringFlag{Name: "log-level", EnvVars: []string{"OKTALAKE_LOG_LEVEL"}, Value: "info", Usage: "debug, info, warn or error (logs are LOG messages)"}
	sub := func(name, usage string, flags []cli.Flag, action func(c *cli.Context, em *airbyte.Emitter, o airbyte.Options) error) *cli.Command {
		return &cli.Command{
			Name: name, Usage: usage, Flags: append(flags, levelFlag),
			Action: func(c *cli.Context) error {
				em := airbyte.NewEmitter(c.App.Writer, nil)
				var level slog.Level
				if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
					return airbyteFailed(em, usagef("--log-level: %q is not debug, info, warn or error", c.String("log-level")))
				}
				o := airbyte.Options{Emitter: em, Logger: airbyte.NewLogger(em, level), UserAgent: "oktalake/" + version}
				if c.Args().Present() {
					return airbyteFailed(em, usagef("unexpected arguments: %v", c.Args().Slice()))
				}
				return airbyteFailed(em, action(c, em, o))
			},
		}
	}
	return &cli.Command{
		Name:  "airbyte",
		Usage: "the Airbyte source protocol (spec, check, discover, read) on stdout, with source-okta's configuration",
		Subcommands: []*cli.Command{
			sub("spec", "emit the connector specification (SPEC)", nil, func(_ *cli.Context, em *airbyte.Emitter, _ airbyte.Options) error {
				spec := airbyte.ConnectorSpec()
				return em.Emit(airbyte.Message{Type: airbyte.TypeSpec, Spec: &spec})
			}),
			sub("check", "check the configuration against Okta (CONNECTION_STATUS)", []cli.Flag{configFlag}, func(c *cli.Context, em *airbyte.Emitter, o airbyte.Options) error {
				cfg, err := airbyteConfig(c)
				if err != nil {
					// A configuration that cannot work is a failed check.
					return em.Emit(airbyte.Message{Type: airbyte.TypeConnectionStatus, ConnectionStatus: &airbyte.ConnectionStatus{Status: "FAILED", Message: err.Error()}})
				}
				return airbyte.Check(c.Context, cfg, o)
			}),
			sub("discover", "emit the streams, their schemas, sync modes, cursors and keys (CATALOG)", []cli.Flag{configFlag}, func(c *cli.Context, em *airbyte.Emitter, _ airbyte.Options) error {
				if _, err := airbyteConfig(c); err != nil {
					return err
				}
				cat, err := airbyte.Discover()
				if err != nil {
					return err
				}
				return em.Emit(airbyte.Message{Type: airbyte.TypeCatalog, Catalog: &cat})
			}),
			sub("read", "read the configured streams: RECORD, STATE and stream-status TRACE messages", []cli.Flag{
				configFlag,
				&cli.StringFlag{Name: "catalog", Usage: "the configured catalog (JSON file)"},
				&cli.StringFlag{Name: "state", Usage: "the streams' state (JSON file: a list of STREAM state messages)"},
			}, func(c *cli.Context, _ *airbyte.Emitter, o airbyte.Options) error {
				cfg, err := airbyteConfig(c)
				if err != nil {
					return err
				}
				if c.String("catalog") == "" {
					return usagef("--catalog: required")
				}
				data, err := os.ReadFile(c.String("catalog"))
				if err != nil {
					return usagef("--catalog: %w", err)
				}
				cat, err := airbyte.ParseCatalog(data)
				if err != nil {
					return usagef("--catalog %s: %w", c.String("catalog"), err)
				}
				state := map[string]extract.StreamState{}
				if path := c.String("state"); path != "" {
					data, err := os.ReadFile(path)
					if err != nil {
						return usagef("--state: %w", err)
					}
					if state, err = airbyte.ParseState(data); err != nil {
						return usagef("--state %s: %w", path, err)
					}
				}
				return airbyte.Read(c.Context, cfg, cat, state, o)
			}),
		},
	}
}

func airbyteConfig(c *cli.Context) (airbyte.Config, error) {
	path := c.String("config")
	if path == "" {
		return airbyte.Config{}, usagef("--config: required")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return airbyte.Config{}, usagef("--config: %w", err)
	}
	cfg, err := airbyte.ParseConfig(data)
	if err != nil {
		return cfg, usagef("--config %s: %w", path, err)
	}
	return cfg, nil
}

// airbyteFailed reports err as an error trace (config_error for bad
// input) before the command exits non-zero; streams that failed in a read
// have reported themselves.
func airbyteFailed(em *airbyte.Emitter, err error) error {
	if err == nil || errors.Is(err, airbyte.ErrStreamsFailed) {
		return err
	}
	kind := airbyte.FailureSystem
	var ue usageError
	if errors.As(err, &ue) {
		kind = airbyte.FailureConfig
	}
	if e := em.Error(kind, err.Error(), fmt.Sprintf("%v", err), ""); e != nil {
		return errors.Join(err, e)
	}
	return err
}
