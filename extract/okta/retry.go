package okta

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// action is what the client does after one attempt of a request.
type action int

const (
	actSucceed   action = iota // hand the response back
	actFail                    // give up: the error will not go away by itself
	actBackoff                 // retry after a capped exponential backoff with jitter
	actWaitReset               // retry once the rate-limit window resets (429)
	actRenewAuth               // renew the OAuth token and retry at once (401)
)

func (a action) String() string {
	return [...]string{"succeed", "fail", "backoff", "wait for reset", "renew token"}[a]
}

// outcome is what one attempt gave.
type outcome struct {
	status     int   // HTTP status, 0 when err is set
	err        error // transport error
	ctxDone    bool  // the caller's context is done
	authFailed bool  // no access token could be had (its fetch has its own retries)
	malformed  bool  // a 2xx whose body is not the expected JSON
	bearer     bool  // the request carried an OAuth access token
	renewed    bool  // the token was already renewed for this request
}

// retryRule maps outcomes to an action. The first matching rule wins.
type retryRule struct {
	name   string
	match  func(o outcome) bool
	action action
	// maxRetries caps this rule's retries of one request (0: Config.MaxRetries).
	maxRetries int
}

// retryRules is the whole retry policy, in one table.
func retryRules() []retryRule {
	return []retryRule{
		{name: "cancelled", match: func(o outcome) bool { return o.ctxDone }, action: actFail},
		{name: "no token", match: func(o outcome) bool { return o.authFailed }, action: actFail},
		{name: "network error", match: func(o outcome) bool { return o.err != nil && transient(o.err) }, action: actBackoff},
		{name: "transport error", match: func(o outcome) bool { return o.err != nil }, action: actFail},
		{name: "malformed body", match: func(o outcome) bool { return o.malformed }, action: actBackoff, maxRetries: 2},
		{name: "success", match: func(o outcome) bool { return o.status >= 200 && o.status < 300 }, action: actSucceed},
		{name: "rate limited", match: func(o outcome) bool { return o.status == 429 }, action: actWaitReset},
		{name: "expired token", match: func(o outcome) bool { return o.status == 401 && o.bearer && !o.renewed }, action: actRenewAuth, maxRetries: 1},
		{name: "server error", match: func(o outcome) bool { return o.status >= 500 && o.status != 501 }, action: actBackoff},
		{name: "client error", match: func(outcome) bool { return true }, action: actFail},
	}
}

// decide finds the rule for an outcome.
func decide(rules []retryRule, o outcome) retryRule {
	for _, r := range rules {
		if r.match(o) {
			return r
		}
	}
	return retryRule{name: "unmatched", action: actFail}
}

// transient reports whether a transport error may pass by itself: resets,
// refused or dropped connections, truncated bodies, timeouts.
func transient(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return !dns.IsNotFound
	}
	for _, target := range []error{io.EOF, io.ErrUnexpectedEOF, syscall.ECONNRESET, syscall.ECONNREFUSED,
		syscall.ECONNABORTED, syscall.EPIPE, syscall.ETIMEDOUT} {
		if errors.Is(err, target) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
