package streams

import (
	"slices"
	"testing"
)

// A stream that follows the System Log needs its scope too: with OAuth,
// extracting users alone must still be allowed to read the change feed.
func TestScopesOfChangeFeeds(t *testing.T) {
	for _, st := range All() {
		if _, ok := st.Changes(); !ok {
			continue
		}
		if got := Scopes([]Stream{st}); !slices.Contains(got, "okta.logs.read") || !slices.Contains(got, st.Scope) {
			t.Errorf("%s: scopes %v, want its own and okta.logs.read", st.Name, got)
		}
	}
}

// Every rule names an event type and a target, and a delete a key field of
// its stream.
func TestChangeRulesNameKeyFields(t *testing.T) {
	for _, st := range All() {
		feed, ok := st.Changes()
		if !ok {
			continue
		}
		for _, r := range feed.Rules {
			if r.EventType == "" || r.TargetType == "" {
				t.Errorf("%s: rule %+v without an event type or target", st.Name, r)
			}
			if !r.Relist && !slices.Contains(st.PrimaryKey, r.Field) {
				t.Errorf("%s: delete rule %s names %q, not a key field (%v)", st.Name, r.EventType, r.Field, st.PrimaryKey)
			}
		}
	}
}
