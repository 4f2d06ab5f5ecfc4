package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/oktalake/oktalake/load/porttest"
	"github.com/oktalake/oktalake/schemas"
)

// writeUsers writes objects of n users each as Airbyte v2 gzip JSONL in the
// default layout under dir.
func writeUsers(t *testing.T, dir string, objects, n int) {
	t.Helper()
	folder := filepath.Join(dir, "data", "okta", "users", "year=2026", "month=11")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	for o := range objects {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		for i := range n {
			id := fmt.Sprintf("00u%04d%04d", o, i)
			login := id + "@example.com"
			line, _ := json.Marshal(map[string]any{
				"_airbyte_raw_id": id, "_airbyte_extracted_at": 1795521600000, "_airbyte_generation_id": 0,
				"_airbyte_meta": map[string]any{"changes": []any{}, "sync_id": 1},
				"_airbyte_data": map[string]any{
					"id": id, "status": "ACTIVE", "created": "2026-01-02T03:04:05.000Z", "lastUpdated": "2026-01-02T03:04:05.000Z",
					"type": map[string]any{"id": "oty1"}, "profile": map[string]any{"login": login, "email": login}, "credentials": map[string]any{},
				},
			})
			zw.Write(append(line, '\n'))
		}
		zw.Close()
		if err := os.WriteFile(filepath.Join(folder, fmt.Sprintf("20_1795521600000_%d.jsonl.gz", o)), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func portArgs(srv *porttest.Server) []string {
	return []string{"--port-base-url", srv.URL, "--port-client-id", srv.ClientID, "--port-client-secret", srv.ClientSecret}
}

func withBlueprints(t *testing.T) porttest.Options {
	t.Helper()
	bps, err := schemas.PortBlueprints()
	if err != nil {
		t.Fatal(err)
	}
	return porttest.Options{Blueprints: bps}
}

// A load whose every record was dead-lettered (Port has none of the
// blueprints) did not do its job: exit 1, and the summary says why.
func TestLoadNothingReachedPortExitsNonZero(t *testing.T) {
	dir := t.TempDir()
	writeUsers(t, dir, 2, 25)
	srv := porttest.NewServer(porttest.Options{})
	defer srv.Close()
	out, errOut, code := runCLI(t, append([]string{"load", "--bucket", dir}, portArgs(srv)...)...)
	if code != 1 {
		t.Fatalf("load exited %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "50 dead-lettered") || !strings.Contains(out, "nothing reached Port") || !strings.Contains(errOut, "nothing reached Port") {
		t.Errorf("the summary and the error do not say why:\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
	// With the blueprints, the same bucket loads and exits 0; a second run
	// finds nothing new and exits 0 too.
	good := porttest.NewServer(withBlueprints(t))
	defer good.Close()
	for run := range 2 {
		if out, errOut, code := runCLI(t, append([]string{"load", "--bucket", dir, "--name", "good"}, portArgs(good)...)...); code != 0 {
			t.Fatalf("run %d: load exited %d\nstdout:\n%s\nstderr:\n%s", run, code, out, errOut)
		}
	}
}

// A load that finds no data object where the layout puts them says so,
// naming what it listed, and exits 1; with --follow it warns and waits.
func TestLoadFindingNoObjectsSaysSo(t *testing.T) {
	dir := t.TempDir()
	// Objects under another namespace than the loader's.
	writeUsers(t, filepath.Join(dir, "elsewhere"), 1, 1)
	srv := porttest.NewServer(withBlueprints(t))
	defer srv.Close()
	out, errOut, code := runCLI(t, append([]string{"load", "--bucket", dir}, portArgs(srv)...)...)
	if code != 1 || !strings.Contains(errOut, "no data objects") || !strings.Contains(errOut, "data/okta/") {
		t.Fatalf("load of an empty layout: code %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// Following, it warns and keeps waiting; stopping it then is a success.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	go func() {
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(stderr.String(), "no data objects") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // a few more polls
		cancel()
	}()
	code = run(ctx, append([]string{"oktalake", "load", "--bucket", dir, "--follow", "--poll-interval", "20ms"}, portArgs(srv)...), &stdout, &stderr)
	if code != 0 || !strings.Contains(stderr.String(), "no data objects") || !strings.Contains(stderr.String(), "data/okta/") {
		t.Fatalf("load --follow of an empty layout stopped while waiting: code %d (want 0)\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if n := strings.Count(stderr.String(), "no data objects"); n != 1 {
		t.Errorf("warned %d times, want once", n)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// SIGTERM in the middle of a load (objects still pending) is not a
// success: exit 1, and the summary says what was left.
func TestLoadInterruptedExitsNonZero(t *testing.T) {
	dir := t.TempDir()
	writeUsers(t, dir, 6, 40)
	opts := withBlueprints(t)
	opts.Latency = 30 * time.Millisecond
	srv := porttest.NewServer(opts)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for srv.Stats().APIRequests < 1 {
			time.Sleep(2 * time.Millisecond)
		}
		cancel() // as main does on SIGTERM
	}()
	var stdout, stderr bytes.Buffer
	code := run(ctx, append([]string{"oktalake", "load", "--bucket", dir, "--port-concurrency", "1"}, portArgs(srv)...), &stdout, &stderr)
	if code != 1 {
		t.Fatalf("interrupted load exited %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "interrupted") || !strings.Contains(stdout.String(), "not loaded") {
		t.Errorf("the summary does not say the run was interrupted with objects left:\n%s", stdout.String())
	}
}
