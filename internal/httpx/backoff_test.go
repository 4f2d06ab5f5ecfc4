package httpx

import (
	"testing"
	"time"
)

func TestBackoffIsZeroBasedCappedAndJittered(t *testing.T) {
	base, limit := 500*time.Millisecond, 30*time.Second
	tests := []struct {
		n        int
		min, max time.Duration
	}{
		{0, 250 * time.Millisecond, 500 * time.Millisecond},
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{7, 15 * time.Second, 30 * time.Second},
		{39, 15 * time.Second, 30 * time.Second},
		{100, 15 * time.Second, 30 * time.Second},
	}
	for _, tt := range tests {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := Backoff(tt.n, base, limit)
			if d < tt.min || d > tt.max {
				t.Fatalf("Backoff(%d) = %v, want in [%v, %v]", tt.n, d, tt.min, tt.max)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("Backoff(%d) gave %v fifty times: no jitter", tt.n, seen)
		}
	}
	for n := range 40 {
		d := Backoff(n, base, limit)
		want := min(limit, base<<min(n, 20))
		if d < want/2 || d > want {
			t.Fatalf("Backoff(%d) = %v, want in [%v, %v]", n, d, want/2, want)
		}
	}
}
