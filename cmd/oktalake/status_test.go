package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/status"
)

// manifestsFromLake writes a complete manifest (sync 1) per stream from
// the objects in the lake, as extract does at the end of a run.
func manifestsFromLake(t *testing.T, store lake.Store, at time.Time) []string {
	t.Helper()
	ctx := context.Background()
	byStream := map[string][]lake.ManifestObject{}
	err := store.List(ctx, "data/okta/", "", func(o lake.ObjectInfo) error {
		if lake.IsDataObject(o.Key) {
			s := strings.Split(o.Key, "/")[2]
			byStream[s] = append(byStream[s], lake.ManifestObject{Key: o.Key, Bytes: o.Size})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for s, objs := range byStream {
		m := lake.Manifest{Stream: s, Namespace: "okta", SyncID: 1, Kind: lake.ManifestFull, Complete: true, StartedAt: at, FinishedAt: at, Objects: objs}
		if err := lake.WriteManifest(ctx, store, "data", m); err != nil {
			t.Fatal(err)
		}
		names = append(names, s)
	}
	return names
}

// status on the demo's lake: every stream's run complete, the demo loader
// caught up, exit 0; then a failed run and a lagging loader exit 1.
func TestStatusOnDemoLake(t *testing.T) {
	dir := t.TempDir()
	if out, errOut, code := runCLI(t, "demo", "--bucket", dir, "--users", "30"); code != 0 {
		t.Fatalf("demo exited %d\n%s\n%s", code, out, errOut)
	}
	store, err := lake.NewLocalStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	streamsRun := manifestsFromLake(t, store, now)
	if len(streamsRun) < 5 {
		t.Fatalf("the demo wrote %d streams", len(streamsRun))
	}

	out, errOut, code := runCLI(t, "status", "--bucket", dir, "--json", "--max-lag", "1h,0")
	if code != 0 {
		t.Fatalf("status on the demo lake exited %d\n%s\n%s", code, out, errOut)
	}
	var r status.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if !r.OK || len(r.Streams) != len(streamsRun) {
		t.Fatalf("report: ok %v, %d streams (want %d), problems %q", r.OK, len(r.Streams), len(streamsRun), r.Problems)
	}
	for _, s := range r.Streams {
		if s.LastRun == nil || s.LastRun.Outcome != status.OutcomeComplete || s.Objects == 0 || s.Bytes == 0 {
			t.Errorf("stream %+v", s)
		}
	}
	if len(r.Loaders) != 1 || r.Loaders[0].Name != "demo" || r.Loaders[0].Pending != 0 || r.Loaders[0].LastLoad == nil {
		t.Fatalf("loaders %+v", r.Loaders)
	}
	var loaded int64
	for _, s := range r.Loaders[0].Streams {
		loaded += s.Loaded
	}
	var objects int64
	for _, s := range r.Streams {
		objects += s.Objects
	}
	if loaded != objects {
		t.Errorf("the demo loader loaded %d objects, the lake holds %d", loaded, objects)
	}

	table, _, code := runCLI(t, "status", "--bucket", dir)
	if code != 0 || !strings.Contains(table, "STREAM") || !strings.Contains(table, "demo") || !strings.HasSuffix(table, "\nok\n") {
		t.Fatalf("status table (exit %d):\n%s", code, table)
	}

	// A failed run of users: its manifest says incomplete.
	failed := lake.Manifest{Stream: "users", Namespace: "okta", SyncID: 2, Kind: lake.ManifestIncremental, Reason: "okta 429 storm: gave up after 5 retries", StartedAt: now, FinishedAt: now}
	if err := lake.WriteManifest(context.Background(), store, "data", failed); err != nil {
		t.Fatal(err)
	}
	table, _, code = runCLI(t, "status", "--bucket", dir)
	if code != 1 || !strings.Contains(table, "stream users: last run (sync 2) is incomplete: okta 429 storm") {
		t.Fatalf("after a failed run: exit %d\n%s", code, table)
	}
	if err := store.Delete(context.Background(), lake.ManifestKey("data", "okta", "users", 2)); err != nil {
		t.Fatal(err)
	}

	// An object the loader has not loaded, written two hours ago.
	key := "data/okta/users/year=2026/month=01/01_1767225600000_0.jsonl.gz"
	if err := store.Put(context.Background(), key, []byte{}); err != nil {
		t.Fatal(err)
	}
	old := now.Add(-2 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(key)), old, old); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		maxLag string
		code   int
	}{{"", 0}, {"3h", 0}, {"1", 0}, {"1h", 1}, {"3h,0", 0}} {
		args := []string{"status", "--bucket", dir}
		if tc.maxLag != "" {
			args = append(args, "--max-lag", tc.maxLag)
		}
		out, errOut, code := runCLI(t, args...)
		if code != tc.code {
			t.Errorf("--max-lag %q: exit %d, want %d\n%s%s", tc.maxLag, code, tc.code, out, errOut)
		}
	}
	if _, errOut, code := runCLI(t, "status", "--bucket", dir, "--max-lag", "soon"); code != 2 || !strings.Contains(errOut, "--max-lag") {
		t.Errorf("--max-lag soon: exit %d, %s", code, errOut)
	}
}
