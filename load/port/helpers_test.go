package port

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/oktalake/oktalake/internal/clock"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/load/porttest"
	"github.com/oktalake/oktalake/load/porttest/porttestspec"
)

// specPath is Port's OpenAPI document, shared by the whole project.
var specPath = filepath.Join("..", "..", "testdata", "specs", "port-api.yaml")

var (
	specOnce sync.Once
	spec     *porttestspec.Spec
	specErr  error
)

// loadSpec loads the 1.6 MB spec once per test binary.
func loadSpec(t testing.TB) *porttestspec.Spec {
	t.Helper()
	specOnce.Do(func() {
		if p := os.Getenv("PORT_API_SPEC"); p != "" {
			specPath = p
		}
		spec, specErr = porttestspec.LoadSpec(specPath)
	})
	if specErr != nil {
		t.Fatalf("loading port spec (set PORT_API_SPEC to its path): %v", specErr)
	}
	return spec
}

func fixtures(t testing.TB, names ...string) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n+".json"))
		if err != nil {
			t.Fatal(err)
		}
		out[n] = b
	}
	return out
}

// oktaBlueprints are the seed blueprints the loader feeds.
func oktaBlueprints(t testing.TB) map[string]json.RawMessage {
	return fixtures(t, "okta_user", "okta_role_assignment", "okta_event", "okta_role", "okta_permission")
}

// newServer starts a simulated Port that checks every request the client
// sends, and every answer it gives, against Port's OpenAPI document.
func newServer(t testing.TB, opts porttest.Options) *porttest.Server {
	t.Helper()
	opts.Validator = loadSpec(t)
	srv := porttest.NewServer(opts)
	t.Cleanup(func() {
		srv.Close()
		for _, v := range srv.Violations() {
			t.Errorf("spec violation: %s", v)
		}
	})
	return srv
}

// newClient returns a client for srv; edit tweaks the config first.
func newClient(t testing.TB, srv *porttest.Server, edit func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: srv.URL, ClientID: srv.ClientID, ClientSecret: srv.ClientSecret}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// role is a valid okta_role entity of about size bytes.
func role(id string, size int) Entity {
	desc := "role " + id
	if size > len(desc) {
		desc += string(bytes.Repeat([]byte("x"), size-len(desc)))
	}
	return Entity{
		Identifier: id,
		Title:      "Role " + id,
		Properties: map[string]any{
			"id": id, "label": "Role " + id, "description": desc,
			"created": "2024-01-02T03:04:05.000Z", "lastUpdated": "2024-01-02T03:04:05.000Z",
		},
	}
}

func roles(n, size int) []Entity {
	out := make([]Entity, n)
	for i := range out {
		out[i] = role(fmt.Sprintf("cr%04d", i), size)
	}
	return out
}

// fakeClock jumps forward on Sleep, so backoffs and rate-limit resets cost nothing.
type fakeClock = clock.Manual

func newFakeClock() *fakeClock {
	return clock.NewManual(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
}

// recordingTransport remembers every Authorization header sent, so tests
// know the tokens that must never show up in logs or errors.
type recordingTransport struct {
	mu     sync.Mutex
	tokens map[string]bool
}

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if a := req.Header.Get("Authorization"); a != "" {
		r.mu.Lock()
		if r.tokens == nil {
			r.tokens = map[string]bool{}
		}
		r.tokens[a[len("Bearer "):]] = true
		r.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// logBuffer captures debug-level JSON logs.
func logBuffer() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

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
