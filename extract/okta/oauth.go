package okta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/oktalake/oktalake/internal/httpx"
)

const (
	// renewBefore is how long before expiry a token is replaced, so that a
	// request never leaves with a token about to die in transit.
	renewBefore = 60 * time.Second
	// tokenPath is the org authorization server's token endpoint.
	tokenPath = "/oauth2/v1/token"
)

// tokenSource obtains OAuth 2.0 access tokens with the client-credentials
// grant and a private-key JWT client assertion; its TokenCache shares each
// fetch among concurrent requests and renews before expiry.
type tokenSource struct {
	*httpx.TokenCache

	c        *Client
	signer   *signer
	clientID string
	scope    string
	tokenURL string

	mu        sync.Mutex
	dpopBound map[string]bool // DPoP-bound tokens among the recent ones
}

func newTokenSource(c *Client, s *signer) *tokenSource {
	ts := &tokenSource{
		c:         c,
		signer:    s,
		clientID:  c.cfg.ClientID,
		scope:     strings.Join(c.cfg.Scopes, " "),
		tokenURL:  c.origin.String() + tokenPath,
		dpopBound: map[string]bool{},
	}
	ts.TokenCache = httpx.NewTokenCache(c.clk, renewMargin, ts.fetch)
	return ts
}

// boundTokens is how many recent tokens' types are kept: requests in flight
// may still carry the previous one or two.
const boundTokens = 4

// bound reports whether tok is a DPoP-bound token (token_type DPoP).
func (ts *tokenSource) bound(tok string) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.dpopBound[tok]
}

// remember records the type of a new token.
func (ts *tokenSource) remember(tok string, dpop bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.dpopBound) >= boundTokens {
		clear(ts.dpopBound)
	}
	ts.dpopBound[tok] = dpop
}

// renewMargin is how long before expiry a token is replaced: renewBefore,
// or half the life of a token that lives less than twice that.
func renewMargin(life time.Duration) time.Duration {
	if life < 2*renewBefore {
		return life / 2
	}
	return renewBefore
}

// fetch asks the token endpoint for a new access token, retrying network
// errors, 5xx and 429 like API requests.
func (ts *tokenSource) fetch(ctx context.Context) (string, time.Duration, error) {
	c := ts.c
	nonceRetried, dpopTried := false, false
	for attempt := 0; ; attempt++ {
		assertion, err := ts.signer.assertion(ts.clientID, ts.tokenURL, c.clk.Now())
		if err != nil {
			return "", 0, fmt.Errorf("fetching an OAuth token: %w", err)
		}
		form := url.Values{
			"grant_type":            {"client_credentials"},
			"scope":                 {ts.scope},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {assertion},
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.tokenURL, strings.NewReader(form.Encode()))
		if err != nil {
			return "", 0, fmt.Errorf("fetching an OAuth token: %w", err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.cfg.UserAgent)
		dpop := c.dpop.Load()
		if dpop != nil {
			proof, err := dpop.proof(http.MethodPost, ts.tokenURL, "", dpop.nonce(nonceToken), c.clk.Now())
			if err != nil {
				return "", 0, fmt.Errorf("fetching an OAuth token: %w", err)
			}
			req.Header.Set("DPoP", proof)
		}
		status, header, body, err := c.exchange(req)
		if dpop != nil && header != nil {
			dpop.setNonce(nonceToken, header.Get("DPoP-Nonce"))
		}
		if err == nil && status == http.StatusBadRequest {
			// Okta's DPoP answers (guide "Configure OAuth 2.0 DPoP"; support
			// article "The DPoP Proof JWT Header Is Missing"): a nonce to put
			// in the proof, or a proof the app requires and did not get.
			// Either is retried at once, once per fetch.
			oe := decodeOAuthError(status, c.redact(body))
			switch {
			case dpop != nil && oe.Code == "use_dpop_nonce" && header.Get("DPoP-Nonce") != "" && !nonceRetried:
				nonceRetried = true
				attempt--
				continue
			case dpop == nil && oe.Code == "invalid_dpop_proof" && !dpopTried:
				dpopTried = true
				if err := c.enableDPoP(); err != nil {
					return "", 0, fmt.Errorf("fetching an OAuth token: %w", err)
				}
				c.log.Info("okta: the service app requires DPoP-bound tokens; sending DPoP proofs (okta.Config.DPoP skips this round trip)")
				attempt--
				continue
			}
		}
		o := outcome{status: status, err: err, ctxDone: ctx.Err() != nil}
		rule := c.policy.Decide(o)
		switch rule.Action {
		case actSucceed:
			tok, typ, life, err := parseToken(body)
			if err != nil {
				return "", 0, err
			}
			isDPoP := strings.EqualFold(typ, "DPoP")
			if isDPoP && dpop == nil {
				return "", 0, fmt.Errorf("fetching an OAuth token: token type DPoP, but no DPoP proof was sent")
			}
			ts.remember(tok, isDPoP)
			return tok, life, nil
		case actFail:
			if err != nil {
				return "", 0, fmt.Errorf("fetching an OAuth token: %w", err)
			}
			return "", 0, fmt.Errorf("fetching an OAuth token: %w", decodeOAuthError(status, c.redact(body)))
		}
		if attempt >= c.maxRetries {
			if err == nil {
				err = decodeOAuthError(status, c.redact(body))
			}
			return "", 0, fmt.Errorf("fetching an OAuth token: giving up after %d attempts: %w", attempt+1, err)
		}
		wait := httpx.Backoff(attempt, c.backoffBase, c.backoffMax)
		if rule.Action == actWaitReset {
			if rl, ok := parseRateLimit(header); ok {
				wait = resetAfter(rl.reset, header, c.clk.Now()) + resetMargin
			}
		}
		c.log.Debug("okta token retry", "reason", rule.Name, "status", status, "wait", wait)
		if err := c.clk.Sleep(ctx, wait); err != nil {
			return "", 0, fmt.Errorf("fetching an OAuth token: %w", err)
		}
	}
}

// parseToken reads a token endpoint success response: the token, its type
// (Bearer or DPoP) and its life.
func parseToken(body []byte) (string, string, time.Duration, error) {
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return "", "", 0, fmt.Errorf("fetching an OAuth token: decoding the response: %w", err)
	}
	if tr.AccessToken == "" {
		return "", "", 0, fmt.Errorf("fetching an OAuth token: the response has no access_token")
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "Bearer") && !strings.EqualFold(tr.TokenType, "DPoP") {
		return "", "", 0, fmt.Errorf("fetching an OAuth token: token type %q, want Bearer or DPoP", tr.TokenType)
	}
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= 0 {
		life = time.Hour
	}
	return tr.AccessToken, tr.TokenType, life, nil
}
