package main

import (
	"strings"
	"testing"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/load/porttest"
)

// A team moving from Port's Ocean Okta integration keeps its environment:
// Ocean's variable names are read when oktalake's own are unset, and
// oktalake's own win when both are set.
func TestOceanEnvironmentNamesAreFallbacks(t *testing.T) {
	org := oktatest.NewOrg(oktatest.DefaultOrgConfig())
	okta := oktatest.NewServer(org, oktatest.Options{Token: "ocean-token"})
	defer okta.Close()
	for _, name := range []string{"OKTA_DOMAIN", "OKTA_API_TOKEN", "PORT_CLIENT_ID", "PORT_CLIENT_SECRET", "PORT_BASE_URL"} {
		t.Setenv(name, "")
	}
	t.Setenv("OCEAN__INTEGRATION__CONFIG__OKTA_DOMAIN", okta.URL)
	t.Setenv("OCEAN__INTEGRATION__SECRETS__OKTA_API_TOKEN", "ocean-token")
	if out, errOut, code := runCLI(t, "check", "--bucket", t.TempDir()); code != 0 || !strings.Contains(out, "credentials accepted") {
		t.Fatalf("check with Ocean's Okta variables: code %d\n%s%s", code, out, errOut)
	}
	// OKTA_API_TOKEN, when set, is the one used.
	t.Setenv("OKTA_API_TOKEN", "not-the-token")
	if _, _, code := runCLI(t, "check", "--bucket", t.TempDir()); code == 0 {
		t.Fatal("OKTA_API_TOKEN set to a wrong token was ignored in favour of Ocean's variable")
	}

	srv := porttest.NewServer(withBlueprints(t))
	defer srv.Close()
	t.Setenv("OCEAN__PORT__CLIENT_ID", srv.ClientID)
	t.Setenv("OCEAN__PORT__CLIENT_SECRET", srv.ClientSecret)
	t.Setenv("OCEAN__PORT__BASE_URL", srv.URL)
	if out, errOut, code := runCLI(t, "port", "init"); code != 0 || !strings.Contains(out, "port blueprints") {
		t.Fatalf("port init with Ocean's Port variables: code %d\n%s%s", code, out, errOut)
	}
}
