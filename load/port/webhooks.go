package port

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Webhook is a custom webhook integration, as Port's /v1/webhooks API
// takes it: the mapping lives in Port and applies to every request posted
// to the integration's ingest URL.
type Webhook struct {
	Identifier  string `json:"identifier"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Icon        string `json:"icon,omitempty"`
	// Mappings is the webhook-dialect mapping: a JSON array of entries.
	Mappings json.RawMessage `json:"mappings"`
	Enabled  bool            `json:"enabled"`
	Security WebhookSecurity `json:"security"`
	// IntegrationType is "custom" for integrations made this way.
	IntegrationType string `json:"integrationType"`
}

// WebhookSecurity is a webhook's security settings. Secret is never
// logged nor put in errors.
type WebhookSecurity struct {
	Secret                string `json:"secret,omitempty"`
	SignatureHeaderName   string `json:"signatureHeaderName,omitempty"`
	SignatureAlgorithm    string `json:"signatureAlgorithm,omitempty"`
	SignaturePrefix       string `json:"signaturePrefix,omitempty"`
	RequestIdentifierPath string `json:"requestIdentifierPath,omitempty"`
}

// DefaultIngestURL is where Port's webhook integrations take requests:
// DefaultIngestURL + "/" + the webhook key.
const DefaultIngestURL = "https://ingest.getport.io"

// WebhookResult says what PutWebhook did.
type WebhookResult struct {
	// Created is false when an existing integration was replaced.
	Created bool
	// URL is the integration's ingest URL (it holds the webhook key: treat
	// it as a secret).
	URL string
}

// PutWebhook creates the integration, or replaces the one with its
// identifier (its key and URL stay).
func (c *Client) PutWebhook(ctx context.Context, wh Webhook) (WebhookResult, error) {
	if wh.Identifier == "" {
		return WebhookResult{}, errors.New("putting webhook: no identifier")
	}
	if wh.IntegrationType == "" {
		wh.IntegrationType = "custom"
	}
	mappings, err := objectOperations(wh.Mappings)
	if err != nil {
		return WebhookResult{}, fmt.Errorf("putting webhook %s: %w", wh.Identifier, err)
	}
	wh.Mappings = mappings
	body, err := json.Marshal(wh)
	if err != nil {
		return WebhookResult{}, fmt.Errorf("encoding webhook %s: %w", wh.Identifier, err)
	}
	path := "/v1/webhooks/" + escape(wh.Identifier)
	var out struct {
		Integration struct {
			URL        string `json:"url"`
			WebhookKey string `json:"webhookKey"`
		} `json:"integration"`
	}
	err = c.call(ctx, request{method: http.MethodGet, path: path}, &out)
	var api *APIError
	res := WebhookResult{}
	switch {
	case errors.As(err, &api) && api.Status == http.StatusNotFound:
		res.Created = true
		err = c.call(ctx, request{method: http.MethodPost, path: "/v1/webhooks", body: body}, &out)
	case err == nil:
		err = c.call(ctx, request{method: http.MethodPut, path: path, body: body}, &out)
	}
	if err != nil {
		return WebhookResult{}, fmt.Errorf("putting webhook %s: %w", wh.Identifier, err)
	}
	res.URL = out.Integration.URL
	if res.URL == "" && out.Integration.WebhookKey != "" {
		res.URL = DefaultIngestURL + "/" + out.Integration.WebhookKey
	}
	return res, nil
}

// objectOperations rewrites each entry's "operation": "create" (or
// "delete") as {"type": "create"}: Port's docs and seed 003 write the
// string, while the /v1/webhooks route's schema takes only the object form
// for create. Errors name the entry's index.
func objectOperations(mappings json.RawMessage) (json.RawMessage, error) {
	if len(mappings) == 0 {
		return json.RawMessage("[]"), nil
	}
	var entries []map[string]json.RawMessage
	if err := json.Unmarshal(mappings, &entries); err != nil {
		return nil, fmt.Errorf("mappings: want a JSON array of mapping entries: %w", err)
	}
	for i, e := range entries {
		var op string
		if raw, ok := e["operation"]; ok && json.Unmarshal(raw, &op) == nil {
			obj, err := json.Marshal(map[string]string{"type": op})
			if err != nil {
				return nil, fmt.Errorf("mappings[%d].operation: %w", i, err)
			}
			e["operation"] = obj
		}
	}
	return json.Marshal(entries)
}
