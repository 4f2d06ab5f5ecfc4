// Package okta is oktalake's Okta HTTP client: SSWS token or OAuth 2.0
// private-key JWT auth, Link-header pagination, typed errors, retries, and a
// rate-limit governor that keeps this tool within its share of each of
// Okta's rate-limit buckets.
package okta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/oktalake/oktalake/internal/clock"
	"github.com/oktalake/oktalake/internal/httpx"
)

const (
	// maxBody bounds a response body; Okta's largest pages are a few MB.
	maxBody = 256 << 20
)

// Client talks to one Okta org. It is safe for concurrent use; every
// goroutine shares its rate-limit governor.
type Client struct {
	cfg    Config
	origin *url.URL
	hc     *http.Client
	clk    clock.Clock
	log    *slog.Logger
	gov    *governor
	tokens *tokenSource               // nil with an API token
	dpop   atomic.Pointer[dpopProver] // nil until DPoP is on

	policy      httpx.Policy[outcome, action]
	maxRetries  int
	backoffBase time.Duration
	backoffMax  time.Duration
}

// Response is the raw result of a successful GET.
type Response struct {
	// Status is the HTTP status code (2xx).
	Status int
	// Header is the response header.
	Header http.Header
	// Body is the whole response body.
	Body []byte

	url string // the URL fetched, for error messages
}

