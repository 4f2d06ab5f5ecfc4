package oktatest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// receiver is a test Event Hook endpoint written from Okta's concept doc:
// it echoes the verification challenge and records deliveries.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	auth     []string
	bodies   []hookBody
	answer   func(attempt int) (status int, delay time.Duration)
	attempts map[string]int // per eventId
}

type hookBody struct {
	EventType string `json:"eventType"`
	EventID   string `json:"eventId"`
	Source    string `json:"source"`
	Data      struct {
		Events []struct {
			UUID      string `json:"uuid"`
			EventType string `json:"eventType"`
			Published string `json:"published"`
			Target    []struct {
				ID   string `json:"id"`
				Type string `json:"type"`
			} `json:"target"`
		} `json:"events"`
	} `json:"data"`
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{attempts: map[string]int{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.auth = append(rc.auth, r.Header.Get("Authorization"))
		rc.mu.Unlock()
		if r.Method == http.MethodGet {
			_ = json.NewEncoder(w).Encode(map[string]string{"verification": r.Header.Get("X-Okta-Verification-Challenge")})
			return
		}
		var b hookBody
		_ = json.NewDecoder(r.Body).Decode(&b)
		rc.mu.Lock()
		rc.attempts[b.EventID]++
		n := rc.attempts[b.EventID]
		rc.bodies = append(rc.bodies, b)
		answer := rc.answer
		rc.mu.Unlock()
		status, delay := http.StatusOK, time.Duration(0)
		if answer != nil {
			status, delay = answer(n)
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) received() []hookBody {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hookBody(nil), rc.bodies...)
}

// call sends one management request with the SSWS token.
func call(t *testing.T, s *Server, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, s.URL+path, rd)
	req.Header.Set("Authorization", "SSWS "+testToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

func hookBodyFor(uri string, types ...string) map[string]any {
	return map[string]any{
		"name":   "oktalake",
		"events": map[string]any{"type": "EVENT_TYPE", "items": types},
		"channel": map[string]any{"type": "HTTP", "version": "1.0.0", "config": map[string]any{
			"uri":        uri,
			"authScheme": map[string]any{"type": "HEADER", "key": "Authorization", "value": "hook-secret"},
		}},
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestEventHookLifecycle walks the management API: create (ACTIVE,
// UNVERIFIED, the secret never returned), list, get, replace, verify,
// deactivate, delete (refused while ACTIVE), and HTTPS only.
func TestEventHookLifecycle(t *testing.T) {
	rc := newReceiver(t)
	s, _ := startServer(t, testOrgConfig(), Options{AllowHTTPHooks: true})
	status, h := call(t, s, http.MethodPost, "/api/v1/eventHooks", hookBodyFor(rc.URL, "user.lifecycle.create"))
	if status != http.StatusOK || h["status"] != "ACTIVE" || h["verificationStatus"] != "UNVERIFIED" {
		t.Fatalf("create: %d %v", status, h)
	}
	id, _ := h["id"].(string)
	if !strings.HasPrefix(id, "who") {
		t.Errorf("id %q does not look like Okta's", id)
	}
	if b, _ := json.Marshal(h); strings.Contains(string(b), "hook-secret") {
		t.Errorf("the authScheme value came back: %s", b)
	}
	if status, _ := call(t, s, http.MethodGet, "/api/v1/eventHooks/"+id, nil); status != http.StatusOK {
		t.Errorf("get: %d", status)
	}
	status, h = call(t, s, http.MethodPut, "/api/v1/eventHooks/"+id, hookBodyFor(rc.URL, "user.lifecycle.create", "group.user_membership.add"))
	if items := h["events"].(map[string]any)["items"].([]any); status != http.StatusOK || len(items) != 2 {
		t.Errorf("replace: %d %v", status, h)
	}
	status, h = call(t, s, http.MethodPost, "/api/v1/eventHooks/"+id+"/lifecycle/verify", nil)
	if status != http.StatusOK || h["verificationStatus"] != "VERIFIED" {
		t.Errorf("verify: %d %v", status, h)
	}
	if got := rc.auth; len(got) != 1 || got[0] != "hook-secret" {
		t.Errorf("verification carried Authorization %q, want the secret", got)
	}
	if status, _ := call(t, s, http.MethodDelete, "/api/v1/eventHooks/"+id, nil); status != http.StatusBadRequest {
		t.Errorf("delete of an ACTIVE hook: %d, want 400", status)
	}
	if status, h = call(t, s, http.MethodPost, "/api/v1/eventHooks/"+id+"/lifecycle/deactivate", nil); h["status"] != "INACTIVE" {
		t.Errorf("deactivate: %d %v", status, h)
	}
	if status, _ := call(t, s, http.MethodDelete, "/api/v1/eventHooks/"+id, nil); status != http.StatusNoContent {
		t.Errorf("delete: %d, want 204", status)
	}
	if status, _ := call(t, s, http.MethodGet, "/api/v1/eventHooks/"+id, nil); status != http.StatusNotFound {
		t.Errorf("get after delete: %d, want 404", status)
	}
	var list []any
	if r := get(t, s, "/api/v1/eventHooks"); json.Unmarshal(r.body, &list) != nil || len(list) != 0 {
		t.Errorf("list after delete: %s", r.body)
	}

	strict, _ := startServer(t, testOrgConfig(), Options{})
	if status, _ := call(t, strict, http.MethodPost, "/api/v1/eventHooks", hookBodyFor(rc.URL, "user.lifecycle.create")); status != http.StatusBadRequest {
		t.Errorf("an http:// URI was taken: %d, want 400 (Okta wants HTTPS)", status)
	}
	bad := hookBodyFor("https://example.invalid/hook")
	if status, _ := call(t, strict, http.MethodPost, "/api/v1/eventHooks", bad); status != http.StatusBadRequest {
		t.Errorf("a hook with no event types was taken: %d", status)
	}
}

// registerHook creates and verifies a hook to rc.
func registerHook(t *testing.T, s *Server, rc *receiver, types ...string) string {
	t.Helper()
	status, h := call(t, s, http.MethodPost, "/api/v1/eventHooks", hookBodyFor(rc.URL, types...))
	if status != http.StatusOK {
		t.Fatalf("create: %d %v", status, h)
	}
	id := h["id"].(string)
	if status, h := call(t, s, http.MethodPost, "/api/v1/eventHooks/"+id+"/lifecycle/verify", nil); status != http.StatusOK {
		t.Fatalf("verify: %d %v", status, h)
	}
	return id
}

// TestEventHookDeliveries: changes reach a verified hook subscribed to
// their types, with the secret, batched; unsubscribed types and
// unverified hooks get nothing.
func TestEventHookDeliveries(t *testing.T) {
	rc := newReceiver(t)
	quiet := newReceiver(t)
	s, clk := startServer(t, testOrgConfig(), Options{AllowHTTPHooks: true, HookBatch: 2})
	o := s.Org()
	registerHook(t, s, rc, "group.user_membership.add", "user.lifecycle.suspend")
	if status, _ := call(t, s, http.MethodPost, "/api/v1/eventHooks", hookBodyFor(quiet.URL, "group.user_membership.add")); status != http.StatusOK {
		t.Fatal("create of the unverified hook failed")
	}
	group, user := o.GroupID(1), o.UserID(o.Config().Users-1)
	if err := o.AddGroupMember(group, user, clk.Now()); err != nil {
		t.Fatal(err)
	}
	for i := 2; i < 5; i++ {
		if err := o.UpdateUser(o.UserID(i), clk.Now(), UserChange{Status: "SUSPENDED"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.UpdateGroup(group, clk.Now(), GroupChange{Description: "not subscribed"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, e := range o.Events() {
		if e.EventType != "group.profile.update" {
			want[e.UUID] = e.EventType
		}
	}
	waitFor(t, "4 events delivered", func() bool {
		n := 0
		for _, b := range rc.received() {
			n += len(b.Data.Events)
		}
		return n >= len(want)
	})
	got := map[string]string{}
	for _, b := range rc.received() {
		if b.EventType != "com.okta.event_hook" || !strings.HasSuffix(b.Source, "/api/v1/eventHooks/"+s.hooks.order[0]) {
			t.Errorf("delivery envelope %+v", b)
		}
		if len(b.Data.Events) > 2 {
			t.Errorf("a delivery carried %d events, the batch is 2", len(b.Data.Events))
		}
		for _, e := range b.Data.Events {
			got[e.UUID] = e.EventType
		}
	}
	if len(got) != len(want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
	for uuid, typ := range want {
		if got[uuid] != typ {
			t.Errorf("event %s (%s) delivered as %q", uuid, typ, got[uuid])
		}
	}
	for _, a := range rc.auth[1:] {
		if a != "hook-secret" {
			t.Errorf("a delivery carried Authorization %q", a)
		}
	}
	if n := len(quiet.received()); n != 0 {
		t.Errorf("the unverified hook got %d deliveries", n)
	}
}

// TestEventHookRetry: a 5xx or no answer within the timeout earns one
// retry of the same delivery (same eventId), and no more.
func TestEventHookRetry(t *testing.T) {
	tests := []struct {
		name   string
		answer func(int) (int, time.Duration)
		want   int // attempts
	}{
		{"ok", func(int) (int, time.Duration) { return 200, 0 }, 1},
		{"5xx then ok", func(n int) (int, time.Duration) {
			if n == 1 {
				return 503, 0
			}
			return 200, 0
		}, 2},
		{"timeout then ok", func(n int) (int, time.Duration) {
			if n == 1 {
				return 200, time.Second
			}
			return 200, 0
		}, 2},
		{"always 500", func(int) (int, time.Duration) { return 500, 0 }, 2},
		{"4xx is final", func(int) (int, time.Duration) { return 401, 0 }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t)
			rc.answer = tt.answer
			s, clk := startServer(t, testOrgConfig(), Options{AllowHTTPHooks: true, HookTimeout: 200 * time.Millisecond})
			registerHook(t, s, rc, "user.lifecycle.suspend")
			if err := s.Org().UpdateUser(s.Org().UserID(3), clk.Now(), UserChange{Status: "SUSPENDED"}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the delivery's last attempt", func() bool {
				ds := s.HookDeliveries()
				return len(ds) > 0 && (len(ds) == tt.want || ds[len(ds)-1].Status == 200 || ds[len(ds)-1].Status == 401)
			})
			time.Sleep(300 * time.Millisecond) // room for a wrong extra attempt
			ds := s.HookDeliveries()
			if len(ds) != tt.want {
				t.Fatalf("%d attempts, want %d: %+v", len(ds), tt.want, ds)
			}
			for _, d := range ds {
				if d.EventID != ds[0].EventID {
					t.Errorf("the retry has eventId %s, the first %s", d.EventID, ds[0].EventID)
				}
			}
		})
	}
}

// TestAppSingleObjects: the single-object reads a receiver refreshes.
func TestAppSingleObjects(t *testing.T) {
	s, clk := startServer(t, testOrgConfig(), Options{})
	o := s.Org()
	app, user := o.AppID(0), o.UserID(o.Config().Users-1)
	if r := get(t, s, "/api/v1/apps/"+app); r.status != http.StatusOK || !strings.Contains(string(r.body), app) {
		t.Errorf("GET app: %d %.200s", r.status, r.body)
	}
	if r := get(t, s, "/api/v1/apps/"+app+"/users/"+user); r.status != http.StatusNotFound {
		t.Errorf("GET of an unassigned app user: %d, want 404", r.status)
	}
	if err := o.AssignUserToApp(app, user, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if r := get(t, s, "/api/v1/apps/"+app+"/users/"+user); r.status != http.StatusOK || !strings.Contains(string(r.body), user) {
		t.Errorf("GET app user: %d %.200s", r.status, r.body)
	}
}

// Every hook the API answers is an EventHook of Okta's spec (read as a
// response: the write-only secret must not be there).
func TestEventHookJSONMatchesSpec(t *testing.T) {
	sp := mustSpec(t)
	ref, ok := sp.doc.Components.Schemas["EventHook"]
	if !ok || ref.Value == nil {
		t.Fatal("the spec has no EventHook schema")
	}
	rc := newReceiver(t)
	s, _ := startServer(t, testOrgConfig(), Options{AllowHTTPHooks: true})
	id := registerHook(t, s, rc, "user.lifecycle.create")
	for _, path := range []string{"/api/v1/eventHooks/" + id, "/api/v1/eventHooks"} {
		r := get(t, s, path)
		var v any
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Fatal(err)
		}
		hooks, isList := v.([]any)
		if !isList {
			hooks = []any{v}
		}
		for _, h := range hooks {
			opts := append(schemaOptions(), openapi3.VisitAsResponse())
			if err := ref.Value.VisitJSON(h, opts...); err != nil {
				t.Errorf("%s: %v", path, trimErr(err))
			}
		}
	}
}
