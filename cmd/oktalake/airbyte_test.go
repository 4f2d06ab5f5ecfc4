package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/extract/oktatest"
)

// lines decodes stdout's messages (the airbyte package validates them
// against the protocol schema; here the CLI's wiring is checked).
func airbyteLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var msgs []map[string]any
	for i, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("stdout line %d is not a message: %v\n%s", i+1, err, l)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

func TestAirbyteCommands(t *testing.T) {
	cfg := oktatest.DefaultOrgConfig()
	cfg.Users, cfg.Groups = 5, 2
	srv := oktatest.NewServer(oktatest.NewOrg(cfg), oktatest.Options{Token: "cli-token-not-secret"})
	defer srv.Close()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	config := write("config.json", `{"domain":"`+srv.URL+`","credentials":{"auth_type":"api_token","api_token":"cli-token-not-secret"}}`)
	catalog := write("catalog.json", `{"streams":[{"stream":{"name":"users"},"sync_mode":"incremental","destination_sync_mode":"append"}]}`)

	out, errOut, code := runCLI(t, "airbyte", "spec")
	if m := airbyteLines(t, out); code != 0 || len(m) != 1 || m[0]["type"] != "SPEC" {
		t.Fatalf("spec: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = runCLI(t, "airbyte", "check", "--config", config)
	if m := airbyteLines(t, out); code != 0 || m[len(m)-1]["connectionStatus"].(map[string]any)["status"] != "SUCCEEDED" {
		t.Fatalf("check: exit %d\n%s", code, out)
	}
	out, _, code = runCLI(t, "airbyte", "discover", "--config", config)
	if m := airbyteLines(t, out); code != 0 || m[0]["type"] != "CATALOG" {
		t.Fatalf("discover: exit %d\n%s", code, out)
	}
	out, errOut, code = runCLI(t, "airbyte", "read", "--config", config, "--catalog", catalog)
	counts := map[any]int{}
	for _, m := range airbyteLines(t, out) {
		counts[m["type"]]++
	}
	if code != 0 || counts["RECORD"] != 5 || counts["STATE"] != 1 || counts["LOG"] == 0 || strings.Contains(out+errOut, "cli-token-not-secret") {
		t.Fatalf("read: exit %d, messages %v\n%s%s", code, counts, out, errOut)
	}

	// Bad input: a config_error trace on stdout, and a usage exit.
	out, _, code = runCLI(t, "airbyte", "read", "--config", config)
	m := airbyteLines(t, out)
	if code != 2 || len(m) != 1 || m[0]["trace"].(map[string]any)["error"].(map[string]any)["failure_type"] != "config_error" || !strings.Contains(out, "--catalog") {
		t.Fatalf("read without --catalog: exit %d\n%s", code, out)
	}
	bad := write("bad.json", `{"domain":"`+srv.URL+`","credentials":{"auth_type":"api_token","api_token":"wrong-token-value"}}`)
	out, _, code = runCLI(t, "airbyte", "check", "--config", bad)
	if m := airbyteLines(t, out); code != 0 || m[len(m)-1]["connectionStatus"].(map[string]any)["status"] != "FAILED" || strings.Contains(out, "wrong-token-value") {
		t.Fatalf("check with a wrong token: exit %d\n%s", code, out)
	}
	out, _, code = runCLI(t, "airbyte", "read", "--config", bad, "--catalog", catalog)
	if code != 1 || !strings.Contains(out, `"status":"INCOMPLETE"`) || strings.Contains(out, "wrong-token-value") {
		t.Fatalf("read with a wrong token: exit %d\n%s", code, out)
	}
}

// The airbyte-source image runs `oktalake airbyte`, and names the same
// command in AIRBYTE_ENTRYPOINT, which Airbyte's launcher runs.
func TestDockerfileAirbyteTarget(t *testing.T) {
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	stage := regexp.MustCompile(`(?ms)^FROM \S+ AS airbyte-source$(.*?)^FROM `).FindSubmatch(b)
	if stage == nil {
		t.Fatal("Dockerfile: no airbyte-source stage")
	}
	entry := regexp.MustCompile(`(?m)^ENTRYPOINT\s+(\[.*\])\s*$`).FindSubmatch(stage[1])
	env := regexp.MustCompile(`(?m)^ENV AIRBYTE_ENTRYPOINT="([^"]*)"`).FindSubmatch(stage[1])
	if entry == nil || env == nil {
		t.Fatalf("airbyte-source stage lacks ENTRYPOINT or AIRBYTE_ENTRYPOINT:\n%s", stage[1])
	}
	var argv []string
	if err := json.Unmarshal(entry[1], &argv); err != nil {
		t.Fatal(err)
	}
	if strings.Join(argv, " ") != string(env[1]) || len(argv) != 2 || argv[1] != "airbyte" || argv[0] != imageBinary(t) {
		t.Errorf("ENTRYPOINT %q, AIRBYTE_ENTRYPOINT %q", argv, env[1])
	}
	out, _, code := runCLI(t, "airbyte", "spec")
	if code != 0 || !strings.Contains(out, `"type":"SPEC"`) {
		t.Errorf("oktalake airbyte spec: exit %d\n%s", code, out)
	}
}
