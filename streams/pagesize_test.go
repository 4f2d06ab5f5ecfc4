package streams

import "testing"

// TestGroupsPageSize: the List Groups reference allows 10000 a page but
// "recommends using a specific value other than the default or maximum";
// a large page is what times out, so groups are read 200 at a time.
func TestGroupsPageSize(t *testing.T) {
	g, ok := Lookup("groups")
	if !ok {
		t.Fatal("no groups stream")
	}
	if g.PageSize != 200 {
		t.Fatalf("groups PageSize %d, want 200", g.PageSize)
	}
}
