package oktatest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/oktalake/oktalake/streams"
)

const (
	tokenPath           = "/oauth2/v1/token"
	tokenLifetime       = time.Hour
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// maxAssertionLifetime is how far in the future Okta lets a client
	// assertion's exp be.
	maxAssertionLifetime = time.Hour
)

// denial is a client-assertion rejection, worded as Okta's error_description.
type denial string

func (d denial) Error() string { return string(d) }

// grant is an issued access token.
type grant struct {
	scopes  []string
	expires time.Time
	jkt     string // the DPoP key's thumbprint the token is bound to ("" for Bearer)
}

// authorize checks the Authorization header and, for bearer tokens, that
// the token holds scope. It answers the request itself when it fails.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, scope string, now time.Time) bool {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case strings.EqualFold(scheme, "SSWS") && s.opts.Token != "" &&
		subtle.ConstantTimeCompare([]byte(cred), []byte(s.opts.Token)) == 1:
		return true
	case strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "DPoP"):
		s.mu.Lock()
		g, ok := s.tokens[cred]
		s.mu.Unlock()
		if ok && now.Before(g.expires) && (g.jkt != "" || strings.EqualFold(scheme, "DPoP")) {
			if !s.checkResourceProof(w, r, cred, g, scheme, now) {
				return false
			}
		} else if !ok || !now.Before(g.expires) {
			desc := "The access token is invalid."
			if ok {
				desc = "The token has expired."
			}
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization_uri="%s%s", realm="IdpMgmtApi", error="invalid_token", error_description=%q`, origin(r), tokenPath, desc))
			s.writeError(w, http.StatusUnauthorized, codeInvalidToken, summaryInvalidToken)
			return false
		}
		if !slices.Contains(g.scopes, scope) {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization_uri="%s%s", realm="IdpMgmtApi", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="%s"`, origin(r), tokenPath, r.URL.Path))
			s.writeError(w, http.StatusForbidden, codeAccessDenied, summaryAccessDenied)
			return false
		}
		return true
	}
	s.writeError(w, http.StatusUnauthorized, codeInvalidToken, summaryInvalidToken)
	return false
}

// allowedScopes is what the OAuth client may request.
func (s *Server) allowedScopes() []string {
	if s.opts.Scopes != nil {
		return s.opts.Scopes
	}
	return streams.Scopes(streams.All())
}

// handleToken is POST /oauth2/v1/token: the client-credentials grant with a
// private-key-JWT client assertion, as Okta's org authorization server
// implements it for service apps.
func handleToken(s *Server, w http.ResponseWriter, r *http.Request, _ []string, now time.Time) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request body is not a valid form.")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type",
			fmt.Sprintf("The authorization grant type '%s' is not supported by the authorization server. Configured grant types: [client_credentials].", gt))
		return
	}
	if r.PostForm.Get("client_assertion_type") != clientAssertionType || r.PostForm.Get("client_assertion") == "" {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed. Either the client or the client credentials are invalid.")
		return
	}
	if err := s.verifyAssertion(r.PostForm.Get("client_assertion"), origin(r)+tokenPath, now); err != nil {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", err.Error())
		return
	}
	jkt := ""
	if s.opts.DPoP {
		var ok bool
		if jkt, ok = s.checkTokenProof(w, r, now); !ok {
			return
		}
	}
	requested := strings.Fields(r.PostForm.Get("scope"))
	if len(requested) == 0 {
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "The authorization server resource does not have any configured default scopes, 'scope' must be provided.")
		return
	}
	var denied []string
	for _, sc := range requested {
		if !slices.Contains(s.allowedScopes(), sc) {
			denied = append(denied, sc)
		}
	}
	if len(denied) > 0 {
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "The following scopes are not allowed: ["+strings.Join(denied, ", ")+"]")
		return
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	s.mu.Lock()
	s.tokens[token] = grant{scopes: requested, expires: now.Add(tokenLifetime), jkt: jkt}
	s.mu.Unlock()
	tokenType := "Bearer"
	if jkt != "" {
		tokenType = "DPoP"
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"token_type":   tokenType,
		"expires_in":   int(tokenLifetime.Seconds()),
		"access_token": token,
		"scope":        strings.Join(requested, " "),
	})
}

// verifyAssertion checks a client assertion JWT: signature by
// Options.PublicKey, iss and sub equal to the client ID, aud equal to the
// token URL, exp in the future but within an hour, and a jti never seen.
// Its errors are the error_description Okta would send.
func (s *Server) verifyAssertion(jwt, audience string, now time.Time) error {
	if s.opts.PublicKey == nil || s.opts.ClientID == "" {
		return denial("Client authentication failed. Either the client or the client credentials are invalid.")
	}
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return denial("The client_assertion token is malformed.")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return denial("The client_assertion token is malformed.")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return denial("The client_assertion token is malformed.")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !verifySignature(s.opts.PublicKey, header.Alg, digest[:], sig) {
		return denial("The client_assertion signature is invalid.")
	}
	var claims struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
		Exp *float64        `json:"exp"`
		Jti string          `json:"jti"`
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return denial("The client_assertion token is malformed.")
	}
	if claims.Iss != s.opts.ClientID || claims.Sub != s.opts.ClientID {
		return denial("The client_assertion token has an invalid issuer or subject: both must be the client ID.")
	}
	if !audienceMatches(claims.Aud, audience) {
		return denial("The audience claim for client_assertion must be the endpoint invoked for the request.")
	}
	if claims.Exp == nil {
		return denial("The client_assertion token must contain an 'exp' claim.")
	}
	exp := time.Unix(int64(*claims.Exp), 0)
	if !now.Before(exp) {
		return denial("The client_assertion token is expired.")
	}
	if exp.After(now.Add(maxAssertionLifetime + time.Minute)) {
		return denial("The client_assertion token has an expiration too far in the future.")
	}
	if claims.Jti == "" {
		return denial("The client_assertion token must contain a 'jti' claim.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for j, until := range s.jtis {
		if now.After(until) {
			delete(s.jtis, j)
		}
	}
	if _, seen := s.jtis[claims.Jti]; seen {
		return denial("The client_assertion token has already been used: the 'jti' claim must be unique.")
	}
	s.jtis[claims.Jti] = exp
	return nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func audienceMatches(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	return json.Unmarshal(raw, &many) == nil && slices.Contains(many, want)
}

// verifySignature checks an RS256 or ES256 signature over digest; the
// algorithm must match the key's type.
func verifySignature(pub crypto.PublicKey, alg string, digest, sig []byte) bool {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return alg == "RS256" && rsa.VerifyPKCS1v15(k, crypto.SHA256, digest, sig) == nil
	case *ecdsa.PublicKey:
		if alg != "ES256" || k.Curve != elliptic.P256() || len(sig) != 64 {
			return false
		}
		rr, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(k, digest, rr, ss)
	}
	return false
}
