package okta

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DPoP (RFC 9449) as Okta's guide "Configure OAuth 2.0 Demonstrating
// Proof-of-Possession" (developer.okta.com/docs/guides/dpop/
// oktaresourceserver/main/) describes it for service apps calling Okta's
// APIs: a proof JWT in the DPoP header of the token request binds the
// access token to a key of the client's; every API call then sends
// "Authorization: DPoP <token>" and a fresh proof with the token's hash.
// The authorization server and the API may each demand a nonce (400
// error=use_dpop_nonce, or 401 WWW-Authenticate: DPoP
// error="use_dpop_nonce", with a DPoP-Nonce header); the client retries
// once with it and keeps it for the following proofs.

// Nonce holders: nonces from the authorization server and the API are
// separate (RFC 9449 section 9) and must not be mixed.
const (
	nonceToken = iota
	nonceAPI
)

// dpopProver signs proofs with the DPoP key. The key is never the client
// authentication key (Okta: "The JWK that's used for DPoP authentication is
// separate from the JWK used for client authentication") and never leaves
// the process: proofs carry its public half only.
type dpopProver struct {
	signer *signer
	jwk    json.RawMessage

	mu     sync.Mutex
	nonces [2]string
}

// newDPoP loads the DPoP key (PEM text or file), or generates a P-256 key
// for this process when keyPEM is empty.
func newDPoP(keyPEM string) (*dpopProver, error) {
	var s *signer
	if keyPEM == "" {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generating a DPoP key: %w", err)
		}
		s = &signer{key: k, alg: "ES256"}
	} else {
		var err error
		if s, err = loadSigner(keyPEM, ""); err != nil {
			return nil, err
		}
	}
	jwk, err := publicJWK(s)
	if err != nil {
		return nil, err
	}
	return &dpopProver{signer: s, jwk: jwk}, nil
}

// publicJWK is the public half of the signer's key as a JWK (RFC 7517/7518).
func publicJWK(s *signer) (json.RawMessage, error) {
	b64 := base64.RawURLEncoding
	var v any
	switch k := s.key.(type) {
	case *ecdsa.PrivateKey:
		pt, err := k.PublicKey.Bytes() // 0x04 || X || Y, 32 bytes each on P-256
		if err != nil || len(pt) != 65 {
			return nil, fmt.Errorf("encoding the DPoP public key: %v", err)
		}
		x, y := pt[1:33], pt[33:]
		v = struct {
			Kty string `json:"kty"`
			Crv string `json:"crv"`
			X   string `json:"x"`
			Y   string `json:"y"`
		}{"EC", "P-256", b64.EncodeToString(x), b64.EncodeToString(y)}
	case *rsa.PrivateKey:
		v = struct {
			Kty string `json:"kty"`
			N   string `json:"n"`
			E   string `json:"e"`
		}{"RSA", b64.EncodeToString(k.N.Bytes()), b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())}
	default:
		return nil, fmt.Errorf("unsupported DPoP key type %T", s.key)
	}
	return json.Marshal(v)
}

// nonce returns the last nonce the given server sent ("" for none yet).
func (d *dpopProver) nonce(holder int) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.nonces[holder]
}

// setNonce keeps a nonce a server sent in DPoP-Nonce; it reports whether it
// differs from the one held.
func (d *dpopProver) setNonce(holder int, v string) bool {
	if v == "" {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	changed := d.nonces[holder] != v
	d.nonces[holder] = v
	return changed
}

// proof signs a DPoP proof for a request (RFC 9449 section 4.2): htm and
// htu (the URL without query and fragment), iat, a random jti, ath (the
// access token's SHA-256) when a token is sent, and the nonce when one is held.
func (d *dpopProver) proof(method, rawURL, accessToken, nonce string, now time.Time) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("building a DPoP proof: %w", err)
	}
	htu := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", fmt.Errorf("generating a DPoP jti: %w", err)
	}
	header, err := json.Marshal(struct {
		Typ string          `json:"typ"`
		Alg string          `json:"alg"`
		JWK json.RawMessage `json:"jwk"`
	}{"dpop+jwt", d.signer.alg, d.jwk})
	if err != nil {
		return "", fmt.Errorf("encoding the DPoP header: %w", err)
	}
	claims := struct {
		Htm   string `json:"htm"`
		Htu   string `json:"htu"`
		Iat   int64  `json:"iat"`
		Jti   string `json:"jti"`
		Ath   string `json:"ath,omitempty"`
		Nonce string `json:"nonce,omitempty"`
	}{Htm: method, Htu: htu, Iat: now.Unix(), Jti: hex.EncodeToString(jti), Nonce: nonce}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims.Ath = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	body, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encoding the DPoP claims: %w", err)
	}
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString(header) + "." + enc.EncodeToString(body)
	sig, err := d.signer.sign([]byte(signed))
	if err != nil {
		return "", fmt.Errorf("signing a DPoP proof: %w", err)
	}
	return signed + "." + enc.EncodeToString(sig), nil
}

// nonceChallenge reports whether an API response asks for a DPoP nonce:
// 401 with WWW-Authenticate: DPoP ... error="use_dpop_nonce".
func nonceChallenge(status int, wwwAuthenticate []string) bool {
	if status != 401 {
		return false
	}
	for _, h := range wwwAuthenticate {
		scheme, params, _ := strings.Cut(strings.TrimSpace(h), " ")
		if strings.EqualFold(scheme, "DPoP") && strings.Contains(params, `error="use_dpop_nonce"`) {
			return true
		}
	}
	return false
}
