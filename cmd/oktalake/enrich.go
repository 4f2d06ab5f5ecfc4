package main

import (
	"log/slog"

	"github.com/oktalake/oktalake/load/enrich"
	"github.com/oktalake/oktalake/load/mapping"
)

// newJoiner is the join of what the mapping's Ocean selectors ask for
// (include_groups, include_members, include_applications) from the bucket's
// streams; nil when they ask for nothing.
func newJoiner(m *mapping.Mapping, b *bucket, maxLine int, log *slog.Logger) *enrich.Joiner {
	if m == nil { // a Port webhook integration maps in Port
		return nil
	}
	wants := m.Enrichments()
	if len(wants) == 0 {
		return nil
	}
	for _, e := range wants {
		log.Info("Ocean enrichment joined from the bucket", "option", e.Option, "stream", e.Target, "field", e.Field, "from", e.Source)
	}
	return enrich.New(enrich.Config{Store: b.store, Prefix: b.prefix, Namespace: b.namespace, Enrichments: wants, MaxLineBytes: maxLine, Logger: log})
}
