package porttest

import "maps"

// Stats counts what the server saw.
type Stats struct {
	// Requests counts requests by route, keyed like
	// "POST /v1/blueprints/{blueprint_identifier}/entities/bulk"; unknown
	// routes count under "unmatched".
	Requests map[string]int
	// APIRequests counts requests other than token requests.
	APIRequests int
	// EntitiesUpserted counts entities created or updated by bulk upserts;
	// UpsertedByBlueprint splits it by blueprint.
	EntitiesUpserted    int
	UpsertedByBlueprint map[string]int
	// EntitiesChanged counts the upserts that created an entity or changed
	// its content; UnchangedUpserts those that left it exactly as it was.
	// Together they make EntitiesUpserted.
	EntitiesChanged  int
	UnchangedUpserts int
	// EntitiesDeleted counts entities deleted, dependents included;
	// DeletedByBlueprint splits it by blueprint.
	EntitiesDeleted    int
	DeletedByBlueprint map[string]int
	// StubsCreated counts related entities created by create_missing_related_entities.
	StubsCreated int
	// RateLimited counts 429 answers, injected ones included.
	RateLimited int
	// TooLarge counts 413 answers.
	TooLarge int
	// MaxBodyBytes is the largest request body accepted.
	MaxBodyBytes int
	// MaxBulkEntities is the most entities seen in one bulk request.
	MaxBulkEntities int
	// TokensIssued counts access tokens issued.
	TokensIssued int
	// MaxInFlight is the most requests served at once.
	MaxInFlight int
	// SearchQueries counts search-query identifiers and relations received;
	// UnresolvedQueries holds those kept verbatim because the simulator
	// cannot resolve them (operators other than "=").
	SearchQueries     int
	UnresolvedQueries []string
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Requests = maps.Clone(s.stats.Requests)
	st.UpsertedByBlueprint = maps.Clone(s.stats.UpsertedByBlueprint)
	st.DeletedByBlueprint = maps.Clone(s.stats.DeletedByBlueprint)
	st.UnresolvedQueries = append([]string(nil), s.stats.UnresolvedQueries...)
	return st
}
