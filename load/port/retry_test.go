package port

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/oktalake/oktalake/internal/httpx"
)

func TestRetryPolicy(t *testing.T) {
	policy := retryPolicy()
	tests := []struct {
		status int
		want   action
	}{
		{200, actDone},
		{201, actDone},
		{207, actDone},
		{400, actReject},
		{401, actRenew},
		{403, actFatal},
		{404, actReject},
		{408, actBackoff},
		{409, actReject},
		{413, actSplit},
		{422, actReject},
		{425, actBackoff},
		{429, actWait},
		{500, actBackoff},
		{502, actBackoff},
		{503, actBackoff},
		{504, actBackoff},
		{302, actFatal},
		{100, actFatal},
	}
	for _, tt := range tests {
		if got := policy.Decide(outcome{status: tt.status}).Action; got != tt.want {
			t.Errorf("Decide(status %d) = %v, want %v", tt.status, got, tt.want)
		}
	}
	transport := []struct {
		name string
		o    outcome
		want action
	}{
		{"network error", outcome{err: io.ErrUnexpectedEOF}, actBackoff},
		{"cancelled", outcome{err: context.Canceled, ctxDone: true}, actCancelled},
		{"cancelled during a refused redirect", outcome{err: fmt.Errorf("x: %w", httpx.ErrCrossOriginRedirect), ctxDone: true}, actCancelled},
		{"refused redirect", outcome{err: fmt.Errorf("sending: %w", httpx.ErrCrossOriginRedirect)}, actRefused},
	}
	for _, tt := range transport {
		if got := policy.Decide(tt.o).Action; got != tt.want {
			t.Errorf("%s: Decide = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseReset(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Time
		ok     bool
	}{
		{"seconds until", http.Header{"X-Ratelimit-Reset": {"7"}}, now.Add(7 * time.Second), true},
		{"fractional seconds", http.Header{"X-Ratelimit-Reset": {"0.25"}}, now.Add(250 * time.Millisecond), true},
		{"threshold is seconds", http.Header{"X-Ratelimit-Reset": {"10000"}}, now.Add(10000 * time.Second), true},
		{"epoch", http.Header{"X-Ratelimit-Reset": {"1735689612"}}, time.Unix(1735689612, 0), true},
		{"retry-after fallback", http.Header{"Retry-After": {"3"}}, now.Add(3 * time.Second), true},
		{"missing", http.Header{}, time.Time{}, false},
		{"garbage", http.Header{"X-Ratelimit-Reset": {"soon"}}, time.Time{}, false},
		{"negative", http.Header{"X-Ratelimit-Reset": {"-1"}}, time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseReset(tt.header, now)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("%s: parseReset = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPacerSpreadsLowBudget(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, 2) // spaces requests once fewer than 4 remain
	h := http.Header{"X-Ratelimit-Remaining": {"10"}, "X-Ratelimit-Reset": {"8"}}
	p.observe(h, http.StatusOK, 0)
	if d := p.delay(); d != 0 {
		t.Fatalf("plenty of budget: delay %v", d)
	}
	p.finish()
	h.Set("X-Ratelimit-Remaining", "3")
	p.observe(h, http.StatusOK, 0)
	// 3 left over 8s: one every 2s.
	var got []time.Duration
	for range 3 {
		got = append(got, p.delay()) // each stays in flight
	}
	want := []time.Duration{0, 2 * time.Second, 2*time.Second + 8*time.Second/3}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("delays %v, want %v", got, want)
			break
		}
	}
	h.Set("X-Ratelimit-Remaining", "0")
	p.observe(h, http.StatusOK, 0)
	if d := p.delay(); d != 8*time.Second {
		t.Errorf("budget spent: delay %v, want the 8s until reset", d)
	}
	if d := p.observe(http.Header{}, http.StatusTooManyRequests, 3*time.Second); d != 3*time.Second {
		t.Errorf("429 without reset: blocked %v, want the 3s fallback", d)
	}
}
