package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/oktalake/oktalake/load/porttest"
)

// writeTombstones writes one object of user tombstones (Airbyte's CDC
// field) for the users writeUsers named 00u0000<i> in its first object.
func writeTombstones(t *testing.T, dir string, users ...int) {
	t.Helper()
	folder := filepath.Join(dir, "data", "okta", "users", "year=2026", "month=11")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, i := range users {
		id := fmt.Sprintf("00u%04d%04d", 0, i)
		line, _ := json.Marshal(map[string]any{
			"_airbyte_raw_id": "t" + id, "_airbyte_extracted_at": 1795525200000, "_airbyte_generation_id": 0,
			"_airbyte_meta": map[string]any{"changes": []any{}, "sync_id": 2},
			"_airbyte_data": map[string]any{"id": id, "_ab_cdc_deleted_at": "2026-11-20T13:00:00.000Z"},
		})
		zw.Write(append(line, '\n'))
	}
	zw.Close()
	if err := os.WriteFile(filepath.Join(folder, "20_1795525200000_0.jsonl.gz"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoadDeleteFlags: --plan prints the deletes and sends nothing;
// --no-deletes deletes nothing; a --delete-threshold the deletes exceed
// fails the run (exit 1) naming the blueprint and counts; a plain load
// then deletes.
func TestLoadDeleteFlags(t *testing.T) {
	dir := t.TempDir()
	srv := porttest.NewServer(withBlueprints(t))
	defer srv.Close()
	writeUsers(t, dir, 2, 10)
	load := func(args ...string) (string, string, int) {
		return runCLI(t, append(append([]string{"load", "--bucket", dir, "--streams", "users"}, portArgs(srv)...), args...)...)
	}
	if _, errOut, code := load(); code != 0 {
		t.Fatalf("first load: code %d: %s", code, errOut)
	}
	writeTombstones(t, dir, 1, 2, 3, 4, 5)

	out, errOut, code := load("--plan")
	if code != 0 || !strings.Contains(out, "plan:") || !strings.Contains(out, "delete 00u00000001") {
		t.Fatalf("--plan: code %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if n := srv.Stats().EntitiesDeleted; n != 0 {
		t.Fatalf("--plan deleted %d entities", n)
	}
	if _, errOut, code := load("--no-deletes"); code != 0 || srv.Stats().EntitiesDeleted != 0 {
		t.Fatalf("--no-deletes: code %d, deleted %d: %s", code, srv.Stats().EntitiesDeleted, errOut)
	}
	_, errOut, code = load("--delete-threshold", "0.2")
	if code != 1 || !strings.Contains(errOut, "okta_user: 5 of 20") || srv.Stats().EntitiesDeleted != 0 {
		t.Fatalf("--delete-threshold 0.2: code %d (want 1), deleted %d, stderr %q", code, srv.Stats().EntitiesDeleted, errOut)
	}
	if _, errOut, code := load(); code != 0 || srv.Stats().EntitiesDeleted != 5 {
		t.Fatalf("load: code %d, deleted %d (want 5): %s", code, srv.Stats().EntitiesDeleted, errOut)
	}
}

// Meaningless values of the delete flags are usage errors naming the flag.
func TestLoadDeleteFlagsUsage(t *testing.T) {
	base := []string{"load", "--bucket", t.TempDir(), "--port-client-id", "id", "--port-client-secret", "s", "--port-base-url", "http://127.0.0.1:1"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--delete-threshold", "0"}, "--delete-threshold"},
		{[]string{"--delete-threshold", "1.5"}, "--delete-threshold"},
		{[]string{"--plan", "--follow"}, "--plan"},
		{[]string{"--plan", "--replay-errors"}, "--plan"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, errOut, code := runCLI(t, append(append([]string{}, base...), tc.args...)...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("code %d (want 2), stderr %q (want %q)", code, errOut, tc.want)
			}
		})
	}
}

// A delete Port refuses because an entity depends on it through a required
// relation fails the load (exit 1) with one line per blueprint naming the
// entity, Port's reason and both ways out, and the entity stays; with
// --delete-dependents Port deletes it and its dependent.
func TestLoadDeleteDependents(t *testing.T) {
	opts := withBlueprints(t)
	opts.Blueprints["okta_test_login"] = json.RawMessage(`{"identifier": "okta_test_login", "title": "Login", "schema": {"properties": {}},
		"relations": {"user": {"title": "User", "target": "okta_user", "required": true, "many": false}}}`)
	srv := porttest.NewServer(opts)
	defer srv.Close()
	dir := t.TempDir()
	writeUsers(t, dir, 1, 5)
	load := func(args ...string) (string, string, int) {
		return runCLI(t, append(append([]string{"load", "--bucket", dir, "--streams", "users"}, portArgs(srv)...), args...)...)
	}
	if _, errOut, code := load(); code != 0 {
		t.Fatalf("first load: code %d: %s", code, errOut)
	}
	if err := srv.CreateEntity("okta_test_login", porttest.Entity{Identifier: "login1", Properties: map[string]any{}, Relations: map[string]any{"user": "00u00000001"}}); err != nil {
		t.Fatal(err)
	}
	writeTombstones(t, dir, 1)
	_, errOut, code := load()
	for _, want := range []string{"okta_user: 1 entities", `"00u00000001"`, "okta_test_login", "optional", "--delete-dependents"} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("load: code %d (want 1), stderr lacks %q:\n%s", code, want, errOut)
		}
	}
	if strings.Contains(errOut, "load.Config.") {
		t.Errorf("stderr names a library field, not the flag:\n%s", errOut)
	}
	if _, ok := srv.Entity("okta_user", "00u00000001"); !ok {
		t.Fatal("Port lost the user it refused to delete")
	}
	if _, errOut, code := load("--delete-dependents"); code != 0 {
		t.Fatalf("--delete-dependents: code %d: %s", code, errOut)
	}
	for bp, id := range map[string]string{"okta_user": "00u00000001", "okta_test_login": "login1"} {
		if _, ok := srv.Entity(bp, id); ok {
			t.Errorf("--delete-dependents left %s %s in Port", bp, id)
		}
	}
}
