package okta

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"
)

// assertionLifetime is the validity of a client assertion; Okta accepts at
// most one hour, and a short one limits the harm of a leaked assertion.
const assertionLifetime = 5 * time.Minute

// signer signs client assertions with the service app's private key.
type signer struct {
	key crypto.Signer
	alg string // "RS256" or "ES256"
	kid string
}

// loadSigner reads a private key given as PEM text or as the path of a PEM
// file. Errors never quote the value: it may be the key itself.
func loadSigner(value, kid string) (*signer, error) {
	if strings.Contains(value, "-----BEGIN") && !strings.Contains(value, "\n") {
		// An environment variable often carries the PEM with literal \n.
		value = strings.ReplaceAll(value, `\n`, "\n")
	}
	data := []byte(value)
	if !strings.Contains(value, "-----BEGIN") {
		b, err := os.ReadFile(strings.TrimSpace(value))
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path might be a mangled key: do not echo it
			}
			return nil, fmt.Errorf("neither PEM text nor a readable PEM file: %w", err)
		}
		data = b
	}
	key, err := parsePrivateKey(data)
	if err != nil {
		return nil, err
	}
	s := &signer{kid: kid}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("RSA key of %d bits: Okta needs at least 2048", k.N.BitLen())
		}
		s.key, s.alg = k, "RS256"
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("EC key on curve %s: only P-256 (ES256) is supported", k.Curve.Params().Name)
		}
		s.key, s.alg = k, "ES256"
	default:
		return nil, fmt.Errorf("unsupported key type %T: use RSA or EC P-256", key)
	}
	return s, nil
}

// parsePrivateKey finds the private key among the PEM blocks of data.
func parsePrivateKey(data []byte) (any, error) {
	found := false
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		found = true
		if _, ok := block.Headers["DEK-Info"]; ok {
			return nil, errors.New("the PEM key is encrypted: give an unencrypted key")
		}
		switch block.Type {
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parsing RSA PRIVATE KEY: %w", err)
			}
			return k, nil
		case "EC PRIVATE KEY":
			k, err := x509.ParseECPrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parsing EC PRIVATE KEY: %w", err)
			}
			return k, nil
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parsing PRIVATE KEY: %w", err)
			}
			return k, nil
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("the PEM key is encrypted: give an unencrypted key")
		case "EC PARAMETERS":
			continue // openssl ecparam -genkey writes these before the key
		default:
			return nil, fmt.Errorf("PEM block %q is not a private key", block.Type)
		}
	}
	if found {
		return nil, errors.New("no private key among the PEM blocks")
	}
	return nil, errors.New("no PEM block found")
}

// assertion builds the signed JWT that authenticates the client at Okta's
// token endpoint (RFC 7523): issued by and about the client, for the token URL.
func (s *signer) assertion(clientID, audience string, now time.Time) (string, error) {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", fmt.Errorf("generating a jti: %w", err)
	}
	header, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
		Kid string `json:"kid,omitempty"`
	}{s.alg, "JWT", s.kid})
	if err != nil {
		return "", fmt.Errorf("encoding the JWT header: %w", err)
	}
	claims, err := json.Marshal(struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Aud string `json:"aud"`
		Iat int64  `json:"iat"`
		Exp int64  `json:"exp"`
		Jti string `json:"jti"`
	}{clientID, clientID, audience, now.Unix(), now.Add(assertionLifetime).Unix(), hex.EncodeToString(jti)})
	if err != nil {
		return "", fmt.Errorf("encoding the JWT claims: %w", err)
	}
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	sig, err := s.sign([]byte(signed))
	if err != nil {
		return "", err
	}
	return signed + "." + enc.EncodeToString(sig), nil
}

func (s *signer) sign(data []byte) ([]byte, error) {
	digest := sha256.Sum256(data)
	switch k := s.key.(type) {
	case *rsa.PrivateKey:
		sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:])
		if err != nil {
			return nil, fmt.Errorf("signing the JWT with RS256: %w", err)
		}
		return sig, nil
	case *ecdsa.PrivateKey:
		r, ss, err := ecdsa.Sign(rand.Reader, k, digest[:])
		if err != nil {
			return nil, fmt.Errorf("signing the JWT with ES256: %w", err)
		}
		// JWS wants the raw r||s pair, each left-padded to 32 bytes, not ASN.1.
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		ss.FillBytes(sig[32:])
		return sig, nil
	default:
		return nil, fmt.Errorf("unsupported key type %T", s.key)
	}
}
