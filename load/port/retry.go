package port

import (
	"context"
	"errors"
	"time"

	"github.com/oktalake/oktalake/internal/httpx"
)

// action is what the client does with an answer from Port.
type action int

const (
	// actDone hands a success or partial result (200, 201, 207) to the caller.
	actDone action = iota
	// actReject hands a refusal (400, 404, 409, 422) to the caller, which
	// turns it into per-entity failures or an error.
	actReject
	// actSplit asks the caller to split a body that was too large (413).
	actSplit
	// actRenew renews the access token once and resends (401).
	actRenew
	// actWait waits for x-ratelimit-reset and resends (429).
	actWait
	// actBackoff resends after exponential backoff (408, 425, 5xx, network errors).
	actBackoff
	// actFatal stops: neither resending nor splitting can help (403, unexpected statuses).
	actFatal
	// actCancelled stops with the caller's context error.
	actCancelled
	// actRefused stops at a redirect away from Port's origin: the answer
	// will not change, and following it would hand secrets to another host.
	actRefused
)

func (a action) String() string {
	return [...]string{"done", "reject", "split", "renew", "wait", "backoff", "fatal", "cancelled", "refused"}[a]
}

// outcome is what one attempt gave: a status, or a transport error.
type outcome struct {
	status  int   // HTTP status, 0 when err is set
	err     error // transport error
	ctxDone bool  // the caller's context is done
}

// outcomeOf describes one round trip for the policy.
func outcomeOf(ctx context.Context, resp *response, err error) outcome {
	o := outcome{err: err, ctxDone: ctx.Err() != nil}
	if err == nil {
		o.status = resp.status
	}
	return o
}

// retryPolicy is the retry policy as data: the first row that matches the
// outcome decides. Statuses in no row are fatal.
func retryPolicy() httpx.Policy[outcome, action] {
	status := func(o outcome) int { return o.status }
	return httpx.Policy[outcome, action]{
		Rules: []httpx.Rule[outcome, action]{
			{Name: "cancelled", Match: func(o outcome) bool { return o.err != nil && o.ctxDone }, Action: actCancelled},
			{Name: "redirect refused", Match: func(o outcome) bool { return errors.Is(o.err, httpx.ErrCrossOriginRedirect) }, Action: actRefused},
			{Name: "network error", Match: func(o outcome) bool { return o.err != nil }, Action: actBackoff},
			{Name: "success", Match: httpx.Status(status, 200, 299), Action: actDone},
			{Name: "unauthorized", Match: httpx.Status(status, 401, 401), Action: actRenew},
			{Name: "forbidden", Match: httpx.Status(status, 403, 403), Action: actFatal},
			{Name: "request timeout", Match: httpx.Status(status, 408, 408), Action: actBackoff},
			{Name: "too large", Match: httpx.Status(status, 413, 413), Action: actSplit},
			{Name: "too early", Match: httpx.Status(status, 425, 425), Action: actBackoff},
			{Name: "rate limited", Match: httpx.Status(status, 429, 429), Action: actWait},
			{Name: "client error", Match: httpx.Status(status, 400, 499), Action: actReject},
			{Name: "server error", Match: httpx.Status(status, 500, 599), Action: actBackoff},
		},
		Otherwise: actFatal,
	}
}

// actionFor returns the policy's action for an HTTP status.
func (c *Client) actionFor(status int) action { return c.policy.Decide(outcome{status: status}).Action }

const (
	backoffBase = 500 * time.Millisecond
	backoffMax  = 30 * time.Second
	// maxRateLimitWaits bounds how many 429s one request waits out before
	// the client gives up; each wait follows Port's own reset time.
	maxRateLimitWaits = 50
)
