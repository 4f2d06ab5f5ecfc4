// Package webhook posts records to a Port custom-webhook integration
// (https://ingest.getport.io/<key>), signed as the integration's security
// settings require, each with a request id that Port's
// requestIdentifierPath de-duplicates on. The mapping lives in Port; no
// Port client credentials are needed.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/internal/httpx"
)

// Signature algorithms of a webhook's security settings
// (security.signatureAlgorithm in Port's /v1/webhooks API).
const (
	SHA1   = "sha1"
	SHA256 = "sha256"
	// Plain sends the secret itself (after the prefix) as the signature.
	Plain = "plain"
)

// DefaultRequestIDHeader carries each record's request id; point the
// webhook's requestIdentifierPath at it (RequestIdentifierPath).
const DefaultRequestIDHeader = "X-Oktalake-Request-Id"

// RequestIdentifierPath is the jq path of the request id header as Port
// presents request headers to a webhook's jq (names lower-cased).
func RequestIdentifierPath(header string) string {
	return `.headers["` + strings.ToLower(header) + `"]`
}

// Config configures a Client.
type Config struct {
	// URL is the webhook's ingest URL, https://ingest.getport.io/<key>.
	// It holds the webhook key: never logged nor put in errors.
	URL string
	// Secret, SignatureHeader, Algorithm and Prefix are the webhook's
	// security settings: the header carries Prefix + hex(HMAC(Secret,
	// body)) with Algorithm sha1 or sha256 (or Prefix + Secret for plain).
	// No Secret: requests are not signed.
	Secret, SignatureHeader, Algorithm, Prefix string
	// RequestIDHeader carries the request id (default DefaultRequestIDHeader).
	RequestIDHeader string
	// Concurrency is how many records are posted at once (default 8).
	Concurrency int
	// MaxRetries bounds resends after 429, 5xx or network errors (default 6,
	// negative: none).
	MaxRetries int
	// Timeout bounds one request (default 30s).
	Timeout time.Duration
	// HTTPClient sends requests; its copy refuses redirects to another origin.
	HTTPClient *http.Client
	Clock      clock.Clock
	Logger     *slog.Logger
}

// SetDefaults fills unset fields.
func (c *Config) SetDefaults() {
	if c.RequestIDHeader == "" {
		c.RequestIDHeader = DefaultRequestIDHeader
	}
	if c.Secret != "" && c.Algorithm == "" {
		c.Algorithm = SHA256
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 6
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports the first invalid field, never quoting the URL's key or
// the secret.
func (c *Config) Validate() error {
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		return errors.New("webhook.Config.URL: required (https://ingest.getport.io/<webhook key>)")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return errors.New("webhook.Config.URL: not an http(s) URL such as https://ingest.getport.io/<webhook key>")
	case u.User != nil:
		return errors.New("webhook.Config.URL: credentials in the URL are refused")
	}
	if c.Secret == "" {
		return nil
	}
	switch c.Algorithm {
	case SHA1, SHA256, Plain:
	default:
		return fmt.Errorf("webhook.Config.Algorithm: %q is not sha1, sha256 or plain", c.Algorithm)
	}
	if c.SignatureHeader == "" {
		return errors.New("webhook.Config.SignatureHeader: required with a secret (the webhook's security.signatureHeaderName)")
	}
	return nil
}

// Client posts to one webhook. It is safe for concurrent use.
type Client struct {
	cfg   Config
	hc    *http.Client
	shown string // the URL without its key, for messages
}

// New returns a client for cfg, defaults applied.
func New(cfg Config) (*Client, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, _ := url.Parse(cfg.URL)
	hc := httpx.SameOriginClient(cfg.HTTPClient, u)
	return &Client{cfg: cfg, hc: hc, shown: u.Scheme + "://" + u.Host + "/…"}, nil
}

// Concurrency is how many posts the caller may have in flight.
func (c *Client) Concurrency() int { return c.cfg.Concurrency }

// Where names the webhook for messages, without its key.
func (c *Client) Where() string { return c.shown }

// Sign returns the signature header value of body under cfg's security
// settings ("" when there is no secret).
func Sign(secret, algorithm, prefix string, body []byte) string {
	if secret == "" {
		return ""
	}
	var h func() hash.Hash
	switch algorithm {
	case SHA1:
		h = sha1.New
	case Plain:
		return prefix + secret
	default:
		h = sha256.New
	}
	m := hmac.New(h, []byte(secret))
	m.Write(body)
	return prefix + hex.EncodeToString(m.Sum(nil))
}

// Refused is Port's refusal of one post: the body will not be accepted as
// sent (a 4xx other than 401, 403, 408 and 429).
type Refused struct {
	Status  int
	Message string
}

func (r *Refused) Error() string { return fmt.Sprintf("port webhook %d: %s", r.Status, r.Message) }

// ErrUnauthorized is wrapped when Port refuses the webhook itself (401,
// 403, 404: a wrong secret or key, a deleted webhook): every record would
// fail the same way, so the load stops instead of dead-lettering them all.
var ErrUnauthorized = errors.New("the webhook refused the request (check the URL's key and the signature settings)")

// Post sends one body with its request id. It returns nil once Port
// accepted it, a *Refused for a body Port will not take, and any other
// error when the outcome is unknown (retries exhausted, ErrUnauthorized,
// ctx done).
func (c *Client) Post(ctx context.Context, body []byte, requestID string) error {
	for attempt := 0; ; attempt++ {
		status, msg, err := c.once(ctx, body, requestID)
		retry := false
		switch {
		case err != nil && ctx.Err() != nil:
			return fmt.Errorf("posting to %s: %w", c.shown, ctx.Err())
		case errors.Is(err, httpx.ErrCrossOriginRedirect):
			return fmt.Errorf("posting to %s: %w", c.shown, err)
		case err != nil:
			retry = true
		case status >= 200 && status < 300:
			return nil
		case status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound:
			return fmt.Errorf("posting to %s: %d: %w", c.shown, status, ErrUnauthorized)
		case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
			retry = true
			err = fmt.Errorf("port webhook %d: %s", status, msg)
		case status >= 400:
			return &Refused{Status: status, Message: msg}
		default:
			return fmt.Errorf("posting to %s: unexpected status %d", c.shown, status)
		}
		if !retry || c.cfg.MaxRetries < 0 || attempt >= c.cfg.MaxRetries {
			return fmt.Errorf("posting to %s: giving up after %d retries: %w", c.shown, attempt, err)
		}
		d := httpx.Backoff(attempt, 200*time.Millisecond, 30*time.Second)
		c.cfg.Logger.Warn("port webhook post failed; retrying", "webhook", c.shown, "attempt", attempt+1, "wait", d, "error", err)
		if err := c.cfg.Clock.Sleep(ctx, d); err != nil {
			return fmt.Errorf("posting to %s: %w", c.shown, err)
		}
	}
}

func (c *Client) once(ctx context.Context, body []byte, requestID string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "", errors.New("building the webhook request failed")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "oktalake")
	req.Header.Set(c.cfg.RequestIDHeader, requestID)
	if sig := Sign(c.cfg.Secret, c.cfg.Algorithm, c.cfg.Prefix, body); sig != "" {
		req.Header.Set(c.cfg.SignatureHeader, sig)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the url.Error quotes the URL, and with it the key
		}
		return 0, "", fmt.Errorf("sending: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	return resp.StatusCode, strings.TrimSpace(string(b)), nil
}
