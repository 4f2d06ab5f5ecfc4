package load

import (
	"context"
	"testing"

	"github.com/oktalake/oktalake/load/port"
)

// TestResyncOverwritesHandEdits: a hand edit in Port to an owned entity
// survives a load of unchanged records (the ledger's hash is unchanged, so
// nothing is sent); a Resync load posts every entity its objects produce,
// overwriting the edit, and refreshes the ledger so the next plain load of
// the same records posts nothing again.
func TestResyncOverwritesHandEdits(t *testing.T) {
	store := newStore(t)
	pe := newPort(t, portSetup{})
	putObject(t, store, dataKey("users", "2026_11_20_1_0"), users(0, 20))
	if err := run(t, newLoader(t, store, pe, Config{})).Err(); err != nil {
		t.Fatal(err)
	}
	// A person edits user 3's title in Port.
	edited, _ := pe.srv.Entity("okta_user", userID(3))
	want := edited.Title
	if _, err := pe.client.Upsert(context.Background(), "okta_user", []port.Entity{{Identifier: userID(3), Title: "edited by hand", Properties: edited.Properties, Relations: edited.Relations}}); err != nil {
		t.Fatal(err)
	}

	load := func(part string, cfg Config) (posted int) {
		t.Helper()
		putObject(t, store, dataKey("users", part), users(0, 20))
		before := pe.srv.Stats().EntitiesUpserted
		if err := run(t, newLoader(t, store, pe, cfg)).Err(); err != nil {
			t.Fatal(err)
		}
		return pe.srv.Stats().EntitiesUpserted - before
	}
	title := func() string { e, _ := pe.srv.Entity("okta_user", userID(3)); return e.Title }

	if n := load("2026_11_20_2_0", Config{}); n != 0 {
		t.Errorf("plain load of unchanged users posted %d, want 0", n)
	}
	if got := title(); got != "edited by hand" {
		t.Fatalf("the hand edit reads %q before the resync", got)
	}
	if n := load("2026_11_20_3_0", Config{Resync: true}); n != 20 {
		t.Errorf("resync posted %d, want all 20", n)
	}
	if got := title(); got != want {
		t.Errorf("after the resync user 3's title is %q, want the record's %q", got, want)
	}
	if n := load("2026_11_20_4_0", Config{}); n != 0 {
		t.Errorf("plain load after the resync posted %d, want 0 (the ledger is refreshed)", n)
	}
}
