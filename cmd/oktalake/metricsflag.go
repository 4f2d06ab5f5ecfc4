package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/internal/metrics"
	"github.com/oktalake/oktalake/load"
	"github.com/urfave/cli/v2"
)

func metricsListenFlag() cli.Flag {
	return &cli.StringFlag{Name: "metrics-listen", EnvVars: []string{"OKTALAKE_METRICS_LISTEN"}, Usage: "serve Prometheus metrics on /metrics (and /healthz) at this address, e.g. :9090 (default: off)"}
}

// withOktaMetrics counts the Okta client's requests and rate-limit
// headroom in set.
func withOktaMetrics(set *metrics.Set) func(*okta.Config) {
	return func(cfg *okta.Config) {
		cfg.HTTPClient = &http.Client{Timeout: okta.DefaultTimeout, Transport: set.OktaTransport(nil, okta.BucketFor)}
	}
}

// startMetrics serves set on --metrics-listen, if given, until the returned
// stop is called; set is nil when the flag is not.
func startMetrics(c *cli.Context, log *slog.Logger) (set *metrics.Set, stop func(), err error) {
	addr := c.String("metrics-listen")
	if addr == "" {
		return nil, func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, usagef("--metrics-listen %s: %v", addr, err)
	}
	set = metrics.New()
	mux := http.NewServeMux()
	mux.Handle("/metrics", set.Handler())
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "error", err)
		}
	}()
	log.Info("metrics", "listen", ln.Addr().String())
	return set, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// loadProgressMetrics counts a follow loader's entities in set (its
// progress reports them as a running total).
func loadProgressMetrics(set *metrics.Set, next func(load.Progress)) func(load.Progress) {
	var last int64
	return func(p load.Progress) {
		if d := p.Entities - last; d > 0 {
			set.EntitiesLoaded.WithLabelValues("all").Add(float64(d))
		}
		last = p.Entities
		if next != nil {
			next(p)
		}
	}
}
