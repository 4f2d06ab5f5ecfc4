package okta

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/oktalake/oktalake/extract/oktatest"
)

// TestDPoPAgainstTheSimulator runs the client against a simulated service
// app that requires DPoP, with nonces on the token endpoint and on the API:
// with DPoP turned on (an ephemeral key, or an RSA or EC key given), and
// with it off, where Okta's "DPoP proof JWT header is missing" turns it on.
// Every page arrives, each nonce challenge costs one retry, a rotated nonce
// is taken up again, and no key or token reaches the logs.
func TestDPoPAgainstTheSimulator(t *testing.T) {
	clientKey := newRSAKey(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaDPoP := string(rsaPEM(t, newRSAKey(t), "pkcs1"))
	tests := []struct {
		name     string
		dpop     bool
		key      string
		rejected int // proofs the server refused: the proof-less first try in auto mode
	}{
		{"ephemeral key", true, "", 0},
		{"RSA key", true, rsaDPoP, 0},
		{"EC key", true, string(ecPEM(t, ecKey, "pkcs8")), 0},
		{"auto", false, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := oktatest.DefaultOrgConfig()
			cfg.Now = testStart
			clk := newManualClock()
			srv := oktatest.NewServer(oktatest.NewOrg(cfg), oktatest.Options{ClientID: testClientID, PublicKey: &clientKey.PublicKey,
				Clock: clk, DPoP: true, DPoPResourceNonce: true})
			t.Cleanup(srv.Close)
			var logs logBuffer
			c := oauthClient(t, srv.URL, string(rsaPEM(t, clientKey, "pkcs8")), "", func(c *Config) {
				c.Clock, c.Logger, c.DPoP, c.DPoPKey = clk, logs.logger(), tt.dpop, tt.key
				c.Scopes = []string{"okta.users.read"}
			})
			ctx := context.Background()
			count := func() int {
				n := 0
				if err := c.List(ctx, "/api/v1/users?limit=50", ListOptions{}, func(p *Page) error { n += len(p.Records); return nil }); err != nil {
					t.Fatalf("listing users: %v", err)
				}
				return n
			}
			if n := count(); n == 0 {
				t.Fatal("no users listed")
			}
			srv.RotateDPoPNonces()
			count()
			st := srv.DPoPStats()
			// 1 token request + 3 pages per listing (120 users, 50 a page).
			if st.Proofs != 1+3+3 || st.TokenChallenges != 1 || st.ResourceChallenges != 2 || st.Rejected != tt.rejected {
				t.Errorf("server saw %+v; want 7 proofs, 1 token and 2 API challenges, %d rejected", st, tt.rejected)
			}
			if tt.dpop == false && !strings.Contains(logs.String(), "DPoP") {
				t.Errorf("switching to DPoP was not logged:\n%s", logs.String())
			}
			tok := c.tokens.Current()
			for _, secret := range []string{tok, "PRIVATE KEY", strings.Split(rsaDPoP, "\n")[2]} {
				if secret != "" && strings.Contains(logs.String(), secret) {
					t.Errorf("secret %.12q… in the logs", secret)
				}
			}
		})
	}
}

// A DPoP proof carries the public key only, htu without the query, and the
// token's hash; two proofs never share a jti.
func TestDPoPProofShape(t *testing.T) {
	p, err := newDPoP("")
	if err != nil {
		t.Fatal(err)
	}
	decode := func(seg string, v any) {
		t.Helper()
		b, err := base64.RawURLEncoding.DecodeString(seg)
		if err != nil || json.Unmarshal(b, v) != nil {
			t.Fatalf("segment %q: %v", seg, err)
		}
	}
	one, err := p.proof("GET", "https://acme.okta.com/api/v1/users?limit=200&after=x#frag", "tok", "n1", testStart)
	if err != nil {
		t.Fatal(err)
	}
	two, _ := p.proof("GET", "https://acme.okta.com/api/v1/users", "tok", "", testStart)
	var h struct {
		Typ, Alg string
		JWK      map[string]any
	}
	var c1, c2 map[string]any
	parts := strings.Split(one, ".")
	decode(parts[0], &h)
	decode(parts[1], &c1)
	decode(strings.Split(two, ".")[1], &c2)
	if h.Typ != "dpop+jwt" || h.Alg != "ES256" || h.JWK["kty"] != "EC" || h.JWK["d"] != nil {
		t.Errorf("header %+v", h)
	}
	if c1["htu"] != "https://acme.okta.com/api/v1/users" || c1["htm"] != "GET" || c1["nonce"] != "n1" || c1["iat"] != float64(testStart.Unix()) {
		t.Errorf("claims %v", c1)
	}
	// base64url(SHA-256("tok")), RFC 9449 section 4.2.
	if c1["ath"] != "GnZ0607njffhrEOak8P6jjyUV4TU3sn9jjARc4svHWI" {
		t.Errorf("ath %v", c1["ath"])
	}
	if c1["jti"] == c2["jti"] || c2["nonce"] != nil {
		t.Errorf("jti repeated or empty nonce sent: %v %v", c1, c2)
	}
}

// DPoP settings are checked up front, with errors naming the field and
// never quoting a key.
func TestDPoPConfig(t *testing.T) {
	key := string(rsaPEM(t, newRSAKey(t), "pkcs8"))
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"with an API token", Config{Domain: "acme.okta.com", APIToken: testToken, DPoP: true}, "okta.Config.DPoP"},
		{"key with an API token", Config{Domain: "acme.okta.com", APIToken: testToken, DPoPKey: key}, "okta.Config.DPoP"},
		{"the client key", Config{Domain: "acme.okta.com", ClientID: testClientID, PrivateKey: key, Scopes: []string{"okta.users.read"}, DPoP: true, DPoPKey: key}, "okta.Config.DPoPKey: must differ"},
		{"not a key", Config{Domain: "acme.okta.com", ClientID: testClientID, PrivateKey: key, Scopes: []string{"okta.users.read"}, DPoPKey: "-----BEGIN PRIVATE KEY-----\nnotbase64\n-----END PRIVATE KEY-----"}, "okta.Config.DPoPKey"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "BEGIN") {
			t.Errorf("%s: %v, want an error with %q and no key", tt.name, err, tt.want)
		}
	}
	ok := Config{Domain: "acme.okta.com", ClientID: testClientID, PrivateKey: key, Scopes: []string{"okta.users.read"}, DPoP: true}
	if err := ok.Validate(); err != nil {
		t.Errorf("DPoP with OAuth: %v", err)
	}
}
