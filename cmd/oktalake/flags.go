package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
	"github.com/oktalake/oktalake/lake"
	"github.com/oktalake/oktalake/streams"
	"github.com/urfave/cli/v2"
)

// Flag groups; every flag also reads an environment variable.
func oktaFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "okta-domain", EnvVars: []string{"OKTA_DOMAIN", "OCEAN__INTEGRATION__CONFIG__OKTA_DOMAIN"}, Usage: "Okta org: dev-123.okta.com, a custom domain, or a full URL"},
		&cli.StringFlag{Name: "okta-api-token", EnvVars: []string{"OKTA_API_TOKEN", "OCEAN__INTEGRATION__SECRETS__OKTA_API_TOKEN"}, Usage: "API token (sent as SSWS)"},
		&cli.StringFlag{Name: "okta-client-id", EnvVars: []string{"OKTA_CLIENT_ID"}, Usage: "OAuth 2.0 service app client id"},
		&cli.StringFlag{Name: "okta-private-key", EnvVars: []string{"OKTA_PRIVATE_KEY"}, Usage: "service app private key: PEM text or a file path (RSA or EC)"},
		&cli.StringFlag{Name: "okta-key-id", EnvVars: []string{"OKTA_KEY_ID"}, Usage: "kid of the private key, when the app has several"},
		&cli.BoolFlag{Name: "okta-dpop", EnvVars: []string{"OKTA_DPOP"}, Usage: "send DPoP proofs (RFC 9449) for a service app that requires DPoP (turned on by itself when Okta asks)"},
		&cli.StringFlag{Name: "okta-dpop-key", EnvVars: []string{"OKTA_DPOP_KEY"}, Usage: "key signing DPoP proofs: PEM text or a file path, not the client key (default: generated in memory)"},
		&cli.Float64Flag{Name: "rate-limit-share", EnvVars: []string{"OKTALAKE_RATE_LIMIT_SHARE"}, Value: 0.5, Usage: "largest share of each Okta rate-limit bucket to use (the rest stays for other integrations)"},
		&cli.IntFlag{Name: "max-concurrency", EnvVars: []string{"OKTALAKE_MAX_CONCURRENCY"}, Value: 10, Usage: "most Okta requests in flight"},
	}
}

func bucketFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "bucket", EnvVars: []string{"OKTALAKE_BUCKET"}, Value: "./lake", Usage: "s3://bucket[/prefix], file:///dir or a directory"},
		&cli.StringFlag{Name: "s3-endpoint", EnvVars: []string{"AWS_ENDPOINT_URL_S3"}, Usage: "S3-compatible endpoint such as MinIO (path-style addressing)"},
		&cli.StringFlag{Name: "s3-region", EnvVars: []string{"AWS_REGION"}, Value: "us-east-1", Usage: "S3 region"},
		&cli.StringFlag{Name: "prefix", EnvVars: []string{"OKTALAKE_PREFIX"}, Usage: "key prefix (default: the bucket URL's path, else \"data\")"},
		&cli.StringFlag{Name: "namespace", EnvVars: []string{"OKTALAKE_NAMESPACE"}, Value: "okta", Usage: "Airbyte destination namespace"},
	}
}

func writerFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "path-format", EnvVars: []string{"OKTALAKE_PATH_FORMAT"}, Usage: "Airbyte s3_path_format (default ${NAMESPACE}/${STREAM_NAME}/year=${YEAR}/month=${MONTH}/${DAY}_${EPOCH}_); must contain ${STREAM_NAME}"},
		&cli.BoolFlag{Name: "allow-foreign-layout", EnvVars: []string{"OKTALAKE_ALLOW_FOREIGN_LAYOUT"}, Usage: "accept a --path-format that does not start with ${NAMESPACE}/${STREAM_NAME}/ (load will not find those objects)"},
		&cli.StringFlag{Name: "envelope", EnvVars: []string{"OKTALAKE_ENVELOPE"}, Value: "v2", Usage: "record envelope: v2, v1 or flat"},
		&cli.GenericFlag{Name: "max-file-size", EnvVars: []string{"OKTALAKE_MAX_FILE_SIZE"}, Value: new(byteSize(200 << 20)), Usage: "rotate objects at this compressed size: 200MiB, 64MB, 1GiB or bytes"},
	}, formatFlags()...)
}

func logFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "log-level", EnvVars: []string{"OKTALAKE_LOG_LEVEL"}, Value: "info", Usage: "debug, info, warn or error"},
		&cli.StringFlag{Name: "log-format", EnvVars: []string{"OKTALAKE_LOG_FORMAT"}, Value: "text", Usage: "text or json"},
	}
}

