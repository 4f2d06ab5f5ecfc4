package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktalake/oktalake/extract/oktatest"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
)

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"oktalake"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

// `oktalake demo` end to end: the bucket holds, per stream, exactly the
// simulated org's records, every line an Airbyte v2 envelope, and the
// simulated Port receives them with nothing rejected.
func TestDemoEndToEnd(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := runCLI(t, "demo", "--bucket", dir)
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	org := oktatest.NewOrg(oktatest.DefaultOrgConfig())
	store, _, err := lake.OpenStore(context.Background(), dir, lake.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range streams.All() {
		n := 0
		keys := 0
		err := store.List(context.Background(), "data/okta/"+st.Name+"/", "", func(o lake.ObjectInfo) error {
			keys++
			if !strings.HasSuffix(o.Key, ".jsonl.gz") || !strings.Contains(o.Key, "/year=") || !strings.Contains(o.Key, "/month=") {
				t.Errorf("key %s is not in the Airbyte layout", o.Key)
			}
			rc, err := store.Open(context.Background(), o.Key)
			if err != nil {
				return err
			}
			defer rc.Close()
			r, err := lake.NewReader(rc)
			if err != nil {
				return err
			}
			for {
				rec, err := r.Next()
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return err
				}
				if rec.Envelope != lake.V2 || rec.RawID == "" {
					t.Errorf("%s line %d is not an Airbyte v2 envelope", o.Key, rec.Line)
				}
				n++
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		want := org.Count(st.Name)
		if st.Name == "logs" {
			// The demo's org reads the wall clock: allow the few events
			// that persist while it runs.
			if n < want-5 || n > want+5 {
				t.Errorf("logs: %d records, the org has about %d", n, want)
			}
		} else if n != want {
			t.Errorf("%s: %d records in the bucket, the org has %d", st.Name, n, want)
		}
		if keys == 0 {
			t.Errorf("%s: no object", st.Name)
		}
	}
	for _, want := range []string{"okta_user", "okta_group_membership", "zero rejected", "users"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown flag", []string{"extract", "--no-such-flag"}, 2, "flag provided but not defined"},
		{"unknown stream", []string{"extract", "--okta-domain", "x.okta.com", "--okta-api-token", "t", "--streams", "nope"}, 2, "unknown stream"},
		{"no credentials", []string{"extract", "--okta-domain", "x.okta.com"}, 2, "--okta"},
		{"bad envelope", []string{"extract", "--okta-domain", "x.okta.com", "--okta-api-token", "t", "--envelope", "v9"}, 2, "--envelope"},
		{"streams catalog", []string{"streams"}, 0, ""},
		{"unknown schema", []string{"streams", "--schema", "nope"}, 2, "unknown stream"},
		{"backfill without stream", []string{"backfill", "--since", "2026-11-01"}, 2, "since"},
		{"extract with a stray argument", []string{"extract", "users", "--streams", "users"}, 2, "takes no arguments"},
		{"load without Port credentials", []string{"load", "--bucket", "."}, 2, "--port-client-id"},
		{"load with a name that is not a key segment", []string{"load", "--bucket", ".", "--port-client-id", "i", "--port-client-secret", "s", "--name", "a/b"}, 2, "loader name"},
		{"map flag after the files", []string{"map", "x.jsonl", "--stream", "users"}, 2, "flags go before"},
		{"backfill logs with an argument", []string{"backfill", "logs", "users"}, 2, "since"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("OKTA_API_TOKEN", "")
			t.Setenv("PORT_CLIENT_ID", "")
			_, errOut, code := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.msg) {
				t.Fatalf("code %d (want %d), stderr %q (want it to mention %q)", code, tc.code, errOut, tc.msg)
			}
		})
	}
}

// Okta's error reaches the user plainly, and the token never does.
func TestBadTokenPrintsOktaError(t *testing.T) {
	org := oktatest.NewOrg(oktatest.DefaultOrgConfig())
	srv := oktatest.NewServer(org, oktatest.Options{Token: "right-token"})
	defer srv.Close()
	const secret = "wrong-token-7f3a9c"
	_, errOut, code := runCLI(t, "extract", "--okta-domain", srv.URL, "--okta-api-token", secret, "--streams", "users", "--bucket", t.TempDir())
	if code != 1 || !strings.Contains(errOut, "E0000011") || !strings.Contains(errOut, "Invalid token provided") {
		t.Fatalf("code %d, stderr:\n%s", code, errOut)
	}
	if strings.Contains(errOut, secret) {
		t.Fatalf("the token leaked into the output:\n%s", errOut)
	}
}

func TestUnwritableBucket(t *testing.T) {
	org := oktatest.NewOrg(oktatest.DefaultOrgConfig())
	srv := oktatest.NewServer(org, oktatest.Options{Token: "t"})
	defer srv.Close()
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI(t, "extract", "--okta-domain", srv.URL, "--okta-api-token", "t", "--streams", "users", "--bucket", filepath.Join(blocker, "lake"))
	if code != 1 || !strings.Contains(errOut, "lake") {
		t.Fatalf("code %d, stderr:\n%s", code, errOut)
	}
}

func TestStreamsSchema(t *testing.T) {
	out, _, code := runCLI(t, "streams", "--schema", "users")
	if code != 0 || !strings.Contains(out, `"lastUpdated"`) {
		t.Fatalf("code %d, output:\n%.300s", code, out)
	}
	out, _, _ = runCLI(t, "streams")
	for _, name := range streams.Names() {
		if !strings.Contains(out, name) {
			t.Errorf("catalog lacks %s", name)
		}
	}
}

// `oktalake backfill logs` end to end: windows read, events in their day's
// folders, and a second run finds every window done.
func TestBackfillCLI(t *testing.T) {
	org := oktatest.NewOrg(oktatest.DefaultOrgConfig())
	srv := oktatest.NewServer(org, oktatest.Options{Token: "tok"})
	defer srv.Close()
	dir := t.TempDir()
	since := org.Now().Add(-72 * time.Hour).UTC().Format("2006-01-02")
	args := []string{"backfill", "logs", "--okta-domain", srv.URL, "--okta-api-token", "tok", "--bucket", dir, "--since", since, "--window", "12h", "--workers", "3"}
	out, errOut, code := runCLI(t, args...)
	if code != 0 || !strings.Contains(out, "backfill logs:") {
		t.Fatalf("backfill: %d\n%s%s", code, out, errOut)
	}
	store, _, _ := lake.OpenStore(context.Background(), dir, lake.StoreOptions{})
	days := map[string]bool{}
	store.List(context.Background(), "data/okta/logs/", "", func(o lake.ObjectInfo) error {
		days[filepath.Dir(o.Key)+"/"+filepath.Base(o.Key)[:2]] = true
		return nil
	})
	if len(days) < 3 {
		t.Errorf("events of three or four days landed in %d day partitions: %v", len(days), days)
	}
	// The second run (until is "now" again, a little later) reads only
	// the time since the first run ended: no event twice.
	runCLI(t, args...)
	seen := map[string]int{}
	store.List(context.Background(), "data/okta/logs/", "", func(o lake.ObjectInfo) error {
		rc, _ := store.Open(context.Background(), o.Key)
		defer rc.Close()
		r, _ := lake.NewReader(rc)
		for rec, err := r.Next(); err == nil; rec, err = r.Next() {
			var ev struct{ UUID string }
			json.Unmarshal(rec.Data, &ev)
			seen[ev.UUID]++
		}
		return nil
	})
	for id, n := range seen {
		if n > 1 {
			t.Fatalf("event %s stored %d times after the second backfill", id, n)
		}
	}
	if len(seen) == 0 {
		t.Fatal("no events")
	}
	if _, errOut, code := runCLI(t, "backfill", "logs", "--okta-domain", srv.URL, "--okta-api-token", "tok", "--bucket", dir, "--since", org.Now().AddDate(0, 0, -181).Format("2006-01-02")); code == 0 || !strings.Contains(errOut, "180 days") {
		t.Fatalf("a since beyond the 180 days Okta accepts: code %d, %s", code, errOut)
	}
}

// An interrupted run says what was kept, not just "context canceled".
func TestInterruptedMessage(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"oktalake", "demo", "--bucket", t.TempDir()}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "interrupted") {
		t.Fatalf("code %d, stderr %q", code, errb.String())
	}
}
