package mapping

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseRejectsBadMappings(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"syntax error", `[{"blueprint": "a", "entity": {"identifier": ".body.id"}}, {"blueprint": "b", "entity": {"identifier": ".body.id", "properties": {"email": ".body.profile."}}}]`,
			`bad.json: mapping[1].entity.properties.email: compiling ".body.profile.": unexpected EOF`},
		{"unknown function", `[{"blueprint": "b", "filter": ".body | nosuch", "entity": {"identifier": ".body.id"}}]`,
			`bad.json: mapping[0].filter: compiling ".body | nosuch": function not defined: nosuch/0`},
		{"input not allowed", `[{"blueprint": "b", "entity": {"identifier": "input"}}]`,
			`bad.json: mapping[0].entity.identifier: compiling "input": input(s)/0 is not allowed`},
		{"bad search query leaf", `[{"blueprint": "b", "entity": {"identifier": ".body.id", "relations": {"r": {"combinator": "'and'", "rules": [{"value": ".["}]}}}}]`,
			`bad.json: mapping[0].entity.relations.r.rules[0].value: compiling ".[": unexpected EOF`},
		{"missing identifier", `[{"blueprint": "b", "entity": {"title": ".body.id"}}]`, `bad.json: mapping[0].entity.identifier: missing`},
		{"missing blueprint", `[{"entity": {"identifier": ".body.id"}}]`, `bad.json: mapping[0].blueprint: expected a blueprint identifier string, got null`},
		{"not a mapping", `{"foo": 1}`, `bad.json: not a mapping`},
		{"ocean bad query", "resources:\n- kind: okta-user\n  selector:\n    query: '.id =='\n  port:\n    entity:\n      mappings:\n        identifier: .id\n        blueprint: '\"u\"'\n",
			`bad.json: resources[0].selector.query: compiling ".id ==": unexpected EOF`},
		{"ocean unknown kind", "resources:\n- kind: okta-device\n  port:\n    entity:\n      mappings:\n        identifier: .id\n        blueprint: '\"u\"'\n",
			`bad.json: resources[0].kind: unknown kind "okta-device"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), "bad.json", quietOptions())
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant prefix %s", err, tt.want)
			}
		})
	}
}

func TestBlueprintsAndStreamOf(t *testing.T) {
	for _, tt := range []struct {
		file string
		want []string
	}{
		{"seed003.json", []string{"okta_role", "okta_permission", "okta_role_assignment", "okta_user", "okta_event"}},
		{"ocean.yaml", []string{"okta-user", "okta-group"}},
	} {
		m, err := Parse(mappingFile(t, tt.file), tt.file, quietOptions())
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Blueprints(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Blueprints() = %v, want %v", tt.file, got, tt.want)
		}
	}
	for key, want := range map[string]string{
		"data/okta/users/year=2024/month=08/13_1_0.jsonl.gz": "users",
		"data/okta/logs":  "logs",
		"data/okta":       "",
		"":                "",
		"/data/okta/logs": "okta",
	} {
		if got := StreamOf(key); got != want {
			t.Errorf("StreamOf(%q) = %q, want %q", key, got, want)
		}
	}
}
