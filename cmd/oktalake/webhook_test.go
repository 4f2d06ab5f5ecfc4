package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/load/mapping"
	"github.com/urfave/cli/v2"

	"github.com/oktalake/oktalake/load/porttest"
	"github.com/oktalake/oktalake/schemas"
)

// Seed 003's manual setup as two commands: `port webhook create` makes the
// integration with seed 003's mapping, and `load --port-webhook-url` posts
// the demo lake to it, signed, without Port client credentials.
func TestPortWebhookCreateAndLoad(t *testing.T) {
	dir := t.TempDir()
	if out, errOut, code := runCLI(t, "demo", "--bucket", dir, "--users", "20"); code != 0 {
		t.Fatalf("demo exited %d\n%s\n%s", code, out, errOut)
	}
	bps, err := schemas.PortBlueprints()
	if err != nil {
		t.Fatal(err)
	}
	srv := porttest.NewServer(porttest.Options{Blueprints: bps})
	defer srv.Close()
	const secret = "cli-webhook-secret"
	t.Setenv("OKTALAKE_PORT_WEBHOOK_SECRET", secret)
	out, errOut, code := runCLI(t, "port", "webhook", "create", "--port-base-url", srv.URL, "--port-client-id", srv.ClientID, "--port-client-secret", srv.ClientSecret)
	if code != 0 || !strings.Contains(out, "created") {
		t.Fatalf("port webhook create: exit %d\n%s%s", code, out, errOut)
	}
	url, _, ok := srv.Webhook("oktalake")
	if !ok || !strings.Contains(out, url) || strings.Contains(out+errOut, secret) {
		t.Fatalf("the output does not give the webhook's URL %q (or shows the secret):\n%s", url, out)
	}
	if out, _, code := runCLI(t, "port", "webhook", "create", "--port-base-url", srv.URL, "--port-client-id", srv.ClientID, "--port-client-secret", srv.ClientSecret); code != 0 || !strings.Contains(out, "updated") {
		t.Fatalf("a second create: exit %d\n%s", code, out)
	}

	// No Port credentials in the environment: the webhook needs none.
	t.Setenv("PORT_CLIENT_ID", "")
	t.Setenv("PORT_CLIENT_SECRET", "")
	out, errOut, code = runCLI(t, "load", "--bucket", dir, "--name", "webhook", "--port-webhook-url", url)
	st := srv.WebhookStats()
	if code != 0 || st.Ingested == 0 || st.BadSignature != 0 || len(srv.Entities("okta_user")) == 0 {
		t.Fatalf("load --port-webhook-url: exit %d, stats %+v\n%s%s", code, st, out, errOut)
	}
	if strings.Contains(out+errOut, secret) || strings.Contains(out+errOut, strings.TrimPrefix(url, srv.IngestURL+"/")) {
		t.Errorf("load shows the secret or the webhook key:\n%s%s", out, errOut)
	}

	// A wrong secret: Port drops the posts, and load exits 1 without
	// checkpointing (a new loader name, so every object is pending).
	t.Setenv("OKTALAKE_PORT_WEBHOOK_SECRET", "wrong")
	if _, errOut, code := runCLI(t, "load", "--bucket", dir, "--name", "webhook2", "--port-webhook-url", url); code != 1 || !strings.Contains(errOut, "refused") {
		t.Errorf("wrong secret: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := runCLI(t, "load", "--bucket", dir, "--port-webhook-url", url, "--mapping", "x.json"); code != 2 || !strings.Contains(errOut, "--mapping") {
		t.Errorf("--mapping with a webhook: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := runCLI(t, "load", "--bucket", dir, "--port-webhook-url", "ftp://x/KEY"); code != 2 || strings.Contains(errOut, "KEY") || !strings.Contains(errOut, "--port-webhook-url") {
		t.Errorf("a bad URL: exit %d\n%s", code, errOut)
	}
}

// With a webhook, load still hands the rest of its wiring a mapping (one
// with no entries: Port's applies), never nil.
func TestLoadTargetsWithAWebhookGiveAnEmptyMapping(t *testing.T) {
	var m *mapping.Mapping
	var hookSet bool
	app := &cli.App{Flags: concat(portFlags(), mappingFlags(), loadWebhookFlags(), []cli.Flag{&cli.BoolFlag{Name: "init-port"}}), Action: func(c *cli.Context) error {
		mm, pc, hook, err := loadTargets(c, slog.New(slog.DiscardHandler))
		if err != nil || pc != nil {
			t.Fatalf("loadTargets: port %v, err %v", pc, err)
		}
		m, hookSet = mm, hook != nil
		return nil
	}}
	if err := app.Run([]string{"x", "--port-webhook-url", "https://ingest.getport.io/k"}); err != nil {
		t.Fatal(err)
	}
	if !hookSet || m == nil || len(m.Blueprints()) != 0 {
		t.Fatalf("mapping %v (webhook %v), want an empty one", m, hookSet)
	}
}
