package airbyte

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/oktalake/oktalake/extract/okta"
)

// connectionSpecification is source-okta's configuration schema (its
// manifest's spec.connection_specification) without the OAuth 2.0
// refresh-token method, which needs an OAuth app flow oktalake does not
// run: api_token and oauth2.0_private_key configurations carry over as
// they are.
//
//go:embed spec.json
var connectionSpecification []byte

// Spec is ConnectorSpecification.
type Spec struct {
	DocumentationURL        string          `json:"documentationUrl,omitempty"`
	ConnectionSpecification json.RawMessage `json:"connectionSpecification"`
	SupportsIncremental     bool            `json:"supportsIncremental"`
	ProtocolVersion         string          `json:"protocol_version,omitempty"`
}

// ProtocolVersion is the Airbyte protocol version the messages follow
// (the version of the protocol schema they are tested against).
const ProtocolVersion = "0.3.2"

// ConnectorSpec is what `spec` emits.
func ConnectorSpec() Spec {
	return Spec{
		DocumentationURL:        "https://github.com/oktalake/oktalake#operating-oktalake",
		ConnectionSpecification: connectionSpecification,
		SupportsIncremental:     true,
		ProtocolVersion:         ProtocolVersion,
	}
}

// Auth types of source-okta's credentials.
const (
	AuthAPIToken   = "api_token"
	AuthPrivateKey = "oauth2.0_private_key"
	authRefresh    = "oauth2.0"
)

// Config is source-okta's configuration.
type Config struct {
	// Domain is the org's subdomain ("dev-123" for dev-123.okta.com), a
	// host name or a URL.
	Domain string `json:"domain"`
	// StartDate (YYYY-MM-DDTHH:MM:SSZ) is where incremental streams start
	// without a state.
	StartDate   string      `json:"start_date"`
	Credentials Credentials `json:"credentials"`
}

// Credentials is source-okta's credentials object.
type Credentials struct {
	AuthType   string `json:"auth_type"`
	APIToken   string `json:"api_token"`
	ClientID   string `json:"client_id"`
	KeyID      string `json:"key_id"`
	PrivateKey string `json:"private_key"`
	Scope      string `json:"scope"`
}

var startDatePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$`)

// ParseConfig decodes and validates a configuration. Errors name the field
// (config.credentials.api_token) and never repeat a secret.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("decoding config: %w", err)
	}
	return c, c.Validate()
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if strings.TrimSpace(c.Domain) == "" {
		return errors.New("config.domain: required")
	}
	if c.StartDate != "" {
		if !startDatePattern.MatchString(c.StartDate) {
			return fmt.Errorf("config.start_date: %q is not YYYY-MM-DDTHH:MM:SSZ", c.StartDate)
		}
		if _, err := time.Parse(time.RFC3339, c.StartDate); err != nil {
			return fmt.Errorf("config.start_date: %q: %w", c.StartDate, err)
		}
	}
	cr := c.Credentials
	switch cr.AuthType {
	case AuthAPIToken:
		if cr.APIToken == "" {
			return errors.New("config.credentials.api_token: required with auth_type api_token")
		}
	case AuthPrivateKey:
		for _, f := range []struct{ name, v string }{{"client_id", cr.ClientID}, {"key_id", cr.KeyID}, {"private_key", cr.PrivateKey}, {"scope", cr.Scope}} {
			if strings.TrimSpace(f.v) == "" {
				return fmt.Errorf("config.credentials.%s: required with auth_type oauth2.0_private_key", f.name)
			}
		}
	case authRefresh:
		return errors.New("config.credentials.auth_type: oauth2.0 (refresh token) is not supported; use oauth2.0_private_key (an API service app) or api_token")
	case "":
		return errors.New("config.credentials.auth_type: required (api_token or oauth2.0_private_key)")
	default:
		return fmt.Errorf("config.credentials.auth_type: %q is not api_token or oauth2.0_private_key", cr.AuthType)
	}
	return nil
}

// Start is the start date (zero when unset).
func (c Config) Start() time.Time {
	t, _ := time.Parse(time.RFC3339, c.StartDate)
	return t
}

// OktaConfig is the Okta client configuration: a bare subdomain is an
// okta.com org, as source-okta builds https://<domain>.okta.com.
func (c Config) OktaConfig() okta.Config {
	domain := strings.TrimSpace(c.Domain)
	if !strings.Contains(domain, ".") && !strings.Contains(domain, "://") && !strings.Contains(domain, ":") {
		domain += ".okta.com"
	}
	oc := okta.Config{Domain: domain}
	switch c.Credentials.AuthType {
	case AuthAPIToken:
		oc.APIToken = c.Credentials.APIToken
	case AuthPrivateKey:
		oc.ClientID, oc.KeyID, oc.PrivateKey = c.Credentials.ClientID, c.Credentials.KeyID, c.Credentials.PrivateKey
		oc.Scopes = strings.Fields(c.Credentials.Scope)
	}
	return oc
}
