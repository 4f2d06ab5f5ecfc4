package porttest

import (
	"strings"
	"testing"
)

func TestIdentifierRules(t *testing.T) {
	tests := []struct {
		id              string
		entity, blueprt bool
	}{
		{"okta_user", true, true},
		{"00u1abcd", true, true},
		{"a=b", true, false},
		{"https://x.okta.com/api/v1/roles/cr0", true, true},
		{`back\slash`, true, true},
		{"Ünïcödé", true, true},
		{"a.b", true, true},
		{"...", true, true},
		{".", false, false},
		{"..", false, false},
		{"", false, false},
		{"a b", false, false},
		{"a#b", false, false},
		{"a?b", false, false},
		{strings.Repeat("a", 100), true, true},
		{strings.Repeat("a", 101), true, false},
		{strings.Repeat("é", 1000), true, false},
		{strings.Repeat("a", 1001), false, false},
	}
	for _, tt := range tests {
		if got := validEntityID(tt.id); got != tt.entity {
			t.Errorf("validEntityID(%.20q) = %v, want %v", tt.id, got, tt.entity)
		}
		if got := validBlueprintID(tt.id); got != tt.blueprt {
			t.Errorf("validBlueprintID(%.20q) = %v, want %v", tt.id, got, tt.blueprt)
		}
	}
}
