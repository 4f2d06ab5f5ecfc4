package port

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/oktalake/oktalake/load/porttest"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// captureTransport records API requests (token requests left out: their
// body holds the secret) as "METHOD path?query" plus the compacted body.
type captureTransport struct {
	mu    sync.Mutex
	lines []string
}

func (c *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.URL.Path, "/auth/access_token") {
		line := req.Method + " " + req.URL.RequestURI()
		if req.Body != nil {
			b, err := io.ReadAll(req.Body)
			if err != nil {
				return nil, err
			}
			req.Body = io.NopCloser(bytes.NewReader(b))
			var buf bytes.Buffer
			if json.Compact(&buf, b) == nil {
				line += "\n  " + buf.String()
			}
		}
		c.mu.Lock()
		c.lines = append(c.lines, line)
		c.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestRequestsGolden pins the exact requests the client sends for a small
// init, upsert and delete run.
func TestRequestsGolden(t *testing.T) {
	srv := newServer(t, porttest.Options{})
	capture := &captureTransport{}
	off := false
	c := newClient(t, srv, func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: capture}
		cfg.Concurrency = 1
		cfg.Merge = &off
	})
	ctx := context.Background()
	if _, err := c.InitBlueprints(ctx, fixtures(t, "okta_permission", "okta_role"), false); err != nil {
		t.Fatal(err)
	}
	linked := role("cr1", 0)
	linked.Relations = map[string]any{"permissions": []string{"https://x.okta.com/api/v1/iam/roles/cr1/permissions/okta.users.read"}}
	if fs, err := c.Upsert(ctx, "okta_role", []Entity{linked, role("cr2", 0)}); err != nil || len(fs) != 0 {
		t.Fatalf("%v %v", fs, err)
	}
	if fs, err := c.Delete(ctx, "okta_role", []string{"cr1", "cr2"}, true); err != nil || len(fs) != 0 {
		t.Fatalf("%v %v", fs, err)
	}
	if fs, err := c.Delete(ctx, "okta_permission", []string{"https://x.okta.com/api/v1/iam/roles/cr1/permissions/okta.users.read"}, false); err != nil || len(fs) != 0 {
		t.Fatalf("%v %v", fs, err)
	}
	got := []byte(strings.Join(capture.lines, "\n") + "\n")
	path := filepath.Join("testdata", "requests.golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("requests differ from %s (rerun with -update and review the diff):\n%s", path, got)
	}
}
