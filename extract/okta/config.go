package okta

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
)

// Defaults applied by Config.SetDefaults.
const (
	DefaultRateLimitShare = 0.5
	DefaultMaxConcurrency = 10
	DefaultMaxRetries     = 6
	DefaultUserAgent      = "oktalake"
	// DefaultTimeout bounds one HTTP exchange when Config.HTTPClient is nil.
	DefaultTimeout = 2 * time.Minute
)

// Config configures a Client. Give either APIToken or ClientID and PrivateKey.
type Config struct {
	// Domain is the Okta org: "dev-123.okta.com", "acme.oktapreview.com", a
	// custom domain, or a full URL such as "http://127.0.0.1:8080". Bare hosts
	// get https://.
	Domain string
	// APIToken is an Okta API token, sent as "Authorization: SSWS <token>".
	APIToken string
	// ClientID is the OAuth 2.0 service app's client id (private-key JWT auth).
	ClientID string
	// PrivateKey is the service app's private key: PEM text or the path of a
	// PEM file (RSA PKCS#1 or PKCS#8, EC P-256 SEC1 or PKCS#8).
	PrivateKey string
	// KeyID is the key's id in the app's JWKS, sent as the JWT "kid" header.
	KeyID string
	// Scopes are the OAuth scopes requested (the chosen streams' read scopes).
	Scopes []string
	// DPoP sends DPoP proofs (RFC 9449) with the token request and every API
	// call, for service apps that require DPoP-bound tokens. Off, the client
	// still turns DPoP on by itself when Okta answers that the app requires it.
	DPoP bool
	// DPoPKey is the key that signs DPoP proofs: PEM text or the path of a
	// PEM file (RSA of 2048 bits or more, or EC P-256), never the client
	// authentication key. Empty: a P-256 key generated at start and kept in
	// memory only.
	DPoPKey string
	// HTTPClient sends the requests; nil gives a client with DefaultTimeout.
	// It is copied, never modified: the copy refuses cross-origin redirects.
	HTTPClient *http.Client
	// Clock paces the governor and the retries; nil is the wall clock.
	Clock clock.Clock
	// RateLimitShare is the fraction of each rate-limit bucket this tool may
	// use per window, in (0, 1] (0: DefaultRateLimitShare); the org's other
	// integrations keep the rest.
	RateLimitShare float64
	// MaxConcurrency bounds the requests in flight at once (0: DefaultMaxConcurrency).
	MaxConcurrency int
	// MaxRetries bounds the retries of one request (0: DefaultMaxRetries,
	// negative: no retries).
	MaxRetries int
	// Logger receives debug logs of waits and retries; nil discards them.
	Logger *slog.Logger
	// UserAgent is sent with every request.
	UserAgent string
}

