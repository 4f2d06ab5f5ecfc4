package okta

import (
	"strings"
	"testing"
)

func TestParseDomain(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "dev-123.okta.com", want: "https://dev-123.okta.com"},
		{in: "acme.oktapreview.com", want: "https://acme.oktapreview.com"},
		{in: "  Dev-123.OKTA.com/ ", want: "https://dev-123.okta.com"},
		{in: "login.example.com", want: "https://login.example.com"},
		{in: "https://login.example.com/", want: "https://login.example.com"},
		{in: "https://login.example.com:443", want: "https://login.example.com"},
		{in: "https://login.example.com:8443//", want: "https://login.example.com:8443"},
		{in: "HTTP://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{in: "http://localhost:80", want: "http://localhost"},
		{in: "http://[::1]:9000", want: "http://[::1]:9000"},
		{in: "http://oktatest:8080", want: "http://oktatest:8080"},
		{in: "", wantErr: "missing"},
		{in: "ftp://dev-123.okta.com", wantErr: "scheme must be https or http"},
		{in: "https://", wantErr: "missing host"},
		{in: "dev 123.okta.com", wantErr: "invalid"},
		{in: "https://dev-123.okta.com/api/v1", wantErr: "must not have a path"},
		{in: "dev-123.okta.com?x=1", wantErr: "query"},
		{in: "https://user:secretpw@dev-123.okta.com", wantErr: "credentials"},
		{in: "http://dev-123.okta.com", wantErr: "https"},
		{in: "dev-123-admin.okta.com", wantErr: "use the org domain dev-123.okta.com"},
		{in: "https://dev-123.okta.com:99999", wantErr: "invalid port"},
		{in: "https://a..b.com", wantErr: "invalid host"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := ParseDomain(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseDomain(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secretpw") {
					t.Fatalf("error echoes the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDomain(%q): %v", tt.in, err)
			}
			if u.String() != tt.want {
				t.Fatalf("ParseDomain(%q) = %q, want %q", tt.in, u, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	key := string(rsaPEM(t, newRSAKey(t), "pkcs1"))
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "token", cfg: Config{Domain: "dev-1.okta.com", APIToken: "tok"}},
		{name: "oauth", cfg: Config{Domain: "dev-1.okta.com", ClientID: "0oa1", PrivateKey: key, Scopes: []string{"okta.users.read"}}},
		{name: "no domain", cfg: Config{APIToken: "tok"}, wantErr: "okta.Config.Domain: missing"},
		{name: "both", cfg: Config{Domain: "dev-1.okta.com", APIToken: "tok", ClientID: "0oa1", PrivateKey: key}, wantErr: "not both"},
		{name: "neither", cfg: Config{Domain: "dev-1.okta.com"}, wantErr: "give an API token or OAuth client credentials"},
		{name: "key without client", cfg: Config{Domain: "dev-1.okta.com", PrivateKey: key}, wantErr: "okta.Config.ClientID: required"},
		{name: "client without key", cfg: Config{Domain: "dev-1.okta.com", ClientID: "0oa1"}, wantErr: "okta.Config.PrivateKey: required"},
		{name: "bad key", cfg: Config{Domain: "dev-1.okta.com", ClientID: "0oa1", PrivateKey: "-----BEGIN PRIVATE KEY-----\nnotakey\n-----END PRIVATE KEY-----\n", Scopes: []string{"s"}}, wantErr: "okta.Config.PrivateKey"},
		{name: "no scopes", cfg: Config{Domain: "dev-1.okta.com", ClientID: "0oa1", PrivateKey: key}, wantErr: "scope"},
		{name: "share too big", cfg: Config{Domain: "dev-1.okta.com", APIToken: "tok", RateLimitShare: 1.5}, wantErr: "okta.Config.RateLimitShare"},
		{name: "negative share", cfg: Config{Domain: "dev-1.okta.com", APIToken: "tok", RateLimitShare: -0.1}, wantErr: "okta.Config.RateLimitShare"},
		{name: "negative concurrency", cfg: Config{Domain: "dev-1.okta.com", APIToken: "tok", MaxConcurrency: -1}, wantErr: "okta.Config.MaxConcurrency"},
		{name: "token with a space", cfg: Config{Domain: "dev-1.okta.com", APIToken: "SSWS tok"}, wantErr: "okta.Config.APIToken: contains white space"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate error = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "notakey") || strings.Contains(err.Error(), "tok\"") {
				t.Fatalf("error echoes a secret: %v", err)
			}
		})
	}
}

func TestSetDefaults(t *testing.T) {
	var c Config
	c.SetDefaults()
	if c.RateLimitShare != 0.5 || c.MaxConcurrency != 10 || c.MaxRetries != 6 || c.Clock == nil || c.Logger == nil || c.UserAgent == "" {
		t.Fatalf("SetDefaults left %+v", c)
	}
	c = Config{RateLimitShare: 1, MaxConcurrency: 3, MaxRetries: -1}
	c.SetDefaults()
	if c.RateLimitShare != 1 || c.MaxConcurrency != 3 || c.MaxRetries != -1 {
		t.Fatalf("SetDefaults overrode set fields: %+v", c)
	}
}