// maxFileSize reads --max-file-size, in bytes.
func maxFileSize(c *cli.Context) int64 {
	if b, ok := c.Generic("max-file-size").(*byteSize); ok {
		return int64(*b)
	}
	return 0
}

func concat(groups ...[]cli.Flag) []cli.Flag {
	var out []cli.Flag
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func newLogger(c *cli.Context) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return nil, usagef("--log-level: %q is not debug, info, warn or error", c.String("log-level"))
	}
	opts := &slog.HandlerOptions{Level: level}
	w := c.App.ErrWriter
	switch c.String("log-format") {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, usagef("--log-format: %q is not text or json", c.String("log-format"))
	}
}

// bucket is an opened bucket with its key prefix and namespace.
type bucket struct {
	store lake.Store
	// url is the bucket URL as printed: without credentials or query.
	url       string
	prefix    string
	namespace string
}

func openBucket(c *cli.Context) (*bucket, error) {
	raw := c.String("bucket")
	if ep := c.String("s3-endpoint"); lake.URLHasCredentials(ep) {
		return nil, usagef("--s3-endpoint %s: credentials in the endpoint URL are refused (and never printed): S3 credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a role)", lake.RedactBucketURL(ep))
	}
	store, urlPrefix, err := lake.OpenStore(c.Context, raw, lake.StoreOptions{
		S3Endpoint: c.String("s3-endpoint"),
		Region:     c.String("s3-region"),
	})
	var bad *lake.BucketURLError
	if errors.As(err, &bad) {
		return nil, usagef("--bucket: %w", err)
	}
	// Only the redacted form is ever printed: a URL that got this far holds
	// no credentials, but the rule is kept in one place.
	shown := lake.RedactBucketURL(raw)
	if err != nil {
		return nil, fmt.Errorf("opening bucket %s: %w", shown, err)
	}
	prefix := bucketPrefix(c, urlPrefix)
	ns := c.String("namespace")
	if ns == "" || strings.Contains(ns, "/") {
		return nil, usagef("--namespace: %q must be a non-empty name without '/'", ns)
	}
	return &bucket{store: store, url: shown, prefix: prefix, namespace: ns}, nil
}

// bucketPrefix is the key prefix: --prefix, else the bucket URL's path,
// else "data".
func bucketPrefix(c *cli.Context, urlPrefix string) string {
	switch {
	case c.IsSet("prefix"):
		return strings.Trim(c.String("prefix"), "/")
	case strings.Trim(urlPrefix, "/") != "":
		return strings.Trim(urlPrefix, "/")
	default:
		return lake.DefaultPrefix
	}
}

// checkWritable proves the bucket takes writes before any Okta request is
// made, so a wrong bucket fails in a second, not after a long read.
func (b *bucket) checkWritable(ctx context.Context) error {
	if err := lake.CheckWritable(ctx, b.store, b.prefix); err != nil {
		return fmt.Errorf("bucket %s: %w", b.url, err)
	}
	return nil
}

// printSummary prints a run's summary with the configuration fields its
// errors name shown as flags.
func printSummary(w io.Writer, sum io.WriterTo) {
	var buf bytes.Buffer
	sum.WriteTo(&buf)
	io.WriteString(w, flagNames(buf.String()))
}

func writerOptions(c *cli.Context, log *slog.Logger) (lake.Envelope, error) {
	env, err := lake.ParseEnvelope(c.String("envelope"))
	if err != nil {
		return env, usagef("--envelope: %v", err)
	}
	if err := checkPathFormat(c, log); err != nil {
		return env, err
	}
	if n := maxFileSize(c); n < 1<<10 {
		return env, usagef("--max-file-size: %d bytes is too small (at least 1KiB)", n)
	}
	return env, nil
}

