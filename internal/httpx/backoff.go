package httpx

import (
	"math/rand/v2"
	"time"
)

// Backoff is the wait before retry number n (0-based: the first retry is
// n = 0): exponential from base, capped at max, with "equal jitter" (half
// fixed, half random) so that concurrent workers hit by the same outage do
// not retry in lockstep. The result lies in [d/2, d] for d = min(base·2ⁿ, max).
func Backoff(n int, base, max time.Duration) time.Duration {
	d := max
	// base<<n overflows for large n; past 30 doublings any sane cap is reached.
	if n >= 0 && n < 30 && base<<n < max && base<<n > 0 {
		d = base << n
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
