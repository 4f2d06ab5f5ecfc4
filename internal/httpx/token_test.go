package httpx

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
)

var start = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// endpoint is a token endpoint whose answers a test holds back: each fetch
// announces itself on started and answers when the test sends on answer.
type endpoint struct {
	calls   atomic.Int32
	started chan int
	answer  chan error
}

func newEndpoint() *endpoint {
	return &endpoint{started: make(chan int, 16), answer: make(chan error)}
}

func (e *endpoint) fetch(ctx context.Context) (string, time.Duration, error) {
	n := int(e.calls.Add(1))
	e.started <- n
	select {
	case err := <-e.answer:
		if err != nil {
			return "", 0, err
		}
		return fmt.Sprintf("token-%d", n), time.Hour, nil
	case <-ctx.Done():
		return "", 0, ctx.Err()
	}
}

// awaitJoined waits until n callers wait for the fetch in flight.
func awaitJoined(t *testing.T, tc *TokenCache, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tc.mu.Lock()
		joined := 0
		if tc.inflight != nil {
			joined = tc.inflight.joined
		}
		tc.mu.Unlock()
		if joined >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d callers joined the fetch, want %d", joined, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func noMargin(time.Duration) time.Duration { return 0 }

// instant fetches at once, counting.
func instant(calls *int, life time.Duration) FetchToken {
	return func(context.Context) (string, time.Duration, error) {
		*calls++
		return fmt.Sprintf("token-%d", *calls), life, nil
	}
}

func TestTokenCacheRenewsBeforeExpiry(t *testing.T) {
	clk := clock.NewManual(start)
	calls := 0
	tc := NewTokenCache(clk, func(life time.Duration) time.Duration { return life / 10 }, instant(&calls, 100*time.Second))
	steps := []struct {
		advance   time.Duration
		wantToken string
	}{
		{0, "token-1"},
		{89 * time.Second, "token-1"}, // 11 s left, outside the 10 s margin
		{2 * time.Second, "token-2"},  // 9 s left: renewed
		{89 * time.Second, "token-2"},
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		tok, err := tc.Get(context.Background())
		if err != nil || tok != s.wantToken {
			t.Fatalf("step %d: Get = %q, %v; want %q", i, tok, err, s.wantToken)
		}
	}
	if calls != 2 {
		t.Errorf("%d fetches, want 2", calls)
	}
}

func TestTokenCacheInvalidatesOnlyTheCurrentToken(t *testing.T) {
	calls := 0
	tc := NewTokenCache(clock.NewManual(start), noMargin, instant(&calls, time.Hour))
	ctx := context.Background()
	old, _ := tc.Get(ctx)
	tc.Invalidate(old)
	renewed, _ := tc.Get(ctx)
	tc.Invalidate(old) // a late 401 for the old token: the new one stays
	again, _ := tc.Get(ctx)
	if old != "token-1" || renewed != "token-2" || again != "token-2" || calls != 2 {
		t.Errorf("tokens %q %q %q after %d fetches; want token-1 token-2 token-2 after 2", old, renewed, again, calls)
	}
	if got := tc.Current(); got != "token-2" {
		t.Errorf("Current = %q", got)
	}
}

func TestTokenCacheConcurrentCallersShareOneFetch(t *testing.T) {
	e := newEndpoint()
	tc := NewTokenCache(clock.NewManual(start), noMargin, e.fetch)
	const callers = 8
	var wg sync.WaitGroup
	results := make(chan string, callers)
	for range callers {
		wg.Go(func() {
			tok, err := tc.Get(context.Background())
			if err != nil {
				t.Error(err)
			}
			results <- tok
		})
	}
	<-e.started
	awaitJoined(t, tc, callers-1)
	e.answer <- nil
	wg.Wait()
	close(results)
	for tok := range results {
		if tok != "token-1" {
			t.Errorf("a caller got %q, want token-1", tok)
		}
	}
	if n := e.calls.Load(); n != 1 {
		t.Errorf("%d fetches for %d concurrent callers, want 1", n, callers)
	}
}

// TestTokenCacheWaiterCancelledWhileFetchIsSlow: a caller waiting for
// another's fetch returns when its context is done; the fetch goes on and
// its caller gets the token.
func TestTokenCacheWaiterCancelledWhileFetchIsSlow(t *testing.T) {
	e := newEndpoint()
	tc := NewTokenCache(clock.NewManual(start), noMargin, e.fetch)
	first := make(chan error, 1)
	go func() {
		_, err := tc.Get(context.Background())
		first <- err
	}()
	<-e.started

	ctx, cancel := context.WithCancel(context.Background())
	waiter := make(chan error, 1)
	go func() {
		_, err := tc.Get(ctx)
		waiter <- err
	}()
	awaitJoined(t, tc, 1)
	cancel()
	select {
	case err := <-waiter:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled waiter: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a waiter was not released by its cancelled context while the fetch hung")
	}
	e.answer <- nil
	if err := <-first; err != nil {
		t.Fatalf("the fetching caller: %v", err)
	}
	if tok, err := tc.Get(context.Background()); tok != "token-1" || err != nil || e.calls.Load() != 1 {
		t.Errorf("after the slow fetch: %q, %v after %d fetches; want the cached token-1", tok, err, e.calls.Load())
	}
}

// TestTokenCacheFetcherCancelledWaiterTakesOver: when the caller that
// started the fetch gives up, a caller still waiting fetches for itself
// instead of inheriting someone else's cancellation.
func TestTokenCacheFetcherCancelledWaiterTakesOver(t *testing.T) {
	e := newEndpoint()
	tc := NewTokenCache(clock.NewManual(start), noMargin, e.fetch)
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := tc.Get(ctx)
		first <- err
	}()
	<-e.started
	second := make(chan string, 1)
	go func() {
		tok, err := tc.Get(context.Background())
		if err != nil {
			t.Error(err)
		}
		second <- tok
	}()
	awaitJoined(t, tc, 1)
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled fetcher: %v", err)
	}
	if n := <-e.started; n != 2 {
		t.Fatalf("fetch %d started, want the second", n)
	}
	e.answer <- nil
	if tok := <-second; tok != "token-2" {
		t.Errorf("the waiter got %q, want its own token-2", tok)
	}
}

// TestTokenCacheFetchErrorIsShared: the callers that joined a failed fetch
// get its error (one refusal, not one fetch each), and the next Get tries again.
func TestTokenCacheFetchErrorIsShared(t *testing.T) {
	e := newEndpoint()
	tc := NewTokenCache(clock.NewManual(start), noMargin, e.fetch)
	refused := errors.New("invalid_client")
	const callers = 4
	errs := make(chan error, callers)
	for range callers {
		go func() {
			_, err := tc.Get(context.Background())
			errs <- err
		}()
	}
	<-e.started
	awaitJoined(t, tc, callers-1)
	e.answer <- refused
	for range callers {
		if err := <-errs; !errors.Is(err, refused) {
			t.Errorf("a caller got %v, want the shared refusal", err)
		}
	}
	if n := e.calls.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
	go func() { <-e.started; e.answer <- nil }()
	if tok, err := tc.Get(context.Background()); tok != "token-2" || err != nil {
		t.Errorf("Get after a refusal = %q, %v; want a new fetch", tok, err)
	}
}
