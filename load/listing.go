package load

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/oktalake/oktalake/lake"
)

// Follow passes list what is new. A follow run remembers, per stream, the
// data objects its last listing found; a later pass lists only the keys
// after the greatest one (from the start of that key's object name, so a
// later part of it, "x_10" after "x_9", is seen) and keeps what it
// remembers below. Keys sort by time in the default path format, but
// `backfill logs` writes into past months and a custom --path-format need
// not sort by time at all, so the whole stream is listed again on a
// follow run's first pass and then at least every Config.FullListEvery:
// an object written below the mark is loaded at the latest by the next
// full listing.

// DefaultFullListEvery is how often a follow run lists every key of every
// stream; passes in between list from each stream's last key.
const DefaultFullListEvery = 10 * time.Minute

// listCache is what the last listings of a follow run found.
type listCache struct {
	// full is when the last full listing started (zero: none yet).
	full time.Time
	// fullPass says the pass in progress lists every key.
	fullPass bool
	// objects holds each stream's data objects in key order.
	objects map[string][]lake.ObjectInfo
}

// beginPass decides whether the pass about to start lists every key.
func (l *Loader) beginPass() {
	c := &l.lists
	now := l.cfg.Clock.Now()
	c.fullPass = !l.cfg.Follow || c.full.IsZero() || now.Sub(c.full) >= l.cfg.FullListEvery
	if c.fullPass {
		c.full = now
		c.objects = map[string][]lake.ObjectInfo{}
	}
}

// listStream returns every data object of stream in key order: listed in
// full on a full pass, else the remembered ones with those after the last
// remembered key's object name listed again.
func (l *Loader) listStream(ctx context.Context, stream string) ([]lake.ObjectInfo, error) {
	prefix := lake.JoinKey(l.cfg.Prefix, l.cfg.Namespace, stream) + "/"
	c := &l.lists
	known, ok := c.objects[stream]
	start := ""
	if !c.fullPass && ok && len(known) > 0 {
		start = known[len(known)-1].Key
		if base, _, isPart := lake.ParsePartKey(start); isPart && strings.HasPrefix(base, prefix) {
			start = base // every part of the last object name, listed again
		}
	}
	if !c.fullPass && !ok {
		known = nil // a stream new since the last full listing: list it all
	}
	var fresh []lake.ObjectInfo
	err := l.cfg.Store.List(ctx, prefix, start, func(o lake.ObjectInfo) error {
		if lake.IsDataObject(o.Key) {
			fresh = append(fresh, o)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", prefix, err)
	}
	keep := sort.Search(len(known), func(i int) bool { return known[i].Key > start })
	if start == "" {
		keep = 0
	}
	listed := append(append(make([]lake.ObjectInfo, 0, keep+len(fresh)), known[:keep]...), fresh...)
	if l.cfg.Follow {
		c.objects[stream] = listed
	}
	return listed, nil
}

// errStreamFound stops a listing at the first key of a stream.
var errStreamFound = errors.New("stream found")

// listStreamNames finds the streams under base, one listing per stream:
// each starts after every key of the stream found before and stops at the
// first key of the next ('0' is the byte after '/').
func listStreamNames(ctx context.Context, s lake.Store, base string) (map[string]bool, error) {
	found := map[string]bool{}
	start := ""
	for {
		name := ""
		err := s.List(ctx, base, start, func(o lake.ObjectInfo) error {
			rest := strings.TrimPrefix(o.Key, base)
			if i := strings.IndexByte(rest, '/'); i > 0 {
				name = rest[:i]
				return errStreamFound
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStreamFound) {
			return nil, fmt.Errorf("listing %s: %w", base, err)
		}
		if name == "" {
			return found, nil
		}
		found[name] = true
		start = base + name + "0"
	}
}
