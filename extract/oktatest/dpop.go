package oktatest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DPoP as Okta's org authorization server and management API apply it to
// service apps. Sources: Okta's guide "Configure OAuth 2.0 Demonstrating
// Proof-of-Possession" (developer.okta.com/docs/guides/dpop/
// oktaresourceserver/main/), its support article "The DPoP Proof JWT
// Header Is Missing", and RFC 9449 (sections 4.3, 7.1, 8 and 9). The proof
// is parsed and verified here with the simulator's own code, never the
// client's.
const (
	// dpopMaxAge is how old a proof's iat may be, and how long its jti is
	// remembered against replay. RFC 9449 section 11.1 leaves the window to
	// the server; five minutes matches the client assertion's custom.
	dpopMaxAge = 5 * time.Minute
	// dpopMaxSkew is how far in the future iat may be (clock skew).
	dpopMaxSkew = time.Minute
)

// dpopState is the server's DPoP memory: its current nonces and the proofs' jtis.
type dpopState struct {
	mu            sync.Mutex
	tokenNonce    string
	resourceNonce string
	jtis          map[string]time.Time
	stats         DPoPStats
}

// DPoPStats counts what the DPoP checks saw.
type DPoPStats struct {
	// Proofs is the number of proofs that passed every check.
	Proofs int
	// TokenChallenges and ResourceChallenges count use_dpop_nonce answers
	// of the token endpoint (400) and of the API (401).
	TokenChallenges, ResourceChallenges int
	// Rejected counts proofs refused for any other reason.
	Rejected int
}

func newDPoPState() dpopState {
	return dpopState{tokenNonce: randomNonce(), resourceNonce: randomNonce(), jtis: map[string]time.Time{}}
}

// randomNonce is unpredictable, as RFC 9449 section 8 requires.
func randomNonce() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// RotateDPoPNonces replaces both nonces, as Okta does from time to time:
// the next proof carrying an old one is challenged.
func (s *Server) RotateDPoPNonces() {
	s.dpop.mu.Lock()
	defer s.dpop.mu.Unlock()
	s.dpop.tokenNonce, s.dpop.resourceNonce = randomNonce(), randomNonce()
}

// DPoPStats returns the DPoP counters.
func (s *Server) DPoPStats() DPoPStats {
	s.dpop.mu.Lock()
	defer s.dpop.mu.Unlock()
	return s.dpop.stats
}

// proofClaims are a DPoP proof's claims (RFC 9449 section 4.2).
type proofClaims struct {
	Htm   string   `json:"htm"`
	Htu   string   `json:"htu"`
	Iat   *float64 `json:"iat"`
	Jti   string   `json:"jti"`
	Ath   string   `json:"ath"`
	Nonce string   `json:"nonce"`
}

