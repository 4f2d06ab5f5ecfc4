package oktatest

import (
	"encoding/json"
	"net/http"
)

// oktaError is Okta's error body.
type oktaError struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorSummary string       `json:"errorSummary"`
	ErrorLink    string       `json:"errorLink"`
	ErrorID      string       `json:"errorId"`
	ErrorCauses  []errorCause `json:"errorCauses"`
}

type errorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

// Okta's error codes and summaries for the failures the simulator produces.
const (
	codeValidation   = "E0000001"
	codeNotFound     = "E0000007"
	codeInternal     = "E0000009"
	codeAccessDenied = "E0000006"
	codeInvalidToken = "E0000011"
	codeMethod       = "E0000022"
	codeBadDate      = "E0000030"
	codeBadSearch    = "E0000031"
	codeRateLimit    = "E0000047"
	codeLogSince     = "E0000053"

	summaryAccessDenied = "You do not have permission to perform the requested action"
	summaryInvalidToken = "Invalid token provided"
	summaryRateLimit    = "API call exceeded rate limit due to too many requests."
	summaryBadSearch    = "Invalid search criteria."
	summaryBadDate      = "Bad request. Invalid date. Dates must be of the form yyyy-MM-dd'T'HH:mm:ss.SSSZZ, e.g. 2013-01-01T12:00:00.000-07:00."
	summaryInternal     = "Internal Server Error"
	summaryLogSince     = "Invalid request: since is beyond the System Log's retention."
)

// writeError sends an Okta error; causes become errorCauses.
func (s *Server) writeError(w http.ResponseWriter, status int, code, summary string, causes ...string) {
	e := oktaError{ErrorCode: code, ErrorSummary: summary, ErrorLink: code, ErrorID: s.nextErrorID(), ErrorCauses: []errorCause{}}
	for _, c := range causes {
		e.ErrorCauses = append(e.ErrorCauses, errorCause{c})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(e)
}

// nextErrorID returns a fresh errorId shaped like Okta's ("oae…").
func (s *Server) nextErrorID() string {
	n := s.errSeq.Add(1)
	return "oae" + randomChars(newRNG(s.org.cfg.Seed, kindFault, int(n)), 22)
}

// oauthError is the OAuth 2.0 error body the token endpoint returns.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(oauthError{Error: code, Description: description})
}