// SetDefaults fills the unset fields.
func (c *Config) SetDefaults() {
	if c.RateLimitShare == 0 {
		c.RateLimitShare = DefaultRateLimitShare
	}
	if c.MaxConcurrency == 0 {
		c.MaxConcurrency = DefaultMaxConcurrency
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
}

// Validate checks the configuration; its errors name the field to fix
// ("okta.Config.Domain: ...") and never echo a secret.
func (c Config) Validate() error {
	if _, err := ParseDomain(c.Domain); err != nil {
		return fmt.Errorf("okta.Config.Domain: %w", err)
	}
	oauth := c.ClientID != "" || c.PrivateKey != ""
	switch {
	case c.APIToken != "" && oauth:
		return errors.New("okta.Config.APIToken, okta.Config.ClientID: give either an API token or OAuth client credentials, not both")
	case c.APIToken == "" && !oauth:
		return errors.New("okta.Config.APIToken, okta.Config.ClientID: give an API token or OAuth client credentials (client id and private key)")
	case oauth && c.ClientID == "":
		return errors.New("okta.Config.ClientID: required with okta.Config.PrivateKey")
	case oauth && c.PrivateKey == "":
		return errors.New("okta.Config.PrivateKey: required with okta.Config.ClientID")
	}
	if (c.DPoP || c.DPoPKey != "") && !oauth {
		return errors.New("okta.Config.DPoP: DPoP binds OAuth access tokens; give okta.Config.ClientID and okta.Config.PrivateKey, or no DPoP with an API token")
	}
	if c.DPoPKey != "" {
		if _, err := loadSigner(c.DPoPKey, ""); err != nil {
			return fmt.Errorf("okta.Config.DPoPKey: %w", err)
		}
		if c.DPoPKey == c.PrivateKey {
			return errors.New("okta.Config.DPoPKey: must differ from okta.Config.PrivateKey (Okta keeps the DPoP key apart from the client authentication key)")
		}
	}
	if c.APIToken != "" && strings.ContainsAny(c.APIToken, " \t\r\n") {
		return errors.New("okta.Config.APIToken: contains white space (give the token alone, without \"SSWS \")")
	}
	if oauth {
		if _, err := loadSigner(c.PrivateKey, c.KeyID); err != nil {
			return fmt.Errorf("okta.Config.PrivateKey: %w", err)
		}
		if len(c.Scopes) == 0 {
			return errors.New("okta.Config.Scopes: OAuth needs at least one scope and the chosen streams give none")
		}
	}
	if !(c.RateLimitShare >= 0 && c.RateLimitShare <= 1) { // 0 is unset; also catches NaN
		return fmt.Errorf("okta.Config.RateLimitShare: must be in (0, 1], got %v", c.RateLimitShare)
	}
	if c.MaxConcurrency < 0 {
		return fmt.Errorf("okta.Config.MaxConcurrency: must be positive, got %d", c.MaxConcurrency)
	}
	return nil
}

// ParseDomain turns a Config.Domain value into the org's origin URL
// (scheme, host and port; no path).
func ParseDomain(domain string) (*url.URL, error) {
	d := strings.TrimSpace(domain)
	if d == "" {
		return nil, errors.New("missing: give the org domain, such as dev-123.okta.com")
	}
	if !strings.Contains(d, "://") {
		d = "https://" + d
	}
	u, err := url.Parse(d)
	if err != nil {
		return nil, fmt.Errorf("parsing %q: %w", domain, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("%q: scheme must be https or http", domain)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q: must not hold credentials", redactUserinfo(u))
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.Contains(d, "?") || strings.Contains(d, "#") {
		return nil, fmt.Errorf("%q: must not have a query or fragment", domain)
	}
	if p := strings.TrimRight(u.Path, "/"); p != "" {
		return nil, fmt.Errorf("%q: must not have a path (%s): give the org domain only", domain, p)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return nil, fmt.Errorf("%q: missing host", domain)
	}
	if !validHost(host) {
		return nil, fmt.Errorf("%q: invalid host %q", domain, host)
	}
	if port := u.Port(); port != "" {
		if n, err := parsePort(port); err != nil || n == 0 {
			return nil, fmt.Errorf("%q: invalid port %q", domain, port)
		}
	}
	if isOktaHost(host) {
		if u.Scheme != "https" {
			return nil, fmt.Errorf("%q: Okta orgs are served over https", domain)
		}
		if label, _, _ := strings.Cut(host, "."); strings.HasSuffix(label, "-admin") {
			return nil, fmt.Errorf("%q: that is the admin console; use the org domain %s", domain,
				strings.Replace(host, "-admin.", ".", 1))
		}
	}
	hostport := host
	if port := u.Port(); port != "" && port != defaultPort(u.Scheme) {
		hostport = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	return &url.URL{Scheme: u.Scheme, Host: hostport}, nil
}

func redactUserinfo(u *url.URL) string {
	v := *u
	v.User = url.User("REDACTED")
	return v.String()
}

func validHost(host string) bool {
	if net.ParseIP(host) != nil {
		return true
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

func parsePort(s string) (int, error) {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("not a number")
		}
		n = n*10 + int(r-'0')
		if n > 65535 {
			return 0, fmt.Errorf("out of range")
		}
	}
	return n, nil
}

func isOktaHost(host string) bool {
	for _, s := range []string{".okta.com", ".oktapreview.com", ".okta-emea.com", ".okta-gov.com", ".okta.mil"} {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

func defaultPort(scheme string) string {
	if scheme == "http" {
		return "80"
	}
	return "443"
}
