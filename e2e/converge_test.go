package e2e_test

import (
	"github.com/oktalake/oktalake/schemas"
	"testing"
	"time"
)

// seed003 is seed 003's mapping, verbatim from Port's Okta guide (embedded
// in schemas, checked against the seed there).
func seed003(t *testing.T) []byte {
	t.Helper()
	b, err := schemas.Mapping("seed003.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seed003Streams are the streams whose records seed 003's blueprints hold.
var seed003Streams = []string{"users", "custom_roles", "permissions", "user_role_assignments", "logs"}

// TestPortEqualsOrg extracts and loads an org; deletes users and a group,
// removes and adds memberships, unassigns an app user, revokes and grants
// roles and changes a profile; extracts and loads again: Port's entities
// per blueprint equal the org's, as sets of identifiers, for the default
// mapping and for seed 003's (which has no delete rules), on a directory
// bucket and once on MinIO.
func TestPortEqualsOrg(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mapping func(*testing.T) []byte
		// streams are the streams loaded (nil: all).
		streams []string
		minio   bool
	}{
		{name: "default mapping", mapping: func(*testing.T) []byte { return nil }},
		// Seed 003's blueprints hold users, roles, permissions, role
		// assignments and events: the streams its guide loads.
		{name: "seed 003 mapping", mapping: seed003, streams: seed003Streams},
		{name: "default mapping on MinIO", mapping: func(*testing.T) []byte { return nil }, minio: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newPipeline(t, tt.mapping(t), tt.minio)
			p.loadStreams = tt.streams
			p.extract()
			// Under seed 003 the users its okta_user cannot hold (never
			// activated) are dead-lettered with Port's reason.
			var dead int64
			if tt.streams != nil {
				for _, id := range p.org.IDs("users") {
					if !p.seed003User(id) {
						dead++
					}
				}
				if dead == 0 {
					t.Fatal("the org has no STAGED user: the seed 003 case proves less than it says")
				}
				p.stubsAllowed = true
			}
			p.loadDeadLettering(dead)
			p.assertPortEqualsOrg("after the first run")
			before := p.port.Stats()

			p.clk.Advance(time.Hour)
			p.mutate()
			p.extract()
			sum := p.load()
			p.assertPortEqualsOrg("after the changes")
			if got := p.department(p.renamed); got != "Renamed" {
				t.Errorf("user %s's department in Port is %v, want the changed profile's \"Renamed\"", p.renamed, got)
			}
			after := p.port.Stats()
			if after.EntitiesDeleted == before.EntitiesDeleted {
				t.Errorf("the load after the changes deleted nothing (summary %v)", sum.Deleted)
			}
			if n := after.StubsCreated; n != 0 && !p.stubsAllowed {
				t.Errorf("Port created %d stub entities", n)
			}
		})
	}
}