// New checks cfg (after SetDefaults) and builds a Client.
func New(cfg Config) (*Client, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	origin, err := ParseDomain(cfg.Domain)
	if err != nil {
		return nil, fmt.Errorf("okta.Config.Domain: %w", err)
	}
	c := &Client{
		cfg:         cfg,
		origin:      origin,
		clk:         cfg.Clock,
		log:         cfg.Logger,
		gov:         newGovernor(cfg.Clock, cfg.RateLimitShare, cfg.MaxConcurrency, cfg.Logger),
		policy:      retryPolicy(),
		maxRetries:  max(0, cfg.MaxRetries),
		backoffBase: 500 * time.Millisecond,
		backoffMax:  30 * time.Second,
	}
	hc := &http.Client{Timeout: DefaultTimeout}
	if cfg.HTTPClient != nil {
		hc = cfg.HTTPClient
	}
	// The SSWS token and the bearer token ride in the header of every
	// request: a redirect may stay on the org's origin only.
	c.hc = httpx.SameOriginClient(hc, c.origin)
	if cfg.ClientID != "" {
		s, err := loadSigner(cfg.PrivateKey, cfg.KeyID)
		if err != nil {
			return nil, fmt.Errorf("okta.Config.PrivateKey: %w", err)
		}
		c.tokens = newTokenSource(c, s)
		if cfg.DPoP {
			if err := c.enableDPoP(); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// enableDPoP turns DPoP on (once): the following token requests carry proofs.
func (c *Client) enableDPoP() error {
	if c.dpop.Load() != nil {
		return nil
	}
	d, err := newDPoP(c.cfg.DPoPKey)
	if err != nil {
		return fmt.Errorf("okta.Config.DPoPKey: %w", err)
	}
	c.dpop.CompareAndSwap(nil, d)
	return nil
}

// BaseURL is the org's origin, such as "https://dev-123.okta.com".
func (c *Client) BaseURL() string { return c.origin.String() }

// Stats returns the counters of every rate-limit bucket used so far.
func (c *Client) Stats() map[string]BucketStats { return c.gov.stats() }

// TagStats returns the counters of every tag given with WithStatsTag.
func (c *Client) TagStats() map[string]BucketStats { return c.gov.tagStats() }

// Get sends one GET of pathOrURL (a path such as "/api/v1/users?limit=200",
// or an absolute URL on the org's origin) through the governor, retrying as
// retry.go says. A non-2xx answer gives an error wrapping *Error.
func (c *Client) Get(ctx context.Context, pathOrURL string) (*Response, error) {
	u, err := c.resolve(pathOrURL)
	if err != nil {
		return nil, err
	}
	resp, _, err := c.get(ctx, u, nil, false)
	return resp, err
}

// resolve turns a path or an absolute URL into a URL on the org's origin.
func (c *Client) resolve(pathOrURL string) (*url.URL, error) {
	ref, err := url.Parse(pathOrURL)
	if err != nil {
		return nil, fmt.Errorf("parsing request URL: %w", err)
	}
	if ref.Scheme != "" || ref.Host != "" {
		if !httpx.SameOrigin(ref, c.origin) {
			return nil, fmt.Errorf("refusing %s: not the org's origin %s", httpx.Origin(ref), c.origin)
		}
		return ref, nil
	}
	if !strings.HasPrefix(ref.Path, "/") {
		return nil, fmt.Errorf("request path %q must start with /", ref.Path)
	}
	return c.origin.ResolveReference(ref), nil
}

// get is the retry loop around one GET. check, when set, validates a 2xx
// body: invalid JSON is retried a few times, any other check error is final.
// A page (pageable) that fails with a 500 or a timeout is asked again with
// half its limit, cursor kept: Okta documents the 500 as the sign of a page
// too large to serve in time. get returns the URL finally fetched.
func (c *Client) get(ctx context.Context, u *url.URL, check func(*Response) error, pageable bool) (*Response, *url.URL, error) {
	bucket, route := BucketFor(u.Path), routeOf(u.Path)
	perRule := map[string]int{}
	renewed := false
	retryFor := "" // the X-Okta-Request-Id of the first failed attempt
	halvings := 0
	for attempt := 0; ; attempt++ {
		resp, o, lastErr := c.attempt(ctx, bucket, route, u, renewed, retry{of: retryFor, count: attempt})
		if retryFor == "" {
			retryFor = o.requestID
		}
		if o.status >= 200 && o.status < 300 && check != nil {
			if err := check(resp); err != nil {
				lastErr = err
				if !isSyntaxError(err) {
					c.gov.count(ctx, bucket, func(s *BucketStats) { s.Errors++ })
					return nil, u, fmt.Errorf("getting %s: %w", u.Path, err)
				}
				o.malformed = true
			}
		}
		rule := c.policy.Decide(o.outcome)
		switch rule.Action {
		case actSucceed:
			return resp, u, nil
		case actFail:
			c.gov.count(ctx, bucket, func(s *BucketStats) { s.Errors++ })
			return nil, u, fmt.Errorf("getting %s: %w", u.Path, lastErr)
		}
		if pageable && pageTimedOut(o.outcome) {
			if smaller, n, ok := halveLimit(u); ok {
				c.log.Warn("okta page timed out: asking again with half the page size", "bucket", bucket, "path", u.Path,
					"limit", n, "status", o.status, "error", errString(lastErr))
				c.gov.count(ctx, bucket, func(s *BucketStats) { s.Retries++ })
				u = smaller
				halvings++
				continue
			}
		}
		limit := c.maxRetries
		if rule.MaxRetries > 0 {
			limit = min(limit, rule.MaxRetries)
		}
		if attempt-halvings >= c.maxRetries || perRule[rule.Name] >= limit {
			c.gov.count(ctx, bucket, func(s *BucketStats) { s.Errors++ })
			return nil, u, fmt.Errorf("getting %s: giving up after %d attempts: %w", u.Path, attempt+1, lastErr)
		}
		perRule[rule.Name]++
		wait := time.Duration(0)
		switch rule.Action {
		case actRenewAuth:
			c.tokens.Invalidate(o.token)
			renewed = true
		case actWaitReset:
			wait = httpx.Backoff(perRule[rule.Name]-1, c.backoffBase, c.backoffMax)
			if rl, ok := parseRateLimit(resp.Header); ok {
				wait = resetAfter(rl.reset, resp.Header, o.received) + resetMargin - c.clk.Now().Sub(o.received)
			}
		case actBackoff:
			wait = httpx.Backoff(perRule[rule.Name]-1, c.backoffBase, c.backoffMax)
		case actRetryNow:
		}
		level := slog.LevelDebug
		if o.status == http.StatusTooManyRequests {
			level = slog.LevelWarn
		}
		c.log.Log(ctx, level, "okta retry", "bucket", bucket, "path", u.Path, "attempt", attempt+1,
			"reason", rule.Name, "status", o.status, "wait", wait, "error", errString(lastErr))
		c.gov.count(ctx, bucket, func(s *BucketStats) {
			s.Retries++
			if rule.Action == actWaitReset && wait > 0 {
				s.Waits++
				s.WaitTime += wait
			}
		})
		if wait > 0 {
			if err := c.clk.Sleep(ctx, wait); err != nil {
				c.gov.count(ctx, bucket, func(s *BucketStats) { s.Errors++ })
				return nil, u, fmt.Errorf("getting %s: waiting to retry: %w", u.Path, err)
			}
		}
	}
}

// pageTimedOut reports whether an attempt failed as a page too large does:
// Okta's 500 (or a gateway's 504), or our own timeout.
func pageTimedOut(o outcome) bool {
	if o.ctxDone {
		return false
	}
	if o.status == http.StatusInternalServerError || o.status == http.StatusGatewayTimeout {
		return true
	}
	var ne net.Error
	return o.err != nil && errors.As(o.err, &ne) && ne.Timeout()
}

// halveLimit returns u with its limit parameter halved, and the new limit;
// ok is false when u has no limit above 1.
func halveLimit(u *url.URL) (*url.URL, int, bool) {
	q := u.Query()
	n, err := strconv.Atoi(q.Get("limit"))
	if err != nil || n <= 1 {
		return nil, 0, false
	}
	q.Set("limit", strconv.Itoa(n/2))
	v := *u
	v.RawQuery = q.Encode()
	return &v, n / 2, true
}

// attemptOutcome extends outcome with what the retry loop needs.
type attemptOutcome struct {
	outcome
	token     string    // the bearer token sent, to invalidate after a 401
	received  time.Time // when the response arrived, on the Clock
	requestID string    // the response's X-Okta-Request-Id
}

// retry says which retry an attempt is. Okta's SDKs tell Okta with two
// headers: X-Okta-Retry-For, the X-Okta-Request-Id of the request that
// first failed, and X-Okta-Retry-Count, the retries so far (okta-sdk-golang's
// request executor and okta-sdk-dotnet's AddRetryOktaHeaders do the same).
type retry struct {
	of    string
	count int
}

// attempt sends one governed request. The error describes the failure, if any.
func (c *Client) attempt(ctx context.Context, bucket, route string, u *url.URL, renewed bool, rt retry) (*Response, attemptOutcome, error) {
	o := attemptOutcome{outcome: outcome{renewed: renewed}}
	t, err := c.gov.acquire(ctx, bucket, route)
	if err != nil {
		o.err, o.ctxDone = err, true
		return nil, o, fmt.Errorf("waiting for the rate limit: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		c.gov.done(t, nil, 0, c.clk.Now())
		o.err = err
		return nil, o, err
	}
	var dpop *dpopProver
	var sentNonce string
	if c.tokens != nil {
		tok, err := c.tokens.Get(ctx)
		if err != nil {
			c.gov.done(t, nil, 0, c.clk.Now())
			o.err, o.ctxDone, o.authFailed = err, ctx.Err() != nil, true
			return nil, o, err
		}
		if c.tokens.bound(tok) {
			// A DPoP-bound token is never sent as a bearer token (RFC 9449 section 7.1).
			dpop = c.dpop.Load()
			sentNonce = dpop.nonce(nonceAPI)
			proof, err := dpop.proof(http.MethodGet, u.String(), tok, sentNonce, c.clk.Now())
			if err != nil {
				c.gov.done(t, nil, 0, c.clk.Now())
				o.err = err
				return nil, o, err
			}
			req.Header.Set("Authorization", "DPoP "+tok)
			req.Header.Set("DPoP", proof)
		} else {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		o.token, o.bearer = tok, true
	} else {
		req.Header.Set("Authorization", "SSWS "+c.cfg.APIToken)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if rt.count > 0 {
		if rt.of != "" {
			req.Header.Set("X-Okta-Retry-For", rt.of)
		}
		req.Header.Set("X-Okta-Retry-Count", strconv.Itoa(rt.count))
	}
	c.gov.count(ctx, bucket, func(s *BucketStats) { s.Requests++ })

	status, header, body, err := c.exchange(req)
	o.received = c.clk.Now()
	if header != nil {
		o.requestID = header.Get("X-Okta-Request-Id")
	}
	c.gov.done(t, header, status, o.received)
	if status == http.StatusTooManyRequests {
		o.concurrent = concurrencyLimited(header)
		c.gov.count(ctx, bucket, func(s *BucketStats) {
			s.TooMany++
			if o.concurrent {
				s.ConcurrencyLimited++
			}
		})
	}
	o.status, o.err, o.ctxDone = status, err, ctx.Err() != nil
	if dpop != nil && header != nil {
		// A challenge is worth one retry when it brings a nonce other than the
		// one this request sent (another request may have stored it already).
		given := header.Get("DPoP-Nonce")
		dpop.setNonce(nonceAPI, given)
		o.dpopNonce = given != "" && given != sentNonce && nonceChallenge(status, header.Values("WWW-Authenticate"))
	}
	if err != nil {
		return nil, o, err
	}
	resp := &Response{Status: status, Header: header, Body: body, url: u.String()}
	if status < 200 || status > 299 {
		return resp, o, decodeError(status, u.Path, c.redact(body))
	}
	return resp, o, nil
}

// exchange sends req and reads the whole body. A body cut short is a
// transport error (status 0), so that it is retried.
func (c *Client) exchange(req *http.Request) (int, http.Header, []byte, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, resp.Header, nil, fmt.Errorf("reading the response of %s: %w", req.URL.Path, err)
	}
	if len(body) > maxBody {
		return 0, resp.Header, nil, fmt.Errorf("reading the response of %s: body larger than %d bytes", req.URL.Path, maxBody)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// redact blanks the secrets a misbehaving server might echo in an error body.
func (c *Client) redact(body []byte) []byte {
	s := string(body)
	secrets := []string{c.cfg.APIToken}
	if c.tokens != nil {
		secrets = append(secrets, c.tokens.Current())
	}
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "REDACTED")
		}
	}
	return []byte(s)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// isSyntaxError reports whether a page check failed on invalid JSON (a body
// cut or garbled in transit) rather than on a well-formed body of the wrong shape.
func isSyntaxError(err error) bool {
	var m *malformedError
	return errors.As(err, &m)
}
