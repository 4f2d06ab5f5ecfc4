package schedule

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

func TestEveryRunsOnIntervalWithoutOverlap(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var runs, inFlight, overlaps atomic.Int32
	var starts, ends []time.Time
	done := make(chan error)
	go func() {
		done <- Every(ctx, 40*time.Millisecond, slog.New(slog.DiscardHandler), func(context.Context) error {
			if inFlight.Add(1) > 1 {
				overlaps.Add(1)
			}
			defer func() { ends = append(ends, time.Now()); inFlight.Add(-1) }()
			starts = append(starts, time.Now())
			if runs.Add(1) == 2 {
				time.Sleep(60 * time.Millisecond) // longer than the interval
				return errors.New("a failed run does not stop the schedule")
			}
			if runs.Load() == 4 {
				cancel()
			}
			return nil
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Every returned %v after a cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Every did not stop after the context was cancelled")
	}
	if runs.Load() != 4 || overlaps.Load() != 0 {
		t.Fatalf("runs = %d, overlaps = %d; want 4 runs and none overlapping", runs.Load(), overlaps.Load())
	}
	if gap := starts[1].Sub(starts[0]); gap < 35*time.Millisecond {
		t.Errorf("second run started %v after the first, before the interval", gap)
	}
	if gap := starts[2].Sub(ends[1]); gap > 30*time.Millisecond {
		t.Errorf("the run after an overlong one waited %v; it should start at once", gap)
	}
}

func TestEveryWithoutIntervalReturnsTheError(t *testing.T) {
	want := errors.New("boom")
	if err := Every(context.Background(), 0, slog.New(slog.DiscardHandler), func(context.Context) error { return want }); err != want {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func TestTickCallsUntilStopped(t *testing.T) {
	var n atomic.Int32
	stop := Tick(time.Millisecond, func() { n.Add(1) })
	deadline := time.Now().Add(5 * time.Second)
	for n.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	stop()
	after := n.Load()
	if after < 3 {
		t.Fatalf("fn called %d times in 5 s at a 1 ms interval", after)
	}
	time.Sleep(10 * time.Millisecond)
	if n.Load() != after {
		t.Fatal("fn called after stop")
	}
}
