package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/oktalake/oktalake/load/mapping"
	"github.com/oktalake/oktalake/load/port"
	"github.com/oktalake/oktalake/load/webhook"
	"github.com/oktalake/oktalake/schemas"
	"github.com/urfave/cli/v2"
)

// webhookSecurityFlags are a Port webhook integration's security settings,
// the same on `load` (which signs) and `port webhook create` (which sets
// them in Port), so that their defaults agree.
func webhookSecurityFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "port-webhook-secret", EnvVars: []string{"OKTALAKE_PORT_WEBHOOK_SECRET"}, Usage: "the webhook's security secret (set it in the environment, not on the command line)"},
		&cli.StringFlag{Name: "port-webhook-signature-header", EnvVars: []string{"OKTALAKE_PORT_WEBHOOK_SIGNATURE_HEADER"}, Value: "X-Oktalake-Signature", Usage: "header carrying the signature (security.signatureHeaderName)"},
		&cli.StringFlag{Name: "port-webhook-signature-algorithm", EnvVars: []string{"OKTALAKE_PORT_WEBHOOK_SIGNATURE_ALGORITHM"}, Value: webhook.SHA256, Usage: "sha256, sha1 or plain (security.signatureAlgorithm)"},
		&cli.StringFlag{Name: "port-webhook-signature-prefix", EnvVars: []string{"OKTALAKE_PORT_WEBHOOK_SIGNATURE_PREFIX"}, Value: "sha256=", Usage: "text before the signature (security.signaturePrefix)"},
		&cli.StringFlag{Name: "port-webhook-request-id-header", EnvVars: []string{"OKTALAKE_PORT_WEBHOOK_REQUEST_ID_HEADER"}, Value: webhook.DefaultRequestIDHeader, Usage: "header carrying each record's request id (security.requestIdentifierPath points at it)"},
	}
}

// loadWebhookFlags are load's flags for Port's webhook ingestion.
func loadWebhookFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "port-webhook-url", EnvVars: []string{"OKTALAKE_PORT_WEBHOOK_URL"}, Usage: "post each record to this Port webhook integration (https://ingest.getport.io/KEY), whose own mapping makes the entities; no Port client credentials needed"},
	}, webhookSecurityFlags()...)
}

// loadTargets is what load sends to: a webhook with --port-webhook-url,
// else the mapping and a Port client.
func loadTargets(c *cli.Context, log *slog.Logger) (*mapping.Mapping, *port.Client, *webhook.Client, error) {
	if c.String("port-webhook-url") == "" {
		m, err := loadMapping(c, log)
		if err != nil {
			return nil, nil, nil, err
		}
		pc, err := newPortClient(c, log)
		return m, pc, nil, err
	}
	switch {
	case c.IsSet("mapping"):
		return nil, nil, nil, usagef("--mapping: with --port-webhook-url the mapping lives in Port (oktalake port webhook create --mapping FILE)")
	case c.Bool("init-port"):
		return nil, nil, nil, usagef("--init-port needs Port client credentials; with --port-webhook-url run \"oktalake port init\" once instead")
	}
	hook, err := webhook.New(webhook.Config{
		URL: c.String("port-webhook-url"), Secret: c.String("port-webhook-secret"),
		SignatureHeader: c.String("port-webhook-signature-header"), Algorithm: c.String("port-webhook-signature-algorithm"),
		Prefix: c.String("port-webhook-signature-prefix"), RequestIDHeader: c.String("port-webhook-request-id-header"),
		Concurrency: c.Int("port-concurrency"), Logger: log,
	})
	if err != nil {
		return nil, nil, nil, usageError{err}
	}
	// The mapping lives in Port; what reads load's mapping here (Ocean
	// enrichments, delete settings) sees one with no entries, never nil.
	none, err := mapping.Parse([]byte("[]"), "the webhook integration's mapping, in Port", mapping.Options{Logger: log})
	if err != nil {
		return nil, nil, nil, err
	}
	return none, nil, hook, nil
}

// portWebhookCommand is `oktalake port webhook create`.
func portWebhookCommand() *cli.Command {
	return &cli.Command{
		Name:  "webhook",
		Usage: "manage the Port webhook integration that load --port-webhook-url posts to",
		Subcommands: []*cli.Command{{
			Name:  "create",
			Usage: "create or update the webhook integration (Port's /v1/webhooks) with a webhook-dialect mapping and the security settings load signs with; prints its URL",
			Flags: concat(portFlags(), logFlags(), webhookSecurityFlags(), []cli.Flag{
				&cli.StringFlag{Name: "mapping", EnvVars: []string{"OKTALAKE_MAPPING"}, Usage: "webhook-dialect JSON mapping (default: Port's Okta guide's, seed 003)"},
				&cli.StringFlag{Name: "identifier", Value: "oktalake", Usage: "the integration's identifier"},
				&cli.StringFlag{Name: "title", Value: "Okta (oktalake)", Usage: "the integration's title"},
			}),
			Action: func(c *cli.Context) error {
				log, err := begin(c)
				if err != nil {
					return err
				}
				data, source := []byte(nil), "seed 003's mapping"
				if name := c.String("mapping"); name != "" {
					if data, err = os.ReadFile(name); err != nil {
						return usagef("--mapping: %v", err)
					}
					source = name
				} else if data, err = schemas.Mapping("seed003.json"); err != nil {
					return err
				}
				var entries []json.RawMessage
				if err := json.Unmarshal(data, &entries); err != nil {
					return usagef("--mapping %s: a webhook integration takes a webhook-dialect JSON array of mapping entries: %v", source, err)
				}
				// Port compiles the mapping when the integration is saved;
				// our engine's check names the entry and field first.
				if _, err := mapping.Parse(data, source, mapping.Options{Logger: log}); err != nil {
					return usageError{fmt.Errorf("--mapping: %w", err)}
				}
				alg := c.String("port-webhook-signature-algorithm")
				if alg != webhook.SHA1 && alg != webhook.SHA256 && alg != webhook.Plain {
					return usagef("--port-webhook-signature-algorithm: %q is not sha256, sha1 or plain", alg)
				}
				sec := port.WebhookSecurity{RequestIdentifierPath: webhook.RequestIdentifierPath(c.String("port-webhook-request-id-header"))}
				if secret := c.String("port-webhook-secret"); secret != "" {
					sec.Secret, sec.SignatureHeaderName, sec.SignatureAlgorithm, sec.SignaturePrefix = secret, c.String("port-webhook-signature-header"), alg, c.String("port-webhook-signature-prefix")
				}
				pc, err := newPortClient(c, log)
				if err != nil {
					return err
				}
				res, err := pc.PutWebhook(c.Context, port.Webhook{
					Identifier: c.String("identifier"), Title: c.String("title"), Enabled: true, Mappings: data, Security: sec,
					Description: "Okta records posted by oktalake load --port-webhook-url",
				})
				if err != nil {
					return err
				}
				verb := "updated"
				if res.Created {
					verb = "created"
				}
				fmt.Fprintf(c.App.Writer, "port webhook %s %s (%d mapping entries)\n", c.String("identifier"), verb, len(entries))
				if sec.Secret == "" {
					fmt.Fprintln(c.App.Writer, "warning: no --port-webhook-secret: anyone with the URL can post to it")
				}
				fmt.Fprintf(c.App.Writer, "URL (it holds the webhook key: keep it secret; pass it to load as OKTALAKE_PORT_WEBHOOK_URL):\n%s\n", res.URL)
				return nil
			},
		}},
	}
}
