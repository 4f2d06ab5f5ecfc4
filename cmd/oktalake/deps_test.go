package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinaryLinksNoSpecValidator: OpenAPI validation of the simulated Port
// is for tests only; the shipped binary (which links porttest for demo)
// must not carry kin-openapi or its router.
func TestBinaryLinksNoSpecValidator(t *testing.T) {
	// go test runs with the go command's GOROOT in the environment.
	goCmd, err := exec.LookPath(filepath.Join(os.Getenv("GOROOT"), "bin", "go"))
	if err != nil {
		if goCmd, err = exec.LookPath("go"); err != nil {
			t.Fatalf("finding the go command to list the binary's packages: %v", err)
		}
	}
	out, err := exec.Command(goCmd, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps listed %d packages: %q", len(deps), out)
	}
	for _, pkg := range deps {
		for _, banned := range []string{"github.com/getkin/kin-openapi", "github.com/gorilla/mux", "porttestspec"} {
			if strings.Contains(pkg, banned) {
				t.Errorf("the binary links %s", pkg)
			}
		}
	}
}
