package oktatest

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// snapshot fetches one page of every endpoint and returns the paths and the
// bodies, in the same order, with the server's origin replaced.
func snapshot(t *testing.T, cfg OrgConfig) (paths []string, bodies [][]byte) {
	t.Helper()
	s, _ := startServer(t, cfg, Options{})
	o := s.Org()
	admin := o.AdminIDs()[0]
	paths = []string{
		"/api/v1/users?limit=20",
		"/api/v1/users?search=" + url.QueryEscape(`status eq "DEPROVISIONED"`),
		"/api/v1/users/" + admin + "/roles",
		"/api/v1/groups?expand=stats",
		"/api/v1/groups/" + o.GroupID(3) + "/users",
		"/api/v1/groups/" + o.GroupID(0) + "/users?limit=5",
		"/api/v1/apps",
		"/api/v1/apps/" + o.AppID(1) + "/users",
		"/api/v1/apps/" + o.AppID(1) + "/groups",
		"/api/v1/iam/roles",
		"/api/v1/iam/roles/" + o.CustomRoleID(0) + "/permissions",
		"/api/v1/iam/resource-sets",
		"/api/v1/iam/assignees/users",
		"/api/v1/logs?limit=50",
	}
	for g := 0; g < cfg.Groups; g++ {
		if len(o.groupRoles(g)) > 0 {
			paths = append(paths, "/api/v1/groups/"+o.GroupID(g)+"/roles")
			break
		}
	}
	for _, p := range paths {
		r := get(t, s, p)
		if r.status != 200 {
			t.Fatalf("GET %s: %d", p, r.status)
		}
		bodies = append(bodies, bytes.ReplaceAll(r.body, []byte(s.URL), []byte("https://example.okta.com")))
	}
	return paths, bodies
}

// TestDeterminism checks that equal seeds serve equal bytes, different
// seeds different ones, and that the bytes match the golden digests (so an
// unintended change to generation shows up in review; -update rewrites).
func TestDeterminism(t *testing.T) {
	cfg := testOrgConfig()
	paths, a := snapshot(t, cfg)
	_, b := snapshot(t, cfg)
	other := cfg
	other.Seed = 2
	_, c := snapshot(t, other)
	var digest strings.Builder
	for i, p := range paths {
		if !bytes.Equal(a[i], b[i]) {
			t.Errorf("%s: same seed, different bytes", p)
		}
		if bytes.Equal(a[i], c[i]) {
			t.Errorf("%s: different seeds, same bytes", p)
		}
		fmt.Fprintf(&digest, "%x  %s\n", sha256.Sum256(a[i]), strings.SplitN(p, "?", 2)[0])
	}
	logsPage := a[slices.Index(paths, "/api/v1/logs?limit=50")]
	golden := filepath.Join("testdata", "digests.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(digest.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "logs_page.golden.json"), logsPage, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want, err := os.ReadFile(filepath.Join("testdata", "logs_page.golden.json")); err != nil || !bytes.Equal(want, logsPage) {
		t.Errorf("first log page differs from testdata/logs_page.golden.json (err %v)", err)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if string(want) != digest.String() {
		t.Errorf("response digests differ from %s (rerun with -update if the change is intended):\n%s", golden, digest.String())
	}
}
