package main

import (
	"cmp"
	"slices"
	"strings"
)

// fieldFlags maps the configuration fields the packages name in their
// errors ("okta.Config.Domain: missing") to the flags that set them: a
// library speaks of its own fields, the CLI of its flags.
func fieldFlags() map[string]string {
	return map[string]string{
		"okta.Config.Domain":         "--okta-domain",
		"okta.Config.APIToken":       "--okta-api-token",
		"okta.Config.ClientID":       "--okta-client-id",
		"okta.Config.PrivateKey":     "--okta-private-key",
		"okta.Config.KeyID":          "--okta-key-id",
		"okta.Config.DPoP":           "--okta-dpop",
		"okta.Config.DPoPKey":        "--okta-dpop-key",
		"okta.Config.Scopes":         "--streams", // the chosen streams' scopes
		"okta.Config.RateLimitShare": "--rate-limit-share",
		"okta.Config.MaxConcurrency": "--max-concurrency",

		"extract.Config.Streams":            "--streams",
		"extract.Config.StartDate":          "--start-date",
		"extract.Config.FullRefresh":        "--full-refresh",
		"extract.Config.PathFormat":         "--path-format",
		"extract.Config.Concurrency":        "--max-concurrency",
		"extract.Config.ReconcileEvery":     "--reconcile-every",
		"extract.BackfillConfig.Since":      "--since",
		"extract.BackfillConfig.Until":      "--until",
		"extract.BackfillConfig.Window":     "--window",
		"extract.BackfillConfig.Workers":    "--workers",
		"extract.BackfillConfig.PathFormat": "--path-format",

		"port.Config.ClientID":     "--port-client-id",
		"port.Config.ClientSecret": "--port-client-secret",
		"port.Config.BaseURL":      "--port-base-url",
		"port.Config.Concurrency":  "--port-concurrency",

		"load.Config.Store":     "--bucket",
		"load.Config.Prefix":    "--prefix",
		"load.Config.Namespace": "--namespace",
		"load.Config.Name":      "--name",

		"load.Config.DeleteThreshold":    "--delete-threshold",
		"load.Config.Plan":               "--plan",
		"load.Config.NoDeletes":          "--no-deletes",
		"load.Config.DeleteDependents":   "--delete-dependents",
		"webhook.Config.URL":             "--port-webhook-url",
		"webhook.Config.Algorithm":       "--port-webhook-signature-algorithm",
		"webhook.Config.SignatureHeader": "--port-webhook-signature-header",

		"lake.StoreOptions.S3Endpoint": "--s3-endpoint",
		"lake.StoreOptions.Region":     "--s3-region",
	}
}

// flagNames rewrites the configuration fields a message names into the
// flags that set them, so what the CLI prints names what its user types.
func flagNames(msg string) string {
	table := fieldFlags()
	fields := make([]string, 0, len(table))
	for f := range table {
		fields = append(fields, f)
	}
	// Longer names first: no field's name may cut a longer one short.
	slices.SortFunc(fields, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	pairs := make([]string, 0, 2*len(fields))
	for _, f := range fields {
		pairs = append(pairs, f, table[f])
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}
