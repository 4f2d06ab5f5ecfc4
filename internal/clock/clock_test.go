package clock

import (
	"context"
	"testing"
	"time"
)

func TestScaledRunsFaster(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := Scaled(start, 1000)
	realStart := time.Now()
	if err := c.Sleep(context.Background(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if real := time.Since(realStart); real > time.Second {
		t.Fatalf("10 simulated seconds at 1000x took %v of real time", real)
	}
	if got := c.Now().Sub(start); got < 10*time.Second {
		t.Fatalf("simulated clock advanced %v, want at least 10s", got)
	}
}

func TestSleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Real().Sleep(ctx, time.Hour); err != context.Canceled {
		t.Fatalf("Sleep on a cancelled context = %v, want context.Canceled", err)
	}
}

func TestManual(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewManual(start)
	if err := m.Sleep(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	m.Advance(-time.Hour) // ignored
	if got := m.Now().Sub(start); got != time.Minute {
		t.Fatalf("advanced %v, want 1m", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Sleep(ctx, time.Hour); err == nil || m.Now().Sub(start) != time.Minute {
		t.Fatal("a cancelled Sleep moved the clock or returned no error")
	}
	if s := m.Sleeps(); len(s) != 1 || s[0] != time.Minute {
		t.Fatalf("sleeps = %v", s)
	}
	m.Set(start)
	if !m.Now().Equal(start) {
		t.Fatal("Set did not move the clock back")
	}
}
