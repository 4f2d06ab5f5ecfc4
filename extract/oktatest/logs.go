package oktatest

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Persistence lags: most events are stored within about two seconds of being
// published, late ones within ten minutes. maxGenLag bounds how far behind
// published order persistence order can run for generated events.
const (
	maxGenLagMs = 600_000 + 2_100
	// logRetention is how long Okta keeps events: older ones are gone.
	logRetention = 90 * day
	// logSinceLimit is how far back Okta lets since reach at all.
	logSinceLimit = 180 * day
	// defaultLogWindow is since's default: 7 days before until (or now).
	defaultLogWindow = 7 * day
)

// logKey places one event in both orders: published for bounded queries,
// persisted for polling ones. ord breaks ties and identifies the event:
// generated events are 0..LogEvents-1, added ones follow.
type logKey struct {
	ord                  int
	published, persisted int64 // Unix milliseconds
}

func (a logKey) pubLess(b logKey) bool {
	return a.published < b.published || a.published == b.published && a.ord < b.ord
}

func (a logKey) persLess(b logKey) bool {
	return a.persisted < b.persisted || a.persisted == b.persisted && a.ord < b.ord
}

// genLogKey places generated event i. Published times are non-decreasing in
// i, so a binary search over i finds any published time.
func (o *Org) genLogKey(i int) logKey {
	n := float64(o.cfg.LogEvents)
	spanMs := float64(o.cfg.LogSpan.Milliseconds())
	u := float64(hash64(o.cfg.Seed, kindLog, i)>>11) / (1 << 53)
	pub := o.logStart.UnixMilli() + int64(math.Floor((float64(i)+u)*spanMs/n))
	h := hash64(o.cfg.Seed, kindLog, i, 7)
	lag := 100 + int64(h>>20%2000)
	if float64(h>>11)/(1<<53) < o.cfg.LateLogFraction {
		lag = 60_000 + int64(h>>32%540_000)
	}
	return logKey{ord: i, published: pub, persisted: pub + lag}
}

// firstPubAtLeast returns the first generated event published at or after ms.
func (o *Org) firstPubAtLeast(ms int64) int {
	return sort.Search(o.cfg.LogEvents, func(i int) bool { return o.genLogKey(i).published >= ms })
}

// CountLogs returns how many events a bounded query would return as of
// asOf: published in [since, until) and persisted by asOf.
func (o *Org) CountLogs(since, until, asOf time.Time) int {
	n := 0
	o.eachBoundedLog(since.UnixMilli(), until.UnixMilli(), nil, asOf.UnixMilli(), false, nil, func(logKey) bool { n++; return true })
	return n
}

// boundedLogs returns up to limit visible events with published in
// [since, until), after the cursor and kept by match (nil: all), ordered by
// published (descending when desc is set).
func (o *Org) boundedLogs(since, until int64, after *logKey, limit int, now int64, desc bool, match func(logKey) bool) []logKey {
	var out []logKey
	o.eachBoundedLog(since, until, after, now, desc, match, func(k logKey) bool {
		out = append(out, k)
		return len(out) < limit
	})
	return out
}

// eachBoundedLog calls yield with each event boundedLogs would return, in
// order, until yield returns false.
func (o *Org) eachBoundedLog(since, until int64, after *logKey, now int64, desc bool, match func(logKey) bool, yield func(logKey) bool) {
	o.mu.RLock()
	added := o.addedLogs
	o.mu.RUnlock()
	keep := func(k logKey) bool {
		if k.published < since || k.published >= until || k.persisted > now {
			return false
		}
		if after != nil && (desc && !k.pubLess(*after) || !desc && !after.pubLess(k)) {
			return false
		}
		return match == nil || match(k)
	}
	var extra []logKey
	for _, k := range added {
		if keep(k) {
			extra = append(extra, k)
		}
	}
	if desc {
		for l, r := 0, len(extra)-1; l < r; l, r = l+1, r-1 {
			extra[l], extra[r] = extra[r], extra[l]
		}
	}
	before := func(a, b logKey) bool { // a comes first in the requested order
		if desc {
			return b.pubLess(a)
		}
		return a.pubLess(b)
	}
	i, step := o.firstPubAtLeast(since), 1
	if after != nil && !desc {
		i = max(i, o.firstPubAtLeast(after.published))
	}
	if desc {
		hi := min(until, now+1)
		if after != nil {
			hi = min(hi, after.published+1)
		}
		i, step = o.firstPubAtLeast(hi)-1, -1
	}
	nextGen := func() (logKey, bool) {
		for i >= 0 && i < o.cfg.LogEvents {
			k := o.genLogKey(i)
			i += step
			if !desc && (k.published >= until || k.published > now) || desc && k.published < since {
				i = -1
				return logKey{}, false
			}
			if keep(k) {
				return k, true
			}
		}
		return logKey{}, false
	}
	g, gok := nextGen()
	for gok || len(extra) > 0 {
		var k logKey
		if gok && (len(extra) == 0 || before(g, extra[0])) {
			k = g
			g, gok = nextGen()
		} else {
			k, extra = extra[0], extra[1:]
		}
		if !yield(k) {
			return
		}
	}
}

// pollingLogs returns up to limit visible events persisted at or after
// since, after the cursor and kept by match (nil: all), in persistence order.
func (o *Org) pollingLogs(since int64, after *logKey, limit int, now int64, match func(logKey) bool) []logKey {
	o.mu.RLock()
	added := o.addedLogs
	o.mu.RUnlock()
	best := make([]logKey, 0, min(limit, 1024))
	offer := func(k logKey) {
		if k.persisted > now || k.persisted < since || after != nil && !after.persLess(k) {
			return
		}
		at := sort.Search(len(best), func(j int) bool { return k.persLess(best[j]) })
		if at >= limit || match != nil && !match(k) {
			return
		}
		if len(best) == limit {
			best = best[:limit-1]
		}
		best = append(best, logKey{})
		copy(best[at+1:], best[at:])
		best[at] = k
	}
	low := since
	if after != nil {
		low = max(low, after.persisted)
	}
	for i := o.firstPubAtLeast(low - maxGenLagMs); i < o.cfg.LogEvents; i++ {
		k := o.genLogKey(i)
		// Persisted is never before published: once published passes the
		// worst kept persistence time, no later event can make the page.
		if k.published > now || len(best) == limit && k.published > best[limit-1].persisted {
			break
		}
		offer(k)
	}
	for _, k := range added {
		offer(k)
	}
	return best
}

// encodeLogCursor and parseLogCursor make the opaque after token: the
// position of the last returned event in the request's order.
func encodeLogCursor(ms int64, ord int) string {
	return strconv.FormatInt(ms, 10) + "_" + strconv.Itoa(ord)
}

func parseLogCursor(s string) (int64, int, error) {
	a, b, ok := strings.Cut(s, "_")
	ms, err1 := strconv.ParseInt(a, 10, 64)
	ord, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || ord < 0 {
		return 0, 0, fmt.Errorf("parsing log cursor %q: malformed", s)
	}
	return ms, ord, nil
}
