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
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// testProof builds DPoP proofs for the simulator's tests, with its own
// signing (as a client would) and hooks to break any part of them.
type testProof struct {
	key crypto.Signer
	alg string
	jwk map[string]any
	n   int
}

func newTestProof(t *testing.T, key crypto.Signer) *testProof {
	t.Helper()
	p := &testProof{key: key}
	b64 := base64.RawURLEncoding
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		p.alg = "ES256"
		x, y := make([]byte, 32), make([]byte, 32)
		k.X.FillBytes(x)
		k.Y.FillBytes(y)
		p.jwk = map[string]any{"kty": "EC", "crv": "P-256", "x": b64.EncodeToString(x), "y": b64.EncodeToString(y)}
	case *rsa.PrivateKey:
		p.alg = "RS256"
		p.jwk = map[string]any{"kty": "RSA", "n": b64.EncodeToString(k.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())}
	}
	return p
}

// sign returns a proof for htm/htu at iat, bound to token when non-empty;
// edit may change the header and claims before signing.
func (p *testProof) sign(t *testing.T, htm, htu, token, nonce string, iat time.Time, edit func(h, c map[string]any)) string {
	t.Helper()
	p.n++
	h := map[string]any{"typ": "dpop+jwt", "alg": p.alg, "jwk": p.jwk}
	c := map[string]any{"htm": htm, "htu": htu, "iat": iat.Unix(), "jti": fmt.Sprintf("proof-%d-%d", p.n, iat.UnixNano())}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		c["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	if edit != nil {
		edit(h, c)
	}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(h) + "." + enc(c)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	switch k := p.key.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	case *rsa.PrivateKey:
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:]); err != nil {
			t.Fatal(err)
		}
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// do sends a request with the given headers and returns the response.
func do(t *testing.T, s *Server, method, u string, form url.Values, headers map[string]string) (int, http.Header, []byte) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// TestDPoP walks a service app that requires DPoP through Okta's flow and
// checks that each broken proof is refused: the token request's nonce
// challenge (400 use_dpop_nonce with DPoP-Nonce), a DPoP-bound token,
// API calls with a proof of their own (and the API's nonce challenge),
// and the rejection of a wrong htm, htu, iat, ath, key, replayed jti,
// private jwk, the client-authentication key, and the Bearer scheme.
func TestDPoP(t *testing.T) {
	clientKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, kc := range []struct {
		name string
		gen  func() (crypto.Signer, error)
	}{
		{"ES256", func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }},
		{"RS256", func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }},
	} {
		t.Run(kc.name, func(t *testing.T) {
			dk, err := kc.gen()
			if err != nil {
				t.Fatal(err)
			}
			s, clk := startServer(t, testOrgConfig(), Options{ClientID: testClientID, PublicKey: &clientKey.PublicKey, DPoP: true, DPoPResourceNonce: true})
			p := newTestProof(t, dk)
			tokenURL := s.URL + "/oauth2/v1/token"
			jti := 0
			form := func() url.Values {
				jti++
				return assertionForm(signJWT(t, clientKey, "RS256", map[string]any{"iss": testClientID, "sub": testClientID, "aud": tokenURL,
					"exp": clk.Now().Add(5 * time.Minute).Unix(), "jti": fmt.Sprintf("a-%d", jti)}), "okta.users.read")
			}
			token := func(proof string) (int, http.Header, tokenReply) {
				h := map[string]string{}
				if proof != "" {
					h["DPoP"] = proof
				}
				st, hdr, b := do(t, s, http.MethodPost, tokenURL, form(), h)
				var tr tokenReply
				_ = json.Unmarshal(b, &tr)
				return st, hdr, tr
			}
			if st, _, tr := token(""); st != 400 || tr.Error != "invalid_dpop_proof" || tr.Description != "The DPoP proof JWT header is missing." {
				t.Fatalf("token request without a proof: %d %+v", st, tr)
			}
			st, hdr, tr := token(p.sign(t, "POST", tokenURL, "", "", clk.Now(), nil))
			nonce := hdr.Get("DPoP-Nonce")
			if st != 400 || tr.Error != "use_dpop_nonce" || nonce == "" {
				t.Fatalf("proof without a nonce: %d %+v nonce %q", st, tr, nonce)
			}
			st, _, tr = token(p.sign(t, "POST", tokenURL, "", nonce, clk.Now(), nil))
			if st != 200 || tr.TokenType != "DPoP" || tr.AccessToken == "" {
				t.Fatalf("proof with the nonce: %d %+v", st, tr)
			}
			at := tr.AccessToken
			users := s.URL + "/api/v1/users"
			api := func(scheme, proof string) (int, http.Header) {
				h := map[string]string{"Authorization": scheme + " " + at}
				if proof != "" {
					h["DPoP"] = proof
				}
				st, hdr, _ := do(t, s, http.MethodGet, users+"?limit=1", nil, h)
				return st, hdr
			}
			st, hdr = api("DPoP", p.sign(t, "GET", users, at, "", clk.Now(), nil))
			rnonce := hdr.Get("DPoP-Nonce")
			if st != 401 || !strings.Contains(hdr.Get("WWW-Authenticate"), `error="use_dpop_nonce"`) || rnonce == "" || rnonce == nonce {
				t.Fatalf("API proof without a nonce: %d %q nonce %q", st, hdr.Get("WWW-Authenticate"), rnonce)
			}
			if st, hdr = api("DPoP", p.sign(t, "GET", users, at, rnonce, clk.Now(), nil)); st != 200 {
				t.Fatalf("API proof with the nonce: %d %q", st, hdr.Get("WWW-Authenticate"))
			}
			other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			rejects := []struct {
				name, scheme, proof string
			}{
				{"no proof", "DPoP", ""},
				{"Bearer scheme", "Bearer", p.sign(t, "GET", users, at, rnonce, clk.Now(), nil)},
				{"wrong htm", "DPoP", p.sign(t, "POST", users, at, rnonce, clk.Now(), nil)},
				{"wrong htu", "DPoP", p.sign(t, "GET", s.URL+"/api/v1/groups", at, rnonce, clk.Now(), nil)},
				{"htu with the query", "DPoP", p.sign(t, "GET", users+"?limit=1", at, rnonce, clk.Now(), nil)},
				{"old iat", "DPoP", p.sign(t, "GET", users, at, rnonce, clk.Now().Add(-6*time.Minute), nil)},
				{"future iat", "DPoP", p.sign(t, "GET", users, at, rnonce, clk.Now().Add(2*time.Minute), nil)},
				{"no jti", "DPoP", p.sign(t, "GET", users, at, rnonce, clk.Now(), func(_, c map[string]any) { delete(c, "jti") })},
				{"wrong ath", "DPoP", p.sign(t, "GET", users, "another-token", rnonce, clk.Now(), nil)},
				{"no ath", "DPoP", p.sign(t, "GET", users, "", rnonce, clk.Now(), nil)},
				{"wrong typ", "DPoP", p.sign(t, "GET", users, at, rnonce, clk.Now(), func(h, _ map[string]any) { h["typ"] = "JWT" })},
				{"another key", "DPoP", newTestProof(t, other).sign(t, "GET", users, at, rnonce, clk.Now(), nil)},
				{"private jwk", "DPoP", p.sign(t, "GET", users, at, rnonce, clk.Now(), func(h, _ map[string]any) {
					h["jwk"] = map[string]any{"kty": "EC", "crv": "P-256", "x": p.jwk["x"], "y": p.jwk["y"], "d": "AAAA"}
				})},
				{"forged signature", "DPoP", p.sign(t, "GET", users, at, rnonce, clk.Now(), nil)[:60] + "x"},
			}
			for _, rc := range rejects {
				if st, hdr := api(rc.scheme, rc.proof); st != 401 || hdr.Get("WWW-Authenticate") == "" {
					t.Errorf("%s: %d %q, want a 401 challenge", rc.name, st, hdr.Get("WWW-Authenticate"))
				}
			}
			replayed := p.sign(t, "GET", users, at, rnonce, clk.Now(), nil)
			if st, _ := api("DPoP", replayed); st != 200 {
				t.Fatalf("fresh proof: %d", st)
			}
			if st, _ := api("DPoP", replayed); st != 401 {
				t.Errorf("replayed proof: %d, want 401", st)
			}
			if st, _, tr := token(newTestProof(t, clientKey).sign(t, "POST", tokenURL, "", nonce, clk.Now(), nil)); st != 400 || tr.Error != "invalid_dpop_proof" {
				t.Errorf("proof signed with the client-authentication key: %d %+v", st, tr)
			}
			s.RotateDPoPNonces()
			if st, hdr = api("DPoP", p.sign(t, "GET", users, at, rnonce, clk.Now(), nil)); st != 401 || hdr.Get("DPoP-Nonce") == rnonce {
				t.Errorf("old API nonce after rotation: %d, nonce %q", st, hdr.Get("DPoP-Nonce"))
			}
			if got := s.DPoPStats(); got.Proofs != 3 || got.TokenChallenges != 1 || got.ResourceChallenges != 2 || got.Rejected < len(rejects) {
				t.Errorf("stats %+v", got)
			}
		})
	}
}
