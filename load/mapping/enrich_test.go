package mapping

import (
	"log/slog"
	"strings"
	"testing"
)

// The selector options that make Ocean add lists to records become the
// mapping's Enrichments: set true, or on by default (include_members),
// unless set false; a non-boolean is an error naming the field.
func TestOceanEnrichmentOptions(t *testing.T) {
	resource := func(kind, selector string) string {
		return `- kind: ` + kind + `
  selector:
    query: 'true'` + selector + `
  port:
    entity:
      mappings:
        identifier: .id
        blueprint: '"x"'
`
	}
	tests := []struct {
		name, doc string
		want      []string // option/target
		err       string
	}{
		{"user with both", resource("okta-user", "\n    include_groups: true\n    include_applications: true"), []string{"include_groups/users", "include_applications/users"}, ""},
		{"user without", resource("okta-user", ""), nil, ""},
		{"user set false", resource("okta-user", "\n    include_groups: false"), nil, ""},
		{"group by default", resource("okta-group", ""), []string{"include_members/groups"}, ""},
		{"group turned off", resource("okta-group", "\n    include_members: false"), nil, ""},
		{"twice is once", resource("okta-group", "") + resource("groups", "\n    include_members: true"), []string{"include_members/groups"}, ""},
		{"not a boolean", resource("okta-user", "\n    include_groups: 'yes'"), nil, "resources[0].selector.include_groups: expected a boolean"},
		{"option of another kind", resource("okta-user", "\n    include_members: true"), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte("resources:\n"+tt.doc), "ocean.yaml", Options{Logger: slog.New(slog.DiscardHandler)})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range m.Enrichments() {
				got = append(got, e.Option+"/"+e.Target)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("Enrichments() = %v, want %v", got, tt.want)
			}
		})
	}
}
