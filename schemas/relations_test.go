package schemas

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestNoRequiredRelations checks that no shipped blueprint has a required
// relation. Port refuses to delete an entity that a required relation
// points at unless the delete sets delete_dependents ("the delete operation
// will fail if this flag is set to false", docs.port.io, Custom integration
// API, Advanced: Delete Dependents), so a required okta_event.OktaUser would
// keep every user who ever acted in Okta from being deleted, while Okta
// keeps the events of deleted users. The one seed relation relaxed to
// optional is listed in relaxedSeedRelations.
func TestNoRequiredRelations(t *testing.T) {
	raw, err := PortBlueprints()
	if err != nil {
		t.Fatal(err)
	}
	for id, b := range raw {
		var bp struct {
			Relations map[string]struct {
				Required bool `json:"required"`
			} `json:"relations"`
		}
		if err := json.Unmarshal(b, &bp); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		for name, r := range bp.Relations {
			if r.Required {
				t.Errorf("%s.%s is required: deleting its target in Port would need delete_dependents", id, name)
			}
		}
	}
	// The seed check and this one agree on what was relaxed.
	for _, rel := range relaxedSeedRelations {
		if !slices.Contains(seedBlueprintIDs, rel.blueprint) {
			t.Errorf("relaxed relation %s.%s is not on a seed blueprint", rel.blueprint, rel.relation)
		}
	}
}
