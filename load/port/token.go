package port

import "time"

// maxRenewMargin caps how long before expiry a token is renewed.
const maxRenewMargin = 5 * time.Minute

// renewMargin is how long before expiry Port's access token is replaced: a
// tenth of its life, at most five minutes.
func renewMargin(life time.Duration) time.Duration { return min(life/10, maxRenewMargin) }
