package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/oktalake/oktalake/internal/metrics"
	"github.com/oktalake/oktalake/load"
	"github.com/oktalake/oktalake/serve"
	"github.com/oktalake/oktalake/streams"
	"github.com/urfave/cli/v2"
)

// serveStopTimeout bounds what SIGTERM waits for: in-flight deliveries,
// their commits, queued refreshes and a last load pass.
const serveStopTimeout = 20 * time.Second

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "receive Okta Event Hook deliveries: commit them to the lake, refresh the objects they name, load them into Port at once (with Port credentials)",
		Flags: concat(oktaFlags(), bucketFlags(), writerFlags(), portFlags(), mappingFlags(), logFlags(), []cli.Flag{
			&cli.StringFlag{Name: "listen", EnvVars: []string{"OKTALAKE_LISTEN"}, Value: ":8080", Usage: "address of the Event Hook endpoint (" + serve.HookPath + "), /healthz, /readyz and /metrics"},
			eventHookSecretFlag(),
			&cli.StringFlag{Name: "tls-cert", EnvVars: []string{"OKTALAKE_TLS_CERT"}, Usage: "serve HTTPS with this certificate (PEM file; with --tls-key)"},
			&cli.StringFlag{Name: "tls-key", EnvVars: []string{"OKTALAKE_TLS_KEY"}, Usage: "the certificate's private key (PEM file)"},
			&cli.Int64Flag{Name: "max-body-size", EnvVars: []string{"OKTALAKE_MAX_BODY_SIZE"}, Value: serve.DefaultMaxBody, Usage: "largest delivery body in bytes; larger ones get 413"},
			&cli.DurationFlag{Name: "group-window", EnvVars: []string{"OKTALAKE_GROUP_WINDOW"}, Value: serve.DefaultGroupWindow, Usage: "longest a delivery waits for others to share its commit"},
			&cli.StringFlag{Name: "loader-name", EnvVars: []string{"OKTALAKE_LOADER_NAME"}, Value: load.DefaultName, Usage: "with Port credentials: the loader whose checkpoint and ledger serve's loads use (do not run load --follow with the same name)"},
		}),
		Action: func(c *cli.Context) error {
			log, err := begin(c)
			if err != nil {
				return err
			}
			secret := c.String("event-hook-secret")
			if secret == "" {
				return usagef("--event-hook-secret (or OKTA_EVENT_HOOK_SECRET) is required: every Okta request must carry it")
			}
			cert, key := c.String("tls-cert"), c.String("tls-key")
			if (cert == "") != (key == "") {
				return usagef("--tls-cert and --tls-key go together")
			}
			if n := c.Int64("max-body-size"); n < 1<<10 {
				return usagef("--max-body-size: %d bytes is too small (at least 1KiB)", n)
			}
			env, err := writerOptions(c, log)
			if err != nil {
				return err
			}
			set := metrics.New()
			cfg := serve.Config{
				Secret: secret, Envelope: env, PathFormat: c.String("path-format"), Metrics: set,
				MaxBody: c.Int64("max-body-size"), GroupWindow: c.Duration("group-window"), Logger: log,
			}
			if c.String("okta-domain") != "" {
				client, err := newOktaClient(c, log, streams.Scopes(streams.All()), withOktaMetrics(set))
				if err != nil {
					return err
				}
				cfg.Okta = client
			} else {
				log.Warn("no --okta-domain: events are committed but the objects they name are not refreshed")
			}
			if c.String("port-client-id") != "" {
				lc, err := serveLoadConfig(c, log)
				if err != nil {
					return err
				}
				cfg.Load = lc
			}
			b, err := openBucket(c)
			if err != nil {
				return err
			}
			cfg.Store, cfg.Prefix, cfg.Namespace = b.store, b.prefix, b.namespace
			if err := b.checkWritable(c.Context); err != nil {
				return err
			}
			ln, err := net.Listen("tcp", c.String("listen"))
			if err != nil {
				return usagef("--listen %s: %v", c.String("listen"), err)
			}
			return runServe(c.Context, cfg, ln, cert, key, log)
		},
	}
}

// serveLoadConfig is the loader serve runs after each commit: the flags of
// `oktalake load`, every stream.
func serveLoadConfig(c *cli.Context, log *slog.Logger) (*load.Config, error) {
	m, err := loadMapping(c, log)
	if err != nil {
		return nil, err
	}
	pc, err := newPortClient(c, log)
	if err != nil {
		return nil, err
	}
	return &load.Config{Name: c.String("loader-name"), Mapping: m, Port: pc, Logger: log}, nil
}

// runServe serves until ctx ends (SIGINT or SIGTERM), then stops accepting,
// lets the handlers in flight get their commits, drains the refreshes and
// returns nil: a stop is not a failure.
func runServe(ctx context.Context, cfg serve.Config, ln net.Listener, cert, key string, log *slog.Logger) error {
	srv, err := serve.New(ctx, cfg)
	if err != nil {
		return err
	}
	srv.Start(ctx)
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() {
		if cert != "" {
			served <- hs.ServeTLS(ln, cert, key)
		} else {
			served <- hs.Serve(ln)
		}
	}()
	log.Info("serving okta event hooks", "listen", ln.Addr().String(), "path", serve.HookPath, "tls", cert != "",
		"refresh", cfg.Okta != nil, "load", cfg.Load != nil)
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), serveStopTimeout)
	defer cancel()
	if err := hs.Shutdown(stop); err != nil {
		log.Warn("handlers still running at the stop", "error", err)
	}
	if err := srv.Stop(stop); err != nil {
		return err
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serving %s: %w", ln.Addr(), serveErr)
	}
	log.Info("serve stopped")
	return nil
}
