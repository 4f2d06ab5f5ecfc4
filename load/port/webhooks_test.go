package port

import (
	"context"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/load/porttest"
	"github.com/oktalake/oktalake/schemas"
)

// PutWebhook creates seed 003's integration with a request Port's spec
// accepts (the mapping's string operations sent in the object form), then
// replaces it keeping its URL; the secret never shows in errors.
func TestPutWebhook(t *testing.T) {
	srv := newServer(t, porttest.Options{})
	c := newClient(t, srv, nil)
	m, err := schemas.Mapping("seed003.json")
	if err != nil {
		t.Fatal(err)
	}
	wh := Webhook{Identifier: "okta-lake", Title: "Okta", Mappings: m, Enabled: true,
		Security: WebhookSecurity{Secret: "very-secret", SignatureHeaderName: "X-Sig", SignatureAlgorithm: "sha256", SignaturePrefix: "sha256=", RequestIdentifierPath: `.headers["x-id"]`}}
	first, err := c.PutWebhook(context.Background(), wh)
	if err != nil {
		t.Fatal(err)
	}
	url, mappings, ok := srv.Webhook("okta-lake")
	if !first.Created || first.URL != url || !ok || mappings != strings.Count(string(m), `"blueprint"`) {
		t.Fatalf("first put: %+v; stored %s with %d mappings", first, url, mappings)
	}
	wh.Title = "Okta lake"
	second, err := c.PutWebhook(context.Background(), wh)
	if err != nil || second.Created || second.URL != first.URL {
		t.Fatalf("second put: %+v, %v", second, err)
	}
	wh.Mappings = []byte(`{"not": "an array"}`)
	if _, err := c.PutWebhook(context.Background(), wh); err == nil || strings.Contains(err.Error(), "very-secret") {
		t.Errorf("a bad mapping: %v", err)
	}
}
