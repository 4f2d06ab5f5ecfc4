package mapping

import (
	"sort"
	"sync/atomic"
)

// MappingStats counts what one mapping (or Ocean resource) did since Parse.
type MappingStats struct {
	Index     int    `json:"index"`
	Blueprint string `json:"blueprint"`
	// Kind is the Ocean resource kind ("" for webhook mappings).
	Kind string `json:"kind,omitempty"`
	// Matched counts events (records, or itemsToParse items) whose filter was true.
	Matched  int64 `json:"matched"`
	Entities int64 `json:"entities"`
	Deletes  int64 `json:"deletes"`
	Rejected int64 `json:"rejected"`
	// Errors counts jq errors by field; only fields with errors appear.
	Errors map[string]int64 `json:"errors,omitempty"`
}

// ruleStats holds one mapping's counters. The per-field map is filled while
// compiling and only read afterwards, so Apply updates it without locks.
type ruleStats struct {
	matched, entities, deletes, rejected atomic.Int64
	errs                                 map[string]*atomic.Int64
}

func (s *ruleStats) counter(field string) *atomic.Int64 {
	if s.errs == nil {
		s.errs = map[string]*atomic.Int64{}
	}
	c, ok := s.errs[field]
	if !ok {
		c = new(atomic.Int64)
		s.errs[field] = c
	}
	return c
}

// Stats returns a snapshot of every mapping's counters, in mapping order.
// It is safe to call while Apply runs.
func (m *Mapping) Stats() []MappingStats {
	out := make([]MappingStats, len(m.rules))
	for i, r := range m.rules {
		s := MappingStats{
			Index: r.index, Blueprint: r.blueprint, Kind: r.kind,
			Matched: r.stats.matched.Load(), Entities: r.stats.entities.Load(),
			Deletes: r.stats.deletes.Load(), Rejected: r.stats.rejected.Load(),
		}
		fields := make([]string, 0, len(r.stats.errs))
		for f := range r.stats.errs {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		for _, f := range fields {
			if n := r.stats.errs[f].Load(); n > 0 {
				if s.Errors == nil {
					s.Errors = map[string]int64{}
				}
				s.Errors[f] = n
			}
		}
		out[i] = s
	}
	return out
}
