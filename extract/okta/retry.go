package okta

import (
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/oktalake/oktalake/internal/httpx"
)

// action is what the client does after one attempt of a request.
type action int

const (
	actSucceed   action = iota // hand the response back
	actFail                    // give up: the error will not go away by itself
	actBackoff                 // retry after a capped exponential backoff with jitter
	actWaitReset               // retry once the rate-limit window resets (429)
	actRenewAuth               // renew the OAuth token and retry at once (401)
	actRetryNow                // retry at once: the server sent what the retry needs (a DPoP nonce)
)

func (a action) String() string {
	return [...]string{"succeed", "fail", "backoff", "wait for reset", "renew token", "retry now"}[a]
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
	concurrent bool  // a 429 of Okta's concurrency limit, not of the bucket
	dpopNonce  bool  // a 401 asking for a DPoP nonce, which its DPoP-Nonce header gave
}

// retryPolicy is the whole retry policy, in one table: the first matching
// row wins, and anything no row matches fails.
func retryPolicy() httpx.Policy[outcome, action] {
	status := func(o outcome) int { return o.status }
	return httpx.Policy[outcome, action]{
		Rules: []httpx.Rule[outcome, action]{
			{Name: "cancelled", Match: func(o outcome) bool { return o.ctxDone }, Action: actFail},
			{Name: "no token", Match: func(o outcome) bool { return o.authFailed }, Action: actFail},
			{Name: "network error", Match: func(o outcome) bool { return o.err != nil && transient(o.err) }, Action: actBackoff},
			{Name: "transport error", Match: func(o outcome) bool { return o.err != nil }, Action: actFail},
			{Name: "malformed body", Match: func(o outcome) bool { return o.malformed }, Action: actBackoff, MaxRetries: 2},
			{Name: "success", Match: httpx.Status(status, 200, 299), Action: actSucceed},
			{Name: "concurrency limited", Match: func(o outcome) bool { return o.status == 429 && o.concurrent }, Action: actBackoff},
			{Name: "rate limited", Match: httpx.Status(status, 429, 429), Action: actWaitReset},
			{Name: "dpop nonce", Match: func(o outcome) bool { return o.dpopNonce }, Action: actRetryNow, MaxRetries: 1},
			{Name: "expired token", Match: func(o outcome) bool { return o.status == 401 && o.bearer && !o.renewed }, Action: actRenewAuth, MaxRetries: 1},
			{Name: "server error", Match: func(o outcome) bool { return o.status >= 500 && o.status != 501 }, Action: actBackoff},
			{Name: "client error", Match: func(outcome) bool { return true }, Action: actFail},
		},
		Otherwise: actFail,
	}
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
