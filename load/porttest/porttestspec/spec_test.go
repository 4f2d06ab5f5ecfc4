package porttestspec

import "testing"

// TestSpecPatternMatcher checks the spec's lookahead pattern compiles to
// the same rule as porttest's entity identifiers (TestIdentifierRules
// there pins the same answers).
func TestSpecPatternMatcher(t *testing.T) {
	m, err := compilePortPattern(`^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$`)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"a": true, ".": false, "..": false, "...": true, "a b": false, "x=y": true, "Ünï": true} {
		if got := m.MatchString(id); got != want {
			t.Errorf("spec matcher(%q) = %v, the identifier rule says %v", id, got, want)
		}
	}
}
