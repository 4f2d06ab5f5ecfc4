package load

import (
	"context"
	"fmt"
	"time"

	"github.com/oktalake/oktalake/lake"
)

// ReplayErrors retries every dead letter of this loader (its Name) that
// carries its record: the record is mapped again (with the current mapping)
// and its entities upserted. Each dead-letter object is replaced by one
// holding only what failed again (and the lines that cannot be retried), so
// nothing is lost by a replay.
//
// Dead letters written before they were kept per loader name (see
// lake.ParseDeadLetterKey) are replayed by the loader named "default", the
// name every loader had unless told otherwise; what fails again is kept
// under its own name.
func (l *Loader) ReplayErrors(ctx context.Context) (*Summary, error) {
	start := l.cfg.Clock.Now()
	base := lake.ErrorsRoot(l.cfg.Prefix)
	type deadLetterObject struct{ stream, key string }
	var objects []deadLetterObject
	err := l.cfg.Store.List(ctx, base, "", func(o lake.ObjectInfo) error {
		loader, stream, ok := lake.ParseDeadLetterKey(l.cfg.Prefix, o.Key)
		if ok && (loader == l.cfg.Name || loader == "" && l.cfg.Name == DefaultName) {
			objects = append(objects, deadLetterObject{stream, o.Key})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing dead letters under %s: %w", base, err)
	}
	want := map[string]bool{}
	for _, s := range l.cfg.Streams {
		want[s] = true
	}
	if l.cfg.Enricher != nil && len(objects) > 0 {
		if err := l.cfg.Enricher.Prepare(ctx); err != nil {
			return l.replaySummary(start), fmt.Errorf("preparing the Ocean enrichments: %w", err)
		}
	}
	for _, o := range objects {
		if len(want) > 0 && !want[o.stream] {
			continue
		}
		if err := l.replayObject(ctx, o.stream, o.key); err != nil {
			return l.replaySummary(start), err
		}
	}
	return l.replaySummary(start), nil
}

// replaySummary is a replay's summary: no listing of data objects.
func (l *Loader) replaySummary(start time.Time) *Summary {
	sum := l.summary(start)
	sum.Listing, sum.Found = "", 0
	return sum
}

func (l *Loader) replayObject(ctx context.Context, stream, key string) error {
	items, err := readDeadLetters(ctx, l.cfg.Store, key, l.cfg.MaxLineBytes)
	if err != nil {
		return err
	}
	o := l.newObjectLoad(stream, key)
	led, err := l.ledgerOf(ctx, stream)
	if err != nil {
		return err
	}
	o.led = led
	for _, it := range items {
		if len(it.Record) == 0 {
			o.dl.add(it) // nothing to retry: keep it
			continue
		}
		// The record keeps its source object's key (the mapping may read
		// it) and line.
		if err := o.add(ctx, it.ObjectKey, lake.Record{Data: it.Record, Line: it.Line}); err != nil {
			o.batches.wait()
			return err
		}
	}
	counts, err := o.finish(ctx)
	if err != nil {
		return err
	}
	if err := o.dl.commit(ctx); err != nil {
		return err
	}
	if err := l.saveLedger(ctx, led); err != nil {
		return err
	}
	if err := l.cfg.Store.Delete(ctx, key); err != nil {
		return fmt.Errorf("removing replayed dead letters %s: %w", key, err)
	}
	l.record(stream, counts)
	return nil
}
