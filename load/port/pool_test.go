package port

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunBatchesBoundsConcurrencyAndGathersFailures: every batch is sent,
// never more than the client's concurrency at once, and the failures of
// all of them come back.
func TestRunBatchesBoundsConcurrencyAndGathersFailures(t *testing.T) {
	c := &Client{cfg: Config{Concurrency: 3}}
	bs := make([][]item, 20)
	for i := range bs {
		bs[i] = []item{{index: i}}
	}
	var inFlight, most atomic.Int32
	fs, err := c.runBatches(context.Background(), bs, func(_ context.Context, b []item) ([]Failure, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		return []Failure{{Index: b[0].index}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := most.Load(); m > 3 || m < 2 {
		t.Errorf("at most %d batches in flight, want up to the concurrency (3)", m)
	}
	var got []int
	for _, f := range fs {
		got = append(got, f.Index)
	}
	slices.Sort(got)
	if len(got) != 20 || got[0] != 0 || got[19] != 19 {
		t.Errorf("failures from batches %v, want all 20", got)
	}
}

// TestRunBatchesFirstErrorCancelsTheRest: the first error is returned, the
// batches in flight see their context cancelled, the unsent ones are not
// sent, and the failures already gathered are kept.
func TestRunBatchesFirstErrorCancelsTheRest(t *testing.T) {
	c := &Client{cfg: Config{Concurrency: 2}}
	bs := make([][]item, 50)
	for i := range bs {
		bs[i] = []item{{index: i}}
	}
	boom := errors.New("boom")
	var sent atomic.Int32
	var mu sync.Mutex
	cancelledSeen := 0
	fs, err := c.runBatches(context.Background(), bs, func(ctx context.Context, b []item) ([]Failure, error) {
		sent.Add(1)
		switch b[0].index {
		case 0:
			return []Failure{{Index: 0}}, nil
		case 1:
			time.Sleep(5 * time.Millisecond)
			return nil, boom
		}
		select {
		case <-ctx.Done():
			mu.Lock()
			cancelledSeen++
			mu.Unlock()
			return nil, ctx.Err()
		case <-time.After(10 * time.Second):
			return nil, nil
		}
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want the first error", err)
	}
	if n := sent.Load(); n >= 50 {
		t.Errorf("%d of 50 batches sent after the first error", n)
	}
	if cancelledSeen == 0 {
		t.Error("no batch in flight saw its context cancelled")
	}
	if len(fs) != 1 || fs[0].Index != 0 {
		t.Errorf("failures %+v, want batch 0's", fs)
	}
}

// TestRunBatchesCancelledContextStopsFeeding: a context cancelled while
// batches wait is the error, even if every batch sent succeeded.
func TestRunBatchesCancelledContextStopsFeeding(t *testing.T) {
	c := &Client{cfg: Config{Concurrency: 1}}
	bs := make([][]item, 10)
	for i := range bs {
		bs[i] = []item{{index: i}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sent atomic.Int32
	_, err := c.runBatches(ctx, bs, func(context.Context, []item) ([]Failure, error) {
		if sent.Add(1) == 3 {
			cancel()
		}
		return nil, nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if n := sent.Load(); n >= 10 {
		t.Errorf("all %d batches sent after the cancellation", n)
	}
}
