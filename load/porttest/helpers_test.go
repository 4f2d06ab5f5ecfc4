package porttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
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

// fixtures reads blueprints from testdata (copied from Port's Okta guide).
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

// newServer starts a spec-validating server and checks at cleanup that
// every response it sent was Port-valid.
func newServer(t testing.TB, opts Options) *Server {
	t.Helper()
	opts.Validator = loadSpec(t)
	srv := NewServer(opts)
	t.Cleanup(func() {
		srv.Close()
		for _, v := range srv.Violations() {
			if strings.HasPrefix(v, "response") {
				t.Errorf("spec violation: %s", v)
			}
		}
	})
	return srv
}

// requireNoViolations fails if any request or response broke the spec.
func requireNoViolations(t testing.TB, srv *Server) {
	t.Helper()
	for _, v := range srv.Violations() {
		t.Errorf("spec violation: %s", v)
	}
}

// client speaks raw HTTP to the server, as Port's API users would.
type client struct {
	t     testing.TB
	srv   *Server
	token string
}

func newClient(t testing.TB, srv *Server) *client {
	c := &client{t: t, srv: srv}
	status, body := c.call(http.MethodPost, "/v1/auth/access_token", map[string]string{"clientId": srv.ClientID, "clientSecret": srv.ClientSecret}, nil)
	if status != http.StatusOK {
		t.Fatalf("token: status %d %v", status, body)
	}
	c.token = body["accessToken"].(string)
	return c
}

func (c *client) call(method, path string, body any, header http.Header) (int, map[string]any) {
	c.t.Helper()
	resp := c.raw(method, path, body, header)
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		c.t.Fatalf("%s %s: decoding response: %v", method, path, err)
	}
	return resp.StatusCode, out
}

func (c *client) raw(method, path string, body any, header http.Header) *http.Response {
	c.t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case []byte:
		rd = bytes.NewReader(b)
	case json.RawMessage:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.srv.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}

// bulk upserts entities and returns the status and decoded body.
func (c *client) bulk(bp, query string, entities ...any) (int, bulkBody) {
	c.t.Helper()
	resp := c.raw(http.MethodPost, fmt.Sprintf("/v1/blueprints/%s/entities/bulk?%s", bp, query), map[string]any{"entities": entities}, nil)
	defer resp.Body.Close()
	var out bulkBody
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, out
}

type bulkBody struct {
	OK       bool         `json:"ok"`
	Entities []bulkResult `json:"entities"`
	Errors   []bulkError  `json:"errors"`
	Error    string       `json:"error"`
	Message  string       `json:"message"`
}

// fakeClock jumps forward on Sleep, so backoffs and rate-limit resets cost nothing.
type fakeClock = clock.Manual

func newFakeClock() *fakeClock {
	return clock.NewManual(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
}

// user is a valid okta_user entity from the fixtures.
func user(id string) map[string]any {
	return map[string]any{
		"identifier": id,
		"title":      "User " + id,
		"properties": map[string]any{
			"id":            id,
			"status":        "ACTIVE",
			"created":       "2024-01-02T03:04:05.000Z",
			"activated":     "2024-01-02T03:04:05.000Z",
			"statusChanged": "2024-01-02T03:04:05.000Z",
			"lastUpdated":   "2024-01-02T03:04:05.000Z",
			"type":          map[string]any{"id": "oty1"},
			"profile":       map[string]any{"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "login": "ada@example.com"},
			"credentials":   map[string]any{"provider": map[string]any{"type": "OKTA", "name": "OKTA"}},
		},
	}
}
