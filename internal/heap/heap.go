// Package heap reads the size of the Go heap cheaply (runtime/metrics, no
// stop-the-world), for memory budgets in the loader and for tests that
// prove hostile input cannot grow the heap past a bound.
package heap

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// objectsMetric is the memory held by heap objects, live or not yet swept.
const objectsMetric = "/memory/classes/heap/objects:bytes"

// Objects returns the bytes occupied by heap objects now, garbage not yet
// collected included.
func Objects() uint64 {
	s := []metrics.Sample{{Name: objectsMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// Live returns the bytes of live heap objects: it collects garbage first,
// so it is slow; call it only to confirm what Objects suggests.
func Live() uint64 {
	runtime.GC()
	return Objects()
}

// PeakGrowth runs f and returns how far the heap grew above its size
// before f, sampled every millisecond while f runs (a test helper: the
// samples see allocations that stay live for at least a millisecond).
func PeakGrowth(f func()) uint64 {
	base := Live()
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	sample := func() {
		if n := Objects(); n > base {
			mu.Lock()
			peak = max(peak, n-base)
			mu.Unlock()
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	f()
	sample()
	close(done)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return peak
}
