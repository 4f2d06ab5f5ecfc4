package mapping

import (
	"strings"
	"testing"
)

func TestIdentifierRule(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"00ub0oNGTSWTBKOLGLNR", true},
		{"a.b@c+d:e/f=g-h_i\\j", true},
		{"José_王李_Ωμέγα", true},
		{"...", true},
		{".a", true},
		{strings.Repeat("x", 1000), true},
		{strings.Repeat("é", 1000), true},
		{".", false},
		{"..", false},
		{"", false},
		{"has space", false},
		{"tab\there", false},
		{"emoji😀", false},
		{"comma,", false},
		{"e\u0301", false}, // a combining mark is not \p{L}
		{strings.Repeat("x", 1001), false},
	}
	for _, tt := range tests {
		err := CheckIdentifier(tt.id)
		if (err == nil) != tt.ok {
			t.Errorf("CheckIdentifier(%q) = %v, want ok=%v", shorten(tt.id), err, tt.ok)
		}
	}

	m := mustParse(t, `[{"blueprint": "b", "entity": {"identifier": ".body.profile.firstName + \" x\""}},
		{"blueprint": "b", "entity": {"identifier": ".body.nosuch"}},
		{"blueprint": "b", "entity": {"identifier": "\"..\""}},
		{"blueprint": "b", "entity": {"identifier": "1001 | tostring | . * 1"}},
		{"blueprint": "b", "entity": {"identifier": "42"}},
		{"blueprint": "b", "operation": "delete", "entity": {"identifier": "\"a b\""}}]`)
	res := applyUser(t, m)
	if len(res.Entities) != 1 || len(res.Deletes) != 0 {
		t.Errorf("entities %+v deletes %+v", res.Entities, res.Deletes)
	}
	reasons := map[int]string{}
	for _, r := range res.Rejected {
		reasons[r.MappingIndex] = r.Reason
	}
	want := map[int]string{0: `has ' '`, 1: "identifier is null", 2: `identifier ".." is not allowed`, 4: "identifier is a number, not a string", 5: `has ' '`}
	for idx, sub := range want {
		if !strings.Contains(reasons[idx], sub) {
			t.Errorf("mapping %d rejected with %q, want it to contain %q", idx, reasons[idx], sub)
		}
	}
	if m.Stats()[0].Rejected != 1 {
		t.Errorf("stats = %+v", m.Stats()[0])
	}
}
