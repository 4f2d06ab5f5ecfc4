package extract

import (
	"testing"

	"github.com/oktalake/oktalake/extract/oktatest"
)

// TestOrgMetadataStreams extracts each of the streams users asked for
// (group rules, user types, the user schema, devices, authenticators)
// through the real client from the simulated org: every record arrives
// once, with the fields its primary key and its Port entity need, and the
// paged endpoints take as many pages as their page size says.
func TestOrgMetadataStreams(t *testing.T) {
	cfg := oktatest.DefaultOrgConfig()
	cfg.Groups, cfg.GroupRules, cfg.Devices = 30, 230, 450 // both paged streams span three pages
	f := newFixture(t, fixtureOptions{org: cfg})
	tests := []struct {
		stream string
		pages  int64
		check  func(t *testing.T, rec map[string]any)
	}{
		{"group_rules", 2, func(t *testing.T, rec map[string]any) {
			ids, _ := dig(rec, "actions", "assignUserToGroups", "groupIds").([]any)
			if len(ids) == 0 || rec["type"] != "group_rule" {
				t.Errorf("rule %v: no target groups or not a group_rule", rec["id"])
			}
		}},
		{"user_types", 1, func(t *testing.T, rec map[string]any) {
			if rec["name"] == "" || rec["displayName"] == nil {
				t.Errorf("user type %v without a name", rec["id"])
			}
		}},
		{"user_schema", 1, func(t *testing.T, rec map[string]any) {
			custom, _ := dig(rec, "definitions", "custom", "properties").(map[string]any)
			if _, ok := custom["costCenter"]; !ok || rec["name"] != "user" {
				t.Errorf("user schema %v: custom attributes %v", rec["id"], custom)
			}
		}},
		{"devices", 3, func(t *testing.T, rec map[string]any) {
			if dig(rec, "profile", "platform") == nil || rec["status"] == nil {
				t.Errorf("device %v without platform or status", rec["id"])
			}
		}},
		{"authenticators", 1, func(t *testing.T, rec map[string]any) {
			if rec["key"] == nil || rec["type"] == nil {
				t.Errorf("authenticator %v without key or type", rec["id"])
			}
		}},
	}
	var names []string
	for _, tt := range tests {
		names = append(names, tt.stream)
	}
	sum := mustRun(t, f.config(names...))
	for _, tt := range tests {
		t.Run(tt.stream, func(t *testing.T) {
			recs := readStream(t, f.store, tt.stream)
			if want := f.org.Count(tt.stream); len(recs) != want || want == 0 {
				t.Fatalf("%d records in the bucket, the org has %d", len(recs), want)
			}
			seen := map[any]bool{}
			for _, r := range recs {
				key := r["id"]
				if tt.stream == "user_schema" {
					key = r["name"]
				}
				if key == nil || seen[key] {
					t.Errorf("primary key %v missing or twice", key)
				}
				seen[key] = true
				tt.check(t, r)
			}
			for _, st := range sum.Streams {
				if st.Stream == tt.stream && st.Pages != tt.pages {
					t.Errorf("%d pages read, want %d", st.Pages, tt.pages)
				}
			}
		})
	}
}

// dig walks nested objects by field names; nil when a step is missing.
func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}
