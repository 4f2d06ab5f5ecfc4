package main

import (
	"strings"
	"testing"
	"time"
)

// Flags of extract that could only do harm are usage errors (exit 2),
// refused before any Okta request or bucket write.
func TestExtractRefusesHarmfulFlags(t *testing.T) {
	tomorrow := time.Now().UTC().Add(36 * time.Hour).Format("2006-01-02")
	cases := []struct {
		name string
		args []string
		msg  []string
	}{
		{"negative --every", []string{"--every", "-1h"}, []string{"--every", "-1h"}},
		{"zero --reconcile-every", []string{"--reconcile-every", "0"}, []string{"--reconcile-every"}},
		{"--start-date in the future", []string{"--start-date", tomorrow}, []string{"--start-date", tomorrow, "future"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"extract", "--okta-domain", "http://127.0.0.1:1", "--okta-api-token", "t", "--bucket", dir, "--streams", "users"}, tc.args...)
			_, errOut, code := runCLI(t, args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (usage error); stderr:\n%s", code, errOut)
			}
			for _, m := range tc.msg {
				if !strings.Contains(errOut, m) {
					t.Errorf("stderr %q does not mention %q", errOut, m)
				}
			}
		})
	}
}