// checkTokenProof verifies the DPoP header of a token request and answers
// the request itself when it fails; it returns the key's thumbprint.
func (s *Server) checkTokenProof(w http.ResponseWriter, r *http.Request, now time.Time) (string, bool) {
	proofs := r.Header.Values("DPoP")
	if len(proofs) == 0 {
		s.countDPoP(func(st *DPoPStats) { st.Rejected++ })
		writeOAuthError(w, http.StatusBadRequest, "invalid_dpop_proof", "The DPoP proof JWT header is missing.")
		return "", false
	}
	if len(proofs) > 1 {
		s.countDPoP(func(st *DPoPStats) { st.Rejected++ })
		writeOAuthError(w, http.StatusBadRequest, "invalid_dpop_proof", "Only one DPoP proof JWT header is allowed.")
		return "", false
	}
	jkt, claims, err := s.verifyProof(proofs[0], http.MethodPost, origin(r)+tokenPath, "", now)
	if err != nil {
		s.countDPoP(func(st *DPoPStats) { st.Rejected++ })
		writeOAuthError(w, http.StatusBadRequest, "invalid_dpop_proof", err.Error())
		return "", false
	}
	s.dpop.mu.Lock()
	nonce := s.dpop.tokenNonce
	s.dpop.mu.Unlock()
	if claims.Nonce != nonce {
		s.countDPoP(func(st *DPoPStats) { st.TokenChallenges++ })
		w.Header().Set("DPoP-Nonce", nonce)
		writeOAuthError(w, http.StatusBadRequest, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.")
		return "", false
	}
	if !s.rememberJTI(claims.Jti, now) {
		s.countDPoP(func(st *DPoPStats) { st.Rejected++ })
		writeOAuthError(w, http.StatusBadRequest, "invalid_dpop_proof", "The DPoP proof JWT has already been used.")
		return "", false
	}
	s.countDPoP(func(st *DPoPStats) { st.Proofs++ })
	return jkt, true
}

// checkResourceProof verifies an API call made with a DPoP-bound token (or
// the DPoP scheme) and answers the request itself when it fails.
func (s *Server) checkResourceProof(w http.ResponseWriter, r *http.Request, token string, g grant, scheme string, now time.Time) bool {
	fail := func(code, desc string) bool {
		s.countDPoP(func(st *DPoPStats) { st.Rejected++ })
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`DPoP algs="RS256 ES256", error=%q, error_description=%q`, code, desc))
		s.writeError(w, http.StatusUnauthorized, codeInvalidToken, summaryInvalidToken)
		return false
	}
	if g.jkt == "" {
		return fail("invalid_token", "The access token is not DPoP-bound.")
	}
	if !strings.EqualFold(scheme, "DPoP") {
		// RFC 9449 section 7.1: a DPoP-bound token is never a bearer token.
		return fail("invalid_token", "The access token is DPoP-bound: send it with the DPoP scheme and a proof.")
	}
	proofs := r.Header.Values("DPoP")
	if len(proofs) != 1 {
		return fail("invalid_dpop_proof", "Exactly one DPoP proof JWT header is required.")
	}
	digest := sha256.Sum256([]byte(token))
	jkt, claims, err := s.verifyProof(proofs[0], r.Method, origin(r)+r.URL.EscapedPath(), base64.RawURLEncoding.EncodeToString(digest[:]), now)
	if err != nil {
		return fail("invalid_dpop_proof", err.Error())
	}
	if jkt != g.jkt {
		return fail("invalid_dpop_proof", "The DPoP proof's key is not the one the access token is bound to.")
	}
	if s.opts.DPoPResourceNonce {
		s.dpop.mu.Lock()
		nonce := s.dpop.resourceNonce
		s.dpop.mu.Unlock()
		if claims.Nonce != nonce {
			s.countDPoP(func(st *DPoPStats) { st.ResourceChallenges++ })
			w.Header().Set("DPoP-Nonce", nonce)
			w.Header().Set("WWW-Authenticate", `DPoP algs="RS256 ES256", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`)
			s.writeError(w, http.StatusUnauthorized, codeInvalidToken, summaryInvalidToken)
			return false
		}
	}
	if !s.rememberJTI(claims.Jti, now) {
		return fail("invalid_dpop_proof", "The DPoP proof JWT has already been used.")
	}
	s.countDPoP(func(st *DPoPStats) { st.Proofs++ })
	return true
}

func (s *Server) countDPoP(f func(*DPoPStats)) {
	s.dpop.mu.Lock()
	defer s.dpop.mu.Unlock()
	f(&s.dpop.stats)
}

// rememberJTI records a proof's jti; false when it was seen within dpopMaxAge.
func (s *Server) rememberJTI(jti string, now time.Time) bool {
	s.dpop.mu.Lock()
	defer s.dpop.mu.Unlock()
	for j, seen := range s.dpop.jtis {
		if now.Sub(seen) > dpopMaxAge+dpopMaxSkew {
			delete(s.dpop.jtis, j)
		}
	}
	if _, ok := s.dpop.jtis[jti]; ok {
		return false
	}
	s.dpop.jtis[jti] = now
	return true
}

