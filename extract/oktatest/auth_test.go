package oktatest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const testClientID = "0oatestclient0000000"

// signJWT builds a client assertion the way an Okta client library does.
func signJWT(t *testing.T, key crypto.Signer, alg string, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(map[string]string{"alg": alg, "typ": "JWT"}) + "." + enc(claims)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		s, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = s
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

type tokenReply struct {
	status      int
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func requestToken(t *testing.T, s *Server, form url.Values) tokenReply {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.URL+"/oauth2/v1/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out tokenReply
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("token endpoint body is not JSON: %v", err)
	}
	out.status = res.StatusCode
	return out
}

func assertionForm(assertion, scope string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {scope},
		"client_assertion_type": {clientAssertionType},
		"client_assertion":      {assertion},
	}
}

func TestSSWS(t *testing.T) {
	s, _ := startServer(t, testOrgConfig(), Options{})
	tests := []struct {
		auth string
		want int
	}{
		{"SSWS " + testToken, http.StatusOK},
		{"ssws " + testToken, http.StatusOK},
		{"SSWS wrong-token", http.StatusUnauthorized},
		{"", http.StatusUnauthorized},
		{"Bearer not-issued", http.StatusUnauthorized},
		{"Basic dXNlcjpwYXNz", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(strings.Fields(tc.auth + " none")[0], func(t *testing.T) {
			r := getAuth(t, s, "/api/v1/users?limit=1", tc.auth)
			if r.status != tc.want {
				t.Fatalf("status %d, want %d", r.status, tc.want)
			}
			if tc.want != http.StatusUnauthorized {
				return
			}
			var e map[string]any
			if err := json.Unmarshal(r.body, &e); err != nil {
				t.Fatal(err)
			}
			if e["errorCode"] != "E0000011" || e["errorSummary"] != "Invalid token provided" || e["errorLink"] != "E0000011" ||
				!strings.HasPrefix(fmt.Sprint(e["errorId"]), "oae") || fmt.Sprint(e["errorCauses"]) != "[]" {
				t.Fatalf("401 body %s", r.body)
			}
			if strings.Contains(string(r.body), testToken) {
				t.Fatal("401 body echoes the token")
			}
		})
	}
}

func TestOAuth(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	type keyCase struct {
		name    string
		public  crypto.PublicKey
		private crypto.Signer
		alg     string
	}
	for _, kc := range []keyCase{
		{"RSA", &rsaKey.PublicKey, rsaKey, "RS256"},
		{"EC", &ecKey.PublicKey, ecKey, "ES256"},
	} {
		t.Run(kc.name, func(t *testing.T) {
			s, clk := startServer(t, testOrgConfig(), Options{ClientID: testClientID, PublicKey: kc.public})
			aud := s.URL + "/oauth2/v1/token"
			jti := 0
			claims := func(edit func(map[string]any)) map[string]any {
				jti++
				c := map[string]any{"iss": testClientID, "sub": testClientID, "aud": aud,
					"iat": clk.Now().Unix(), "exp": clk.Now().Add(5 * time.Minute).Unix(), "jti": fmt.Sprintf("jti-%d", jti)}
				if edit != nil {
					edit(c)
				}
				return c
			}
			good := signJWT(t, kc.private, kc.alg, claims(nil))
			tok := requestToken(t, s, assertionForm(good, "okta.users.read okta.logs.read"))
			if tok.status != http.StatusOK || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 ||
				tok.Scope != "okta.users.read okta.logs.read" || tok.AccessToken == "" {
				t.Fatalf("token reply %d %+v", tok.status, tok.Error)
			}
			bearer := "Bearer " + tok.AccessToken
			if r := getAuth(t, s, "/api/v1/users?limit=1", bearer); r.status != http.StatusOK {
				t.Fatalf("bearer request: %d", r.status)
			}
			r := getAuth(t, s, "/api/v1/groups", bearer)
			var e oktaError
			_ = json.Unmarshal(r.body, &e)
			if r.status != http.StatusForbidden || e.ErrorCode != "E0000006" || !strings.Contains(r.header.Get("WWW-Authenticate"), "insufficient_scope") {
				t.Fatalf("request outside the token's scopes: %d %s", r.status, r.body)
			}
			if re := requestToken(t, s, assertionForm(good, "okta.users.read")); re.status != http.StatusUnauthorized || re.Error != "invalid_client" {
				t.Fatalf("replayed jti: %d %s", re.status, re.Error)
			}

			rejects := []struct {
				name      string
				assertion string
				scope     string
				status    int
				errCode   string
			}{
				{"wrong key", signJWT(t, otherRSA, "RS256", claims(nil)), "okta.users.read", 401, "invalid_client"},
				{"wrong audience", signJWT(t, kc.private, kc.alg, claims(func(c map[string]any) { c["aud"] = "https://elsewhere.okta.com/oauth2/v1/token" })), "okta.users.read", 401, "invalid_client"},
				{"wrong issuer", signJWT(t, kc.private, kc.alg, claims(func(c map[string]any) { c["iss"] = "someone" })), "okta.users.read", 401, "invalid_client"},
				{"expired", signJWT(t, kc.private, kc.alg, claims(func(c map[string]any) { c["exp"] = clk.Now().Add(-time.Second).Unix() })), "okta.users.read", 401, "invalid_client"},
				{"exp too far", signJWT(t, kc.private, kc.alg, claims(func(c map[string]any) { c["exp"] = clk.Now().Add(3 * time.Hour).Unix() })), "okta.users.read", 401, "invalid_client"},
				{"no jti", signJWT(t, kc.private, kc.alg, claims(func(c map[string]any) { delete(c, "jti") })), "okta.users.read", 401, "invalid_client"},
				{"tampered", strings.Replace(signJWT(t, kc.private, kc.alg, claims(nil)), ".", ".e30", 1)[:40] + "x.y", "okta.users.read", 401, "invalid_client"},
				{"scope not granted", signJWT(t, kc.private, kc.alg, claims(nil)), "okta.users.manage", 400, "invalid_scope"},
				{"no scope", signJWT(t, kc.private, kc.alg, claims(nil)), "", 400, "invalid_scope"},
			}
			for _, rc := range rejects {
				got := requestToken(t, s, assertionForm(rc.assertion, rc.scope))
				if got.status != rc.status || got.Error != rc.errCode || got.Description == "" || got.AccessToken != "" {
					t.Errorf("%s: %d %q (%s), want %d %q", rc.name, got.status, got.Error, got.Description, rc.status, rc.errCode)
				}
			}
			form := assertionForm(signJWT(t, kc.private, kc.alg, claims(nil)), "okta.users.read")
			form.Set("grant_type", "password")
			if got := requestToken(t, s, form); got.status != 400 || got.Error != "unsupported_grant_type" {
				t.Errorf("password grant: %d %s", got.status, got.Error)
			}

			clk.Advance(61 * time.Minute)
			if r := getAuth(t, s, "/api/v1/users?limit=1", bearer); r.status != http.StatusUnauthorized {
				t.Fatalf("expired access token: %d", r.status)
			}
		})
	}
}
