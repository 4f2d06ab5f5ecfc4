package okta

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const testClientID = "0oaTestClient"

func newRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func rsaPEM(t *testing.T, k *rsa.PrivateKey, format string) []byte {
	t.Helper()
	if format == "pkcs1" {
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func ecPEM(t *testing.T, k *ecdsa.PrivateKey, format string) []byte {
	t.Helper()
	if format == "pkcs8" {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	if format == "sec1+params" {
		params := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}})
		out = append(params, out...)
	}
	return out
}

// tokenServer is an Okta org authorization server and a users endpoint that
// accepts only the access tokens it issued and has not revoked. It verifies
// every client assertion with the public key, as Okta does.
type tokenServer struct {
	t         *testing.T
	pub       crypto.PublicKey
	wantKid   string
	expiresIn int
	tokenURL  string

	mu        sync.Mutex
	fetches   int
	apiHits   int
	issued    map[string]bool
	jtis      map[string]bool
	failToken bool // answer the token request with invalid_client
	revokeAll bool // every access token is refused
	revokeOne bool // the next API request's token is revoked first
	problems  []string
}

func newTokenServer(t *testing.T, pub crypto.PublicKey, kid string) (*tokenServer, string) {
	ts := &tokenServer{t: t, pub: pub, wantKid: kid, expiresIn: 3600, issued: map[string]bool{}, jtis: map[string]bool{}}
	srv := newServer(t, ts)
	ts.tokenURL = srv.URL + "/oauth2/v1/token"
	return ts, srv.URL
}

func (ts *tokenServer) problem(format string, args ...any) {
	ts.problems = append(ts.problems, fmt.Sprintf(format, args...))
}

