package serve

import (
	"fmt"
	"testing"
)

// The set holds the newest n uuids: older ones are forgotten in order,
// memory stays bounded.
func TestSeenSetBounded(t *testing.T) {
	s := newSeenSet(3)
	for i := range 5 {
		s.add(fmt.Sprint(i))
	}
	s.add("4") // already there: no eviction
	for i, want := range []bool{false, false, true, true, true} {
		if got := s.has(fmt.Sprint(i)); got != want {
			t.Errorf("has(%d) = %v, want %v", i, got, want)
		}
	}
	if s.len() != 3 {
		t.Errorf("len %d, want 3", s.len())
	}
}
