package okta

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode"
)

// Error is an Okta API error response.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// ErrorCode is Okta's code, such as "E0000011" ("" for a non-JSON body).
	ErrorCode string
	// ErrorSummary is Okta's message, or the status text and the start of a
	// non-JSON body.
	ErrorSummary string
	// ErrorID identifies the error for Okta support.
	ErrorID string
	// Causes are the summaries of Okta's errorCauses.
	Causes []string
	// URL is the request path, without the query.
	URL string
}

// Error reads like "okta: 401 E0000011 Invalid token provided (errorId oae123)".
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "okta: %d", e.Status)
	if e.ErrorCode != "" {
		b.WriteString(" " + e.ErrorCode)
	}
	if e.ErrorSummary != "" {
		b.WriteString(" " + e.ErrorSummary)
	}
	if e.ErrorID != "" {
		fmt.Fprintf(&b, " (errorId %s)", e.ErrorID)
	}
	if len(e.Causes) > 0 {
		b.WriteString(": " + strings.Join(e.Causes, "; "))
	}
	return b.String()
}

// OAuthError is an error from Okta's OAuth token endpoint.
type OAuthError struct {
	// Status is the HTTP status code.
	Status int
	// Code is the OAuth "error" field, such as "invalid_client".
	Code string
	// Description is the OAuth "error_description" field.
	Description string
}

// Error reads like "okta oauth: 401 invalid_client: The client_assertion signature is invalid.".
func (e *OAuthError) Error() string {
	s := fmt.Sprintf("okta oauth: %d %s", e.Status, e.Code)
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// decodeError builds an *Error from an error response. path is the request
// path; body may be anything, Okta JSON or a proxy's HTML page.
func decodeError(status int, path string, body []byte) *Error {
	e := &Error{Status: status, URL: path}
	var raw struct {
		ErrorCode    string `json:"errorCode"`
		ErrorSummary string `json:"errorSummary"`
		ErrorID      string `json:"errorId"`
		ErrorCauses  []struct {
			ErrorSummary string `json:"errorSummary"`
		} `json:"errorCauses"`
	}
	if json.Unmarshal(body, &raw) == nil && (raw.ErrorCode != "" || raw.ErrorSummary != "") {
		e.ErrorCode, e.ErrorSummary, e.ErrorID = raw.ErrorCode, raw.ErrorSummary, raw.ErrorID
		for _, c := range raw.ErrorCauses {
			if c.ErrorSummary != "" {
				e.Causes = append(e.Causes, c.ErrorSummary)
			}
		}
		return e
	}
	e.ErrorSummary = http.StatusText(status)
	if snippet := bodySnippet(body, 120); snippet != "" {
		e.ErrorSummary += ": " + snippet
	}
	return e
}

// decodeOAuthError builds an *OAuthError from a token endpoint response.
func decodeOAuthError(status int, body []byte) *OAuthError {
	e := &OAuthError{Status: status}
	var raw struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
		// Okta answers some token requests with its API error shape.
		ErrorCode    string `json:"errorCode"`
		ErrorSummary string `json:"errorSummary"`
	}
	if json.Unmarshal(body, &raw) == nil {
		e.Code, e.Description = raw.Error, raw.ErrorDescription
		if e.Code == "" {
			e.Code, e.Description = raw.ErrorCode, raw.ErrorSummary
		}
	}
	if e.Code == "" {
		e.Code = http.StatusText(status)
		e.Description = bodySnippet(body, 120)
	}
	return e
}

// bodySnippet is the start of a body on one line, for error messages.
func bodySnippet(body []byte, max int) string {
	s := strings.Join(strings.FieldsFunc(string(body), unicode.IsSpace), " ")
	s = strings.ToValidUTF8(s, "")
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}
