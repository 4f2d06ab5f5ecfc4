package mapping

import (
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

func TestOceanDialect(t *testing.T) {
	var logs logBuffer
	opts := Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	doc := `createMissingRelatedEntities: true
deleteDependentEntities: true
resources:
- kind: okta-user
  selector:
    query: '.status == "ACTIVE"'
    include_groups: true
    frobnicate: 3
  port:
    entity:
      mappings:
        identifier: .id
        title: .profile.login
        blueprint: '"okta-user"'
        properties:
          email: .profile.email
          nothing: .profile.nosuch | values
        relations:
          groups: .groups[]?.id
- kind: user_role_assignments
  selector:
    query: 'true'
  port:
    itemsToParse: .credentials.emails
    entity:
      mappings:
        identifier: .item.value
        blueprint: .kindOfThing
`
	m, err := Parse([]byte(doc), "ocean.yaml", opts)
	if err != nil {
		t.Fatal(err)
	}
	if m.Dialect() != Ocean || !m.DeleteDependentEntities() {
		t.Errorf("dialect %s, deleteDependents %v", m.Dialect(), m.DeleteDependentEntities())
	}
	for _, want := range []string{"selector.frobnicate", "unknown selector option"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("warnings lack %q:\n%s", want, logs.String())
		}
	}
	// include_groups is applied (joined by the loader), not warned about.
	if strings.Contains(logs.String(), "include_groups") {
		t.Errorf("include_groups warned about:\n%s", logs.String())
	}
	if en := m.Enrichments(); len(en) != 1 || en[0].Option != "include_groups" || en[0].Target != "users" || en[0].Field != "groups" {
		t.Errorf("Enrichments() = %+v, want include_groups on users", en)
	}
	if got, want := m.Blueprints(), []string{"okta-user"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Blueprints() = %v, want %v", got, want)
	}

	ctx := context.Background()
	res := m.Apply(ctx, json.RawMessage(userRecord), objectKey("users"))
	if len(res.Entities) != 1 || len(res.Errors) != 0 {
		t.Fatalf("users: got %+v", res)
	}
	e := res.Entities[0]
	wantProps := map[string]any{"email": "isaac@example.com", "nothing": nil} // Ocean: no output is None
	if e.Blueprint != "okta-user" || e.Identifier != "00ub0oNGTSWTBKOLGLNR" || !reflect.DeepEqual(e.Properties, wantProps) ||
		!reflect.DeepEqual(e.Relations, map[string]any{"groups": nil}) || e.CreateMissingRelated == nil || !*e.CreateMissingRelated {
		t.Errorf("entity = %s", show(e))
	}
	// The same record under another stream is not an okta-user.
	if res := m.Apply(ctx, json.RawMessage(userRecord), objectKey("group_members")); len(res.Entities)+len(res.Errors)+len(res.Rejected) != 0 {
		t.Errorf("group_members: got %+v", res)
	}
	// A stream name is a kind; a computed blueprint that is null is rejected.
	res = m.Apply(ctx, json.RawMessage(userRecord), objectKey("user_role_assignments"))
	if len(res.Rejected) != 2 || !strings.Contains(res.Rejected[0].Reason, "blueprint is null") {
		t.Errorf("user_role_assignments: got %+v", res)
	}
}