// verifyProof checks a DPoP proof JWT (RFC 9449 section 4.3): typ
// dpop+jwt, an asymmetric alg, a public jwk without private parts that is
// not the client-authentication key, a valid signature by it, htm and htu
// equal to the request's, iat within the window, a jti, and ath equal to
// the token's hash when a token is presented (wantAth non-empty). It
// returns the jwk's SHA-256 thumbprint (RFC 7638). The nonce and the jti's
// replay are the caller's to check.
func (s *Server) verifyProof(proof, htm, htu, wantAth string, now time.Time) (string, proofClaims, error) {
	var claims proofClaims
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		return "", claims, denial("The DPoP proof JWT is malformed.")
	}
	var header struct {
		Typ string          `json:"typ"`
		Alg string          `json:"alg"`
		JWK json.RawMessage `json:"jwk"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return "", claims, denial("The DPoP proof JWT is malformed.")
	}
	if header.Typ != "dpop+jwt" {
		return "", claims, denial("The DPoP proof JWT has an invalid 'typ' header: it must be 'dpop+jwt'.")
	}
	pub, jkt, err := parseJWK(header.JWK)
	if err != nil {
		return "", claims, err
	}
	if s.opts.PublicKey != nil && samePublicKey(pub, s.opts.PublicKey) {
		// Okta: the DPoP JWK is separate from the client-authentication one.
		return "", claims, denial("The DPoP proof JWT must not be signed with the client authentication key.")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "", claims, denial("The DPoP proof JWT is malformed.")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !verifySignature(pub, header.Alg, digest[:], sig) {
		return "", claims, denial("The DPoP proof JWT signature is invalid.")
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return "", claims, denial("The DPoP proof JWT is malformed.")
	}
	if claims.Htm != htm {
		return "", claims, denial(fmt.Sprintf("The DPoP proof JWT 'htm' claim must be %s.", htm))
	}
	if claims.Htu != htu {
		return "", claims, denial("The DPoP proof JWT 'htu' claim does not match the request URL.")
	}
	if claims.Iat == nil {
		return "", claims, denial("The DPoP proof JWT must contain an 'iat' claim.")
	}
	iat := time.Unix(int64(*claims.Iat), 0)
	if now.Sub(iat) > dpopMaxAge || iat.Sub(now) > dpopMaxSkew {
		return "", claims, denial("The DPoP proof JWT 'iat' claim is outside the allowed window.")
	}
	if claims.Jti == "" {
		return "", claims, denial("The DPoP proof JWT must contain a 'jti' claim.")
	}
	if wantAth != "" && claims.Ath != wantAth {
		return "", claims, denial("The DPoP proof JWT 'ath' claim does not match the access token.")
	}
	return jkt, claims, nil
}

// parseJWK reads a public RSA or P-256 EC JWK and computes its RFC 7638
// thumbprint (the required members in lexicographic order, no spaces).
func parseJWK(raw json.RawMessage) (crypto.PublicKey, string, error) {
	var k struct {
		Kty, Crv, X, Y, N, E string
		D                    string `json:"d"`
		P                    string `json:"p"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &k) != nil {
		return nil, "", denial("The DPoP proof JWT header must contain a 'jwk'.")
	}
	if k.D != "" || k.P != "" {
		return nil, "", denial("The DPoP proof JWT 'jwk' must not contain a private key.")
	}
	b64 := base64.RawURLEncoding
	var pub crypto.PublicKey
	var canonical string
	switch k.Kty {
	case "EC":
		x, errX := b64.DecodeString(k.X)
		y, errY := b64.DecodeString(k.Y)
		if k.Crv != "P-256" || errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			return nil, "", denial("The DPoP proof JWT 'jwk' is not a valid P-256 key.")
		}
		ec, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, "", denial("The DPoP proof JWT 'jwk' is not a point on P-256.")
		}
		pub = ec
		canonical = fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":%q,"y":%q}`, k.X, k.Y)
	case "RSA":
		n, errN := b64.DecodeString(k.N)
		e, errE := b64.DecodeString(k.E)
		if errN != nil || errE != nil || len(n) < 256 || len(e) == 0 || len(e) > 4 {
			return nil, "", denial("The DPoP proof JWT 'jwk' is not a valid RSA key of 2048 bits or more.")
		}
		pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		canonical = fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, k.E, k.N)
	default:
		return nil, "", denial("The DPoP proof JWT 'jwk' must be an RSA or EC key.")
	}
	sum := sha256.Sum256([]byte(canonical))
	return pub, b64.EncodeToString(sum[:]), nil
}

// samePublicKey compares two public keys.
func samePublicKey(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if e, ok := a.(equaler); ok {
		return e.Equal(b)
	}
	return false
}
