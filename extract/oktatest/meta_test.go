package oktatest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestOrgMetadataConforms validates the streams users asked for against
// Okta's management spec. The spec subset routes only /meta/types/user, so
// the other endpoints' items are checked against their component schemas
// (GroupRule, DeviceList, UserSchema, AuthenticatorBase with its key's
// schema), and an altered item must fail the same check.
func TestOrgMetadataConforms(t *testing.T) {
	sp := mustSpec(t)
	cfg := testOrgConfig()
	cfg.GroupRules, cfg.Devices = 120, 230
	s, _ := startServer(t, cfg, Options{})
	check := func(u string, r response) {
		t.Helper()
		if err := sp.validate(u, r); err != nil {
			t.Errorf("GET %s: %v", u, err)
		}
		checkCommonHeaders(t, u, r)
	}
	if types := collect(t, s, "/api/v1/meta/types/user", "", false, check); len(types) != 3 {
		t.Errorf("%d user types, want the default and 2 more", len(types))
	}
	tests := []struct {
		path, schema string
		want         int
		from, to     string // an alteration the schema must reject
	}{
		{"/api/v1/groups/rules?limit=50", "GroupRule", 120, `"groupIds":[`, `"groupIds":"`},
		{"/api/v1/devices", "DeviceList", 230, `"registered":true`, `"registered":"yes"`},
		{"/api/v1/authenticators", "AuthenticatorBase", len(authenticatorKeys), `"created":"`, `"created":"then-`},
	}
	for _, tt := range tests {
		t.Run(tt.schema, func(t *testing.T) {
			pages := 0
			recs := collect(t, s, tt.path, "", false, func(u string, r response) {
				pages++
				checkCommonHeaders(t, u, r)
			})
			if len(recs) != tt.want {
				t.Errorf("%d records, want %d", len(recs), tt.want)
			}
			for i, rec := range recs {
				b, _ := json.Marshal(rec)
				if err := sp.validateSchema(tt.schema, b); err != nil {
					t.Errorf("item %d: %v\n%.300s", i, err, b)
				}
				if i == 0 {
					bad := strings.Replace(string(b), tt.from, tt.to, 1)
					if bad == string(b) {
						t.Errorf("item has no %q to alter", tt.from)
					} else if err := sp.validateSchema(tt.schema, []byte(bad)); err == nil {
						t.Errorf("altered item (%s → %s) passes", tt.from, tt.to)
					}
				}
			}
		})
	}
	t.Run("UserSchema", func(t *testing.T) {
		r := get(t, s, "/api/v1/meta/schemas/user/default")
		if r.status != http.StatusOK {
			t.Fatalf("status %d", r.status)
		}
		if err := sp.validateSchema("UserSchema", r.body); err != nil {
			t.Errorf("%v\n%.300s", err, r.body)
		}
		var us struct {
			ID          string `json:"id"`
			Definitions struct {
				Custom struct {
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"custom"`
			} `json:"definitions"`
		}
		if err := json.Unmarshal(r.body, &us); err != nil || us.ID != s.URL+"/meta/schemas/user/default" || len(us.Definitions.Custom.Properties) == 0 {
			t.Errorf("user schema id %q, %d custom attributes (%v)", us.ID, len(us.Definitions.Custom.Properties), err)
		}
	})
}

// TestOrgMetadataPageLimits: group rules page 50 by default and 200 at
// most, devices 200 either way.
func TestOrgMetadataPageLimits(t *testing.T) {
	cfg := testOrgConfig()
	cfg.GroupRules, cfg.Devices = 450, 450
	s, _ := startServer(t, cfg, Options{})
	for _, tt := range []struct {
		path string
		want int
	}{
		{"/api/v1/groups/rules", 50},
		{"/api/v1/groups/rules?limit=1000", 200},
		{"/api/v1/groups/rules?limit=7", 7},
		{"/api/v1/devices", 200},
		{"/api/v1/devices?limit=500", 200},
	} {
		r := get(t, s, tt.path)
		if got := len(r.records(t, "")); got != tt.want || r.links()["next"] == "" {
			t.Errorf("GET %s: %d records (next %q), want %d and a next link", tt.path, got, r.links()["next"], tt.want)
		}
	}
}
