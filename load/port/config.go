package port

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
)

// DefaultBaseURL is Port's API (EU region; the US region is https://api.us.port.io).
const DefaultBaseURL = "https://api.port.io"

// Config configures a Client. Call SetDefaults, or let New do it.
type Config struct {
	// BaseURL is Port's API root; default DefaultBaseURL.
	BaseURL string
	// ClientID and ClientSecret are the Port credentials exchanged for an
	// access token. The secret is never logged nor put in errors.
	ClientID, ClientSecret string
	// HTTPClient sends requests; default a client whose transport keeps
	// Concurrency idle connections to Port. The client uses a copy that
	// refuses redirects away from BaseURL's scheme, host and port.
	HTTPClient *http.Client
	// Concurrency is the most requests in flight at once (--port-concurrency); default 8.
	Concurrency int
	// Merge merges upserted properties into existing entities instead of
	// replacing them (--merge); nil means true.
	Merge *bool
	// CreateMissingRelated makes Port create stub entities for relation
	// targets that do not exist yet; nil means true.
	CreateMissingRelated *bool
	// MaxRetries bounds resends of one request after 5xx answers or
	// network errors; default 6, negative means none. Waits for a 429's
	// reset are not retries.
	MaxRetries int
	// Logger receives request logs; default discards them.
	Logger *slog.Logger
	// Clock times token renewal and waits; default the wall clock.
	Clock clock.Clock
}

const (
	defaultConcurrency = 8
	defaultMaxRetries  = 6
)

// SetDefaults fills unset fields.
func (c *Config) SetDefaults() {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.Concurrency <= 0 {
		c.Concurrency = defaultConcurrency
	}
	if c.Merge == nil {
		t := true
		c.Merge = &t
	}
	if c.CreateMissingRelated == nil {
		t := true
		c.CreateMissingRelated = &t
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = defaultMaxRetries
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	if c.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = c.Concurrency
		c.HTTPClient = &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	}
}

// Validate reports the first invalid field, naming it ("port.Config.ClientID: ...").
func (c *Config) Validate() error {
	if c.ClientID == "" {
		return errors.New("port.Config.ClientID: required to talk to Port")
	}
	if c.ClientSecret == "" {
		return errors.New("port.Config.ClientSecret: required to talk to Port")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("port.Config.BaseURL: %q: want an http(s) URL", c.BaseURL)
	}
	if c.Concurrency < 1 {
		return fmt.Errorf("port.Config.Concurrency: %d: want at least 1", c.Concurrency)
	}
	return nil
}
