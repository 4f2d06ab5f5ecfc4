package porttest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

// A webhook made through /v1/webhooks (request checked against Port's
// spec) takes posts at its URL, verifies their signature, skips repeated
// request ids and applies its mapping: filter, itemsToParse, create and
// delete.
func TestWebhookIngestion(t *testing.T) {
	srv := newServer(t, Options{Blueprints: fixtures(t, "okta_user", "okta_role_assignment", "okta_role", "okta_permission")})
	c := newClient(t, srv)
	mapping := []any{
		map[string]any{
			"blueprint": "okta_user", "operation": map[string]any{"type": "create"},
			"filter":       `.body.kind == "users"`,
			"itemsToParse": ".body.users",
			"entity": map[string]any{
				"identifier": ".item.id", "title": `.item.name | "User " + .`,
				"properties": map[string]any{
					"id": ".item.id", "status": `"ACTIVE"`, "created": `"2024-01-02T03:04:05.000Z"`,
					"activated": `"2024-01-02T03:04:05.000Z"`, "statusChanged": `"2024-01-02T03:04:05.000Z"`,
					"lastUpdated": `"2024-01-02T03:04:05.000Z"`, "type": `{"id": "oty1"}`,
					"profile": `{"login": .item.name, "email": .item.name}`, "credentials": `{"provider": {"type": "OKTA", "name": "OKTA"}}`,
				},
			},
		},
		map[string]any{
			"blueprint": "okta_user", "operation": map[string]any{"type": "delete"},
			"filter": `.body.kind == "gone"`, "entity": map[string]any{"identifier": ".body.id"},
		},
	}
	status, body := c.call(http.MethodPost, "/v1/webhooks", map[string]any{
		"identifier": "okta", "title": "Okta", "enabled": true, "mappings": mapping, "integrationType": "custom",
		"security": map[string]any{"secret": "s3cret", "signatureHeaderName": "X-Hub-Signature", "signatureAlgorithm": "sha1", "signaturePrefix": "sha1=",
			"requestIdentifierPath": `.headers["x-delivery"]`},
	}, nil)
	requireNoViolations(t, srv)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, body)
	}
	url := body["integration"].(map[string]any)["url"].(string)
	if !strings.HasPrefix(url, srv.IngestURL+"/") {
		t.Fatalf("url %s, ingest at %s", url, srv.IngestURL)
	}
	if status, _ := c.call(http.MethodPost, "/v1/webhooks", map[string]any{"identifier": "okta", "title": "Okta", "enabled": true}, nil); status != http.StatusConflict {
		t.Errorf("a second create: %d, want 409", status)
	}

	post := func(payload, delivery, signature string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(payload))
		req.Header.Set("X-Delivery", delivery)
		if signature != "" {
			req.Header.Set("X-Hub-Signature", signature)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	sign := func(payload string) string {
		m := hmac.New(sha1.New, []byte("s3cret"))
		m.Write([]byte(payload))
		return "sha1=" + hex.EncodeToString(m.Sum(nil))
	}
	users := `{"kind":"users","users":[{"id":"00u1","name":"ada@example.com"},{"id":"00u2","name":"bob@example.com"}]}`
	if st := post(users, "d1", "sha1=0000"); st != http.StatusUnauthorized {
		t.Errorf("bad signature: %d", st)
	}
	if st := post(users, "d1", ""); st != http.StatusUnauthorized {
		t.Errorf("no signature: %d", st)
	}
	if n := len(srv.Entities("okta_user")); n != 0 {
		t.Fatalf("%d entities from unsigned posts", n)
	}
	if st := post(users, "d1", sign(users)); st != http.StatusAccepted {
		t.Fatalf("signed post: %d", st)
	}
	got := srv.Entities("okta_user")
	if len(got) != 2 || got[0].Identifier != "00u1" || got[0].Title != "User ada@example.com" {
		t.Fatalf("entities %+v (stats %+v)", got, srv.WebhookStats())
	}
	gone := `{"kind":"gone","id":"00u1"}`
	post(gone, "d1", sign(gone)) // the same delivery id: skipped
	if n := len(srv.Entities("okta_user")); n != 2 {
		t.Errorf("a repeated request id was applied: %d entities", n)
	}
	post(gone, "d2", sign(gone))
	if got := srv.Entities("okta_user"); len(got) != 1 || got[0].Identifier != "00u2" {
		t.Errorf("after the delete: %+v", got)
	}
	st := srv.WebhookStats()
	if st.BadSignature != 2 || st.Duplicates != 1 || st.Ingested != 2 || st.Upserted != 2 || st.Deleted != 1 || len(st.Failed) != 0 {
		t.Errorf("stats %+v", st)
	}

	// Replacing keeps the key; disabling drops what arrives.
	status, body = c.call(http.MethodPut, "/v1/webhooks/okta", map[string]any{"title": "Okta", "enabled": false, "mappings": mapping}, nil)
	if status != http.StatusOK || body["integration"].(map[string]any)["url"] != url {
		t.Fatalf("replace: %d %v", status, body)
	}
	if st := post(users, "d3", ""); st != http.StatusAccepted || srv.WebhookStats().Disabled != 1 {
		t.Errorf("disabled: %d %+v", st, srv.WebhookStats())
	}
	if status, _ := c.call(http.MethodGet, "/v1/webhooks/nope", nil, nil); status != http.StatusNotFound {
		t.Errorf("get unknown: %d", status)
	}
	requireNoViolations(t, srv)
}

// Bad mappings are refused with the entry's index. The spec validator is
// off: Port's route schema refuses some of these before the mapping is
// read, and the simulator's own checks are under test.
func TestWebhookRefusesBadMappings(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	c := newClient(t, srv)
	for _, m := range []any{
		map[string]any{"blueprint": "b", "entity": map[string]any{"identifier": ".body.id | ("}},
		map[string]any{"blueprint": "b", "operation": "update", "entity": map[string]any{"identifier": ".body.id"}},
	} {
		status, body := c.call(http.MethodPost, "/v1/webhooks", map[string]any{"title": "x", "enabled": true, "mappings": []any{m}}, nil)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body["message"].(string), "mappings[0]") {
			t.Errorf("%v: %d %v", m, status, body)
		}
	}
	if _, _, ok := srv.Webhook("x"); ok {
		t.Error("a refused webhook was stored")
	}
}
