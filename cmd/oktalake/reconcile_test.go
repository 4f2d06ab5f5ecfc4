package main

import (
	"context"
	"testing"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
)

// --reconcile-every reaches extract: within the default day a second run
// of group_members re-lists only changed groups (a per-parent snapshot); a
// run past a short --reconcile-every re-lists everything (a full one).
func TestReconcileEveryFlag(t *testing.T) {
	org := oktatest.NewOrg(oktatest.DefaultOrgConfig())
	srv := oktatest.NewServer(org, oktatest.Options{Token: "tok"})
	defer srv.Close()
	dir := t.TempDir()
	args := []string{"extract", "--okta-domain", srv.URL, "--okta-api-token", "tok", "--bucket", dir, "--streams", "group_members"}
	for i, extra := range [][]string{nil, nil, {"--reconcile-every", "1ms"}} {
		if _, errOut, code := runCLI(t, append(args, extra...)...); code != 0 {
			t.Fatalf("run %d: exit %d\n%s", i+1, code, errOut)
		}
	}
	store, err := lake.NewLocalStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := lake.ListManifests(context.Background(), store, "data", "okta", "group_members", 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, m := range ms {
		kinds = append(kinds, m.Kind)
	}
	want := []string{lake.ManifestFull, lake.ManifestPerParent, lake.ManifestFull}
	if len(kinds) != 3 || kinds[0] != want[0] || kinds[1] != want[1] || kinds[2] != want[2] {
		t.Errorf("manifest kinds %v, want %v", kinds, want)
	}
}