func (ts *tokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if r.URL.Path == "/oauth2/v1/token" {
		ts.fetches++
		if r.Method != http.MethodPost {
			ts.problem("token request method %s", r.Method)
		}
		if err := r.ParseForm(); err != nil {
			ts.problem("parsing form: %v", err)
		}
		for k, want := range map[string]string{
			"grant_type":            "client_credentials",
			"scope":                 "okta.users.read okta.groups.read",
			"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
		} {
			if got := r.PostForm.Get(k); got != want {
				ts.problem("form %s = %q, want %q", k, got, want)
			}
		}
		ts.verifyAssertion(r.PostForm.Get("client_assertion"))
		if ts.failToken {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"The client_assertion signature is invalid."}`))
			return
		}
		tok := fmt.Sprintf("eyAccessToken-%d-secret", ts.fetches)
		ts.issued[tok] = true
		writeJSON(w, map[string]any{"token_type": "Bearer", "expires_in": ts.expiresIn, "access_token": tok, "scope": r.PostForm.Get("scope")})
		return
	}
	ts.apiHits++
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ok && ts.revokeOne {
		ts.revokeOne = false
		delete(ts.issued, tok)
	}
	if !ok || !ts.issued[tok] || ts.revokeAll {
		writeOktaError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided", "oaeTok")
		return
	}
	writeJSON(w, []map[string]string{{"id": "00u1"}})
}

func (ts *tokenServer) verifyAssertion(jwt string) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		ts.problem("assertion has %d parts", len(parts))
		return
	}
	dec := func(s string) []byte {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			ts.problem("base64url: %v", err)
		}
		return b
	}
	var header struct{ Alg, Typ, Kid string }
	var claims struct {
		Iss, Sub, Aud, Jti string
		Iat, Exp           int64
	}
	if err := json.Unmarshal(dec(parts[0]), &header); err != nil {
		ts.problem("header: %v", err)
	}
	if err := json.Unmarshal(dec(parts[1]), &claims); err != nil {
		ts.problem("claims: %v", err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	sig := dec(parts[2])
	switch pub := ts.pub.(type) {
	case *rsa.PublicKey:
		if header.Alg != "RS256" {
			ts.problem("alg %q for an RSA key", header.Alg)
		}
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			ts.problem("RS256 signature: %v", err)
		}
	case *ecdsa.PublicKey:
		if header.Alg != "ES256" {
			ts.problem("alg %q for an EC key", header.Alg)
		}
		if len(sig) != 64 {
			ts.problem("ES256 signature of %d bytes, want 64 (raw r||s)", len(sig))
			return
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(pub, digest[:], r, s) {
			ts.problem("ES256 signature does not verify")
		}
	}
	if header.Typ != "JWT" || header.Kid != ts.wantKid {
		ts.problem("header typ=%q kid=%q, want JWT and %q", header.Typ, header.Kid, ts.wantKid)
	}
	if claims.Iss != testClientID || claims.Sub != testClientID || claims.Aud != ts.tokenURL {
		ts.problem("claims iss=%q sub=%q aud=%q", claims.Iss, claims.Sub, claims.Aud)
	}
	if claims.Exp-claims.Iat != 300 || claims.Iat == 0 {
		ts.problem("iat=%d exp=%d, want exp = iat + 300", claims.Iat, claims.Exp)
	}
	if claims.Jti == "" || ts.jtis[claims.Jti] {
		ts.problem("jti %q empty or reused", claims.Jti)
	}
	ts.jtis[claims.Jti] = true
}

func (ts *tokenServer) check(t *testing.T) (fetches, apiHits int) {
	t.Helper()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for _, p := range ts.problems {
		t.Error("token server: " + p)
	}
	return ts.fetches, ts.apiHits
}

func oauthClient(t *testing.T, srvURL, key, kid string, mods ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{Domain: srvURL, ClientID: testClientID, PrivateKey: key, KeyID: kid,
		Scopes: []string{"okta.users.read", "okta.groups.read"}, Clock: newManualClock()}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestOAuthAssertionVerifies(t *testing.T) {
	rsaKey := newRSAKey(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyFile, ecPEM(t, ecKey, "pkcs8"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pub  crypto.PublicKey
		key  string
		kid  string
	}{
		{"RSA PKCS#1", &rsaKey.PublicKey, string(rsaPEM(t, rsaKey, "pkcs1")), "kid-rsa"},
		{"RSA PKCS#8 without kid", &rsaKey.PublicKey, string(rsaPEM(t, rsaKey, "pkcs8")), ""},
		{"RSA PKCS#8 with literal \\n", &rsaKey.PublicKey, strings.ReplaceAll(string(rsaPEM(t, rsaKey, "pkcs8")), "\n", `\n`), "k"},
		{"EC SEC1", &ecKey.PublicKey, string(ecPEM(t, ecKey, "sec1")), "kid-ec"},
		{"EC SEC1 after EC PARAMETERS", &ecKey.PublicKey, string(ecPEM(t, ecKey, "sec1+params")), ""},
		{"EC PKCS#8 from a file", &ecKey.PublicKey, keyFile, "kid-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, url := newTokenServer(t, tt.pub, tt.kid)
			c := oauthClient(t, url, tt.key, tt.kid)
			// Several requests: the assertion is built, and verified, anew each time.
			for range 3 {
				if _, err := c.Get(context.Background(), "/api/v1/users"); err != nil {
					t.Fatalf("Get: %v", err)
				}
				c.tokens.Invalidate(c.tokens.Current()) // a new token, so a new assertion, each time
			}
			if fetches, hits := ts.check(t); fetches != 3 || hits != 3 {
				t.Fatalf("token fetches %d, API hits %d; want 3 and 3", fetches, hits)
			}
		})
	}
}

func TestOAuthTokenCachedAndRenewed(t *testing.T) {
	key := newRSAKey(t)
	ts, url := newTokenServer(t, &key.PublicKey, "")
	clk := newManualClock()
	c := oauthClient(t, url, string(rsaPEM(t, key, "pkcs8")), "", func(c *Config) { c.Clock = clk })
	ctx := context.Background()
	get := func() {
		t.Helper()
		if _, err := c.Get(ctx, "/api/v1/users"); err != nil {
			t.Fatalf("Get: %v", err)
		}
	}
	for range 5 {
		get()
	}
	if fetches, _ := ts.check(t); fetches != 1 {
		t.Fatalf("5 requests fetched %d tokens, want 1 (cached)", fetches)
	}
	clk.Advance(3600*time.Second - 61*time.Second)
	get()
	if fetches, _ := ts.check(t); fetches != 1 {
		t.Fatalf("61 s before expiry: %d token fetches, want 1", fetches)
	}
	clk.Advance(2 * time.Second) // now 59 s before expiry: renew
	get()
	if fetches, hits := ts.check(t); fetches != 2 || hits != 7 {
		t.Fatalf("59 s before expiry: %d token fetches and %d hits, want 2 and 7", fetches, hits)
	}
}

func TestOAuth401RenewsOnce(t *testing.T) {
	key := newRSAKey(t)
	ts, url := newTokenServer(t, &key.PublicKey, "")
	c := oauthClient(t, url, string(rsaPEM(t, key, "pkcs1")), "")
	ctx := context.Background()
	if _, err := c.Get(ctx, "/api/v1/users"); err != nil {
		t.Fatal(err)
	}
	ts.mu.Lock()
	ts.revokeOne = true
	ts.mu.Unlock()
	if _, err := c.Get(ctx, "/api/v1/users"); err != nil {
		t.Fatalf("Get after a revoked token: %v", err)
	}
	if fetches, hits := ts.check(t); fetches != 2 || hits != 3 {
		t.Fatalf("revoked token: %d fetches, %d hits; want 2 and 3", fetches, hits)
	}

	ts.mu.Lock()
	ts.revokeAll = true
	ts.mu.Unlock()
	_, err := c.Get(ctx, "/api/v1/users")
	var oe *Error
	if !errors.As(err, &oe) || oe.Status != 401 || !strings.Contains(err.Error(), "E0000011 Invalid token provided") {
		t.Fatalf("Get with every token refused = %v, want a 401 E0000011", err)
	}
	if fetches, hits := ts.check(t); fetches != 3 || hits != 5 {
		t.Fatalf("refused tokens: %d fetches, %d hits; want one renewal (3) and one retry (5)", fetches, hits)
	}
}

func TestOAuthTokenError(t *testing.T) {
	key := newRSAKey(t)
	ts, url := newTokenServer(t, &key.PublicKey, "")
	ts.failToken = true
	c := oauthClient(t, url, string(rsaPEM(t, key, "pkcs1")), "")
	_, err := c.Get(context.Background(), "/api/v1/users")
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != "invalid_client" {
		t.Fatalf("Get = %v, want an OAuthError invalid_client", err)
	}
	if want := "invalid_client: The client_assertion signature is invalid."; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
	if fetches, hits := ts.check(t); fetches != 1 || hits != 0 {
		t.Fatalf("%d token fetches, %d API hits; want 1 and 0 (not retried)", fetches, hits)
	}
}

func TestInvalidPrivateKey(t *testing.T) {
	rsaKey := newRSAKey(t)
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der := x509.MarshalPKCS1PrivateKey(rsaKey)
	bare := base64.StdEncoding.EncodeToString(der) // the key body without its PEM armour
	tests := []struct {
		name, key, want string
	}{
		{"garbage PEM", "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ib2R5\n-----END PRIVATE KEY-----\n", "parsing PRIVATE KEY"},
		{"public key", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})), `"PUBLIC KEY" is not a private key`},
		{"encrypted", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nc2VjcmV0LWtleS1ib2R5\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted"},
		{"RSA 1024", string(rsaPEM(t, small, "pkcs1")), "at least 2048"},
		{"EC P-384", string(ecPEM(t, p384, "sec1")), "only P-256"},
		{"missing file", filepath.Join(t.TempDir(), "nope.pem"), "no such file"},
		{"bare base64 body", bare, "neither PEM text nor a readable PEM file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Config{Domain: "dev-1.okta.com", ClientID: testClientID, PrivateKey: tt.key, Scopes: []string{"okta.users.read"}})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "okta.Config.PrivateKey: ") {
				t.Fatalf("New error = %v, want okta.Config.PrivateKey: ... %q", err, tt.want)
			}
			for _, secret := range []string{"c2VjcmV0LWtleS1ib2R5", bare[:40], bare[len(bare)-40:]} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error echoes key material: %v", err)
				}
			}
		})
	}
}

// TestSecretsStayOut runs OAuth and SSWS clients through renewals, retries and
// failures with debug logging, and checks that no token, access token or key
// material reaches an error or a log line, even when a server echoes them.
func TestSecretsStayOut(t *testing.T) {
	key := newRSAKey(t)
	keyPEM := string(rsaPEM(t, key, "pkcs8"))
	var logs logBuffer
	ts, url := newTokenServer(t, &key.PublicKey, "kid1")
	c := oauthClient(t, url, keyPEM, "kid1", func(c *Config) { c.Logger = logs.logger() })
	ctx := context.Background()
	var errs []string
	if _, err := c.Get(ctx, "/api/v1/users"); err != nil {
		t.Fatal(err)
	}
	ts.mu.Lock()
	ts.revokeAll = true
	ts.mu.Unlock()
	if _, err := c.Get(ctx, "/api/v1/users"); err != nil {
		errs = append(errs, err.Error())
	}
	ts.mu.Lock()
	ts.failToken = true
	ts.mu.Unlock()
	c.tokens.Invalidate(c.tokens.Current())
	if _, err := c.Get(ctx, "/api/v1/users"); err != nil {
		errs = append(errs, err.Error())
	}

	// A server that echoes the Authorization header in its error bodies.
	echo := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "upstream failed for %s", r.Header.Get("Authorization"))
	}))
	sc := newTestClient(t, echo.URL, func(c *Config) { c.Logger = logs.logger(); c.MaxRetries = 2 })
	if _, err := sc.Get(ctx, "/api/v1/groups"); err != nil {
		errs = append(errs, err.Error())
	} else {
		t.Fatal("Get on a failing server succeeded")
	}
	if !strings.Contains(errs[len(errs)-1], "REDACTED") {
		t.Errorf("echoed token not redacted: %s", errs[len(errs)-1])
	}
	ts.check(t)

	everything := logs.String() + strings.Join(errs, "\n")
	if !strings.Contains(logs.String(), "okta retry") {
		t.Fatalf("no retry was logged; the test checks nothing:\n%s", logs.String())
	}
	keyBody := strings.Split(keyPEM, "\n")[3]
	for _, secret := range []string{testToken, "eyAccessToken-1-secret", "eyAccessToken-2-secret", keyBody} {
		if strings.Contains(everything, secret) {
			t.Errorf("secret %q leaked into logs or errors:\n%s", secret, everything)
		}
	}
}
