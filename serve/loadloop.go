package serve

import (
	"context"
	"slices"

	"github.com/oktalake/oktalake/load"
	"github.com/oktalake/oktalake/streams"
)

// loadLoop loads what was committed into Port, one pass after each wake
// (commits coalesce while a pass runs), and a last pass once the
// refresher has drained. A pass is an ordinary run of the loader: its
// checkpoint says what is new, its ledger what changed.
func (s *Server) loadLoop(ctx context.Context) {
	for {
		select {
		case <-s.wake:
		case <-s.stopped:
			s.loadPass(context.WithoutCancel(ctx))
			return
		}
		s.loadPass(context.WithoutCancel(ctx))
	}
}

func (s *Server) loadPass(ctx context.Context) {
	cfg := *s.cfg.Load
	cfg.Store, cfg.Prefix, cfg.Namespace = s.cfg.Store, s.cfg.Prefix, s.cfg.Namespace
	cfg.Follow = false
	if len(cfg.Streams) == 0 {
		// The extracted streams: event_hook_events holds System Log events
		// that the logs stream brings to Port with the next extract, and
		// the default mapping has no entry of its own for it.
		cfg.Streams = streams.LoadOrder()
		cfg.Streams = slices.DeleteFunc(cfg.Streams, func(name string) bool { st, _ := streams.Lookup(name); return st.Live })
	}
	l, err := load.New(ctx, cfg)
	if err != nil {
		s.cfg.Logger.Error("starting a load pass", "error", err)
		return
	}
	sum, err := l.Run(ctx)
	if sum != nil {
		for _, st := range sum.Streams {
			if st.Entities > 0 {
				s.cfg.Metrics.EntitiesLoaded.WithLabelValues(st.Stream).Add(float64(st.Entities))
			}
			if dl := st.Failed + st.Rejected + st.BadLines; dl > 0 {
				s.cfg.Metrics.DeadLettersSent.WithLabelValues(st.Stream).Add(float64(dl))
			}
		}
	}
	if err != nil {
		s.cfg.Logger.Error("load pass failed (the next pass retries what it left)", "error", err)
	}
}