// checkPathFormat refuses a --path-format that would make streams race for
// one key, and one whose objects load would not find (unless
// --allow-foreign-layout), before anything is read or written.
func checkPathFormat(c *cli.Context, log *slog.Logger) error {
	raw := c.String("path-format")
	if raw == "" {
		return nil // the default
	}
	f, err := lake.ParsePathFormat(raw)
	if err != nil {
		return usagef("--path-format: %v", err)
	}
	if !f.SeparatesStreams() {
		return usagef("--path-format %q has no ${STREAM_NAME}: every stream would write the same keys and all but one would fail; start it with ${NAMESPACE}/${STREAM_NAME}/ as the default %s does", raw, lake.DefaultPathFormat)
	}
	if f.InLoadLayout() {
		return nil
	}
	// Only an s3:// URL's path can set the prefix; otherwise it is known
	// without opening the bucket, and the message names it.
	prefix := "<prefix>"
	if c.IsSet("prefix") || !strings.HasPrefix(c.String("bucket"), "s3://") {
		prefix = bucketPrefix(c, "")
	}
	lists := lake.JoinKey(prefix, c.String("namespace"), "<stream>") + "/"
	if !c.Bool("allow-foreign-layout") {
		return usagef("--path-format %q does not start with ${NAMESPACE}/${STREAM_NAME}/: load lists %s and Port's mappings take the stream from the key's third segment, so load would find none of these objects; pass --allow-foreign-layout to write them for another reader", raw, lists)
	}
	log.Warn("--path-format is not the layout load reads: load lists "+lists+" and will not find these objects", "path_format", raw)
	return nil
}

// listFlag reads a repeatable, comma-separated flag: --streams a,b --streams c.
func listFlag(c *cli.Context, name string) []string {
	var out []string
	for _, v := range c.StringSlice(name) {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

// selectStreams reads --streams: catalog streams, or every stream when it
// is not given. Given but naming none ("--streams ,") is a usage error, not
// "every stream"; an empty value (OKTALAKE_STREAMS= as docker-compose passes
// an unset variable) is the default.
func selectStreams(c *cli.Context) ([]streams.Stream, error) {
	names := listFlag(c, "streams")
	// urfave/cli splits the value at commas and trims the parts: "," gives
	// two empty parts, an empty value one.
	if raw := c.StringSlice("streams"); len(names) == 0 && len(raw) > 1 {
		return nil, usagef("--streams %q names no stream (known: %s)", strings.Join(raw, ","), strings.Join(streams.Names(), ", "))
	}
	sel, err := streams.Select(names)
	if err != nil {
		return nil, usagef("--streams: %v", err)
	}
	return sel, nil
}

// streamNames are the names of ss.
func streamNames(ss []streams.Stream) []string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	return names
}

// newOktaClient builds the Okta client the flags describe; opts adjust its
// config (serve and --metrics-listen count its requests).
func newOktaClient(c *cli.Context, log *slog.Logger, scopes []string, opts ...func(*okta.Config)) (*okta.Client, error) {
	cfg := okta.Config{
		Domain:         c.String("okta-domain"),
		APIToken:       c.String("okta-api-token"),
		ClientID:       c.String("okta-client-id"),
		PrivateKey:     c.String("okta-private-key"),
		KeyID:          c.String("okta-key-id"),
		DPoP:           c.Bool("okta-dpop"),
		DPoPKey:        c.String("okta-dpop-key"),
		Scopes:         scopes,
		RateLimitShare: c.Float64("rate-limit-share"),
		MaxConcurrency: c.Int("max-concurrency"),
		Logger:         log,
		UserAgent:      "oktalake/" + version,
	}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, usageError{err}
	}
	client, err := okta.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("configuring the Okta client: %w", err)
	}
	return client, nil
}

func parseDate(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usagef("--%s: %q is not a date (2026-09-01 or 2026-09-01T00:00:00Z)", flag, v)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// noArgs refuses positional arguments where a command takes none: urfave/cli
// stops reading flags at the first argument, so a stray word would silently
// hide every flag after it.
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("%s takes no arguments, got %q (flags go before any argument)", c.Command.FullName(), c.Args().Slice())
	}
	return nil
}

// begin starts a command that takes no arguments: it refuses stray ones and
// meaningless flag values, and returns the logger its flags ask for.
func begin(c *cli.Context) (*slog.Logger, error) {
	if err := noArgs(c); err != nil {
		return nil, err
	}
	if err := checkFlagValues(c); err != nil {
		return nil, err
	}
	return newLogger(c)
}

// checkFlagValues refuses numeric flags of the command whose values mean
// nothing (no requests in flight, a zero timeout or interval): the packages
// that take them would quietly use their defaults instead.
func checkFlagValues(c *cli.Context) error {
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		switch name {
		case "port-concurrency", "max-concurrency", "workers":
			if n := c.Int(name); n < 1 {
				return usagef("--%s: %d must be at least 1", name, n)
			}
		case "mapping-timeout", "poll-interval", "full-list-every", "window":
			if d := c.Duration(name); d <= 0 {
				return usagef("--%s: %v must be a positive duration such as 30s", name, d)
			}
		case "rate-limit-share", "delete-threshold":
			if v := c.Float64(name); !(v > 0 && v <= 1) {
				return usagef("--%s: %v must be more than 0 and at most 1", name, v)
			}
		}
	}
	return nil
}
