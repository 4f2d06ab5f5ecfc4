// Package schedule runs a job on an interval, the way `oktalake extract
// --every` does: once at start, then every interval measured from each
// start, never two at once, until the context is cancelled.
package schedule

import (
	"context"
	"log/slog"
	"time"
)

// Every runs fn at once and then every interval until ctx is done. A run
// that takes longer than the interval is followed directly by the next (runs
// never overlap). A failed run is logged and the schedule goes on; when ctx
// is cancelled during a run, fn is expected to finish or abort its work
// safely and Every returns nil. With interval <= 0 fn runs once and its
// error is returned.
func Every(ctx context.Context, interval time.Duration, log *slog.Logger, fn func(context.Context) error) error {
	if interval <= 0 {
		return fn(ctx)
	}
	for {
		started := time.Now()
		if err := fn(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			log.Error("scheduled run failed; the next run is on schedule", "err", err)
		}
		if ctx.Err() != nil {
			log.Info("stopping: interrupted")
			return nil
		}
		wait := max(interval-time.Since(started), 0)
		log.Info("next run", "at", time.Now().Add(wait).UTC().Format(time.RFC3339))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			log.Info("stopping: interrupted between runs")
			return nil
		case <-t.C:
		}
	}
}

// Tick calls fn every interval of wall time (default one second) until stop
// is called; stop waits for a call in progress. Progress displays use it.
func Tick(every time.Duration, fn func()) (stop func()) {
	if every <= 0 {
		every = time.Second
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fn()
			}
		}
	}()
	return func() { close(done); <-finished }
}
