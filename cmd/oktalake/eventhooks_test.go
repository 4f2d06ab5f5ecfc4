package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/extract/oktatest"
)

// `oktalake event-hooks register` twice (the second changes nothing),
// `list`, `delete`; the secret is in no output.
func TestEventHooksCommand(t *testing.T) {
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"verification": r.Header.Get("X-Okta-Verification-Challenge")})
	}))
	t.Cleanup(ep.Close)
	srv := oktatest.NewServer(oktatest.NewOrg(oktatest.DefaultOrgConfig()), oktatest.Options{Token: "tok", AllowHTTPHooks: true})
	t.Cleanup(srv.Close)
	const secret = "hook-secret-value"
	okta := []string{"--okta-domain", srv.URL, "--okta-api-token", "tok"}
	register := append([]string{"event-hooks", "register"}, append(okta, "--url", ep.URL+"/okta/event-hooks", "--event-hook-secret", secret)...)
	out, errOut, code := runCLI(t, register...)
	if code != 0 || !strings.Contains(out, "created, verified") || !strings.Contains(out, "ACTIVE, VERIFIED") {
		t.Fatalf("first register: code %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runCLI(t, register...)
	if code != 0 || !strings.Contains(out, "unchanged") {
		t.Fatalf("second register: code %d\n%s%s", code, out, errOut)
	}
	list, errOut, code := runCLI(t, append([]string{"event-hooks", "list"}, okta...)...)
	if code != 0 || strings.Count(list, "\n") != 1 || !strings.Contains(list, "oktalake\tACTIVE\tVERIFIED") {
		t.Fatalf("list: code %d\n%s%s", code, list, errOut)
	}
	out, errOut, code = runCLI(t, append([]string{"event-hooks", "delete"}, okta...)...)
	if code != 0 || !strings.Contains(out, "deleted") {
		t.Fatalf("delete: code %d\n%s%s", code, out, errOut)
	}
	if _, _, code = runCLI(t, append([]string{"event-hooks", "delete"}, okta...)...); code != 1 {
		t.Errorf("delete of a missing hook: code %d, want 1", code)
	}
	if _, _, code = runCLI(t, append([]string{"event-hooks", "register"}, okta...)...); code != 2 {
		t.Errorf("register without --url: code %d, want 2", code)
	}
	for _, s := range []string{out, list, errOut} {
		if strings.Contains(s, secret) {
			t.Errorf("output carries the secret:\n%s", s)
		}
	}
}
