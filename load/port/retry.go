package port

import (
	"time"
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
)

func (a action) String() string {
	return [...]string{"done", "reject", "split", "renew", "wait", "backoff", "fatal"}[a]
}

// policy is the retry policy as data: the first row whose range holds the
// status decides. Statuses in no row are fatal.
var policy = []struct {
	from, to int
	act      action
}{
	{200, 299, actDone},
	{401, 401, actRenew},
	{403, 403, actFatal},
	{408, 408, actBackoff},
	{413, 413, actSplit},
	{425, 425, actBackoff},
	{429, 429, actWait},
	{400, 499, actReject},
	{500, 599, actBackoff},
}

// actionFor returns the policy's action for an HTTP status.
func actionFor(status int) action {
	for _, p := range policy {
		if status >= p.from && status <= p.to {
			return p.act
		}
	}
	return actFatal
}

const (
	backoffBase = 500 * time.Millisecond
	backoffMax  = 30 * time.Second
	// maxRateLimitWaits bounds how many 429s one request waits out before
	// the client gives up; each wait follows Port's own reset time.
	maxRateLimitWaits = 50
)
