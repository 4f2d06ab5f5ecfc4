package porttest

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
)

type tokenRequest struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

type tokenResponse struct {
	OK          bool    `json:"ok"`
	AccessToken string  `json:"accessToken"`
	ExpiresIn   float64 `json:"expiresIn"`
	TokenType   string  `json:"tokenType"`
}

func (s *Server) handleToken(w http.ResponseWriter, _ *http.Request, body []byte) {
	var req tokenRequest
	if err := json.Unmarshal(body, &req); err != nil || req.ClientID == "" || req.ClientSecret == "" {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request", "body must contain clientId and clientSecret")
		return
	}
	if subtle.ConstantTimeCompare([]byte(req.ClientID), []byte(s.ClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(req.ClientSecret), []byte(s.ClientSecret)) != 1 {
		writeError(w, http.StatusUnauthorized, "unauthorized", "Invalid client credentials")
		return
	}
	token := "pt_" + randomHex(24)
	s.mu.Lock()
	s.tokens[token] = s.clock.Now().Add(s.opts.TokenTTL)
	s.stats.TokensIssued++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, tokenResponse{
		OK:          true,
		AccessToken: token,
		ExpiresIn:   s.opts.TokenTTL.Seconds(),
		TokenType:   "Bearer",
	})
}

// authorized accepts "Bearer <token>" (or the bare token, as Port does) while
// the token is unexpired and not revoked.
func (s *Server) authorized(r *http.Request) bool {
	token := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	if token == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[token]
	return ok && s.clock.Now().Before(exp)
}

// revokeTokens forgets every issued token; clients must authenticate again.
func (s *Server) revokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}
