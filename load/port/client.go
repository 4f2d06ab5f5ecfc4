// Package port is the Port REST client the loader hands entities to: it
// authenticates with client credentials, upserts in bulk batches within
// Port's limits, deletes, sets up blueprints, and copes with rate limits,
// oversized bodies and transient failures.
package port

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oktalake/oktalake/internal/httpx"
)

// Client talks to Port. It is safe for concurrent use.
type Client struct {
	cfg    Config
	base   string
	hc     *http.Client
	log    *slog.Logger
	sem    chan struct{}
	tokens *httpx.TokenCache
	pacer  *pacer
	limit  bodyLimit
	stats  statsRecorder
	policy httpx.Policy[outcome, action]
}

// New returns a client for cfg, defaults applied.
func New(cfg Config) (*Client, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configuring port client: %w", err)
	}
	c := &Client{
		cfg:    cfg,
		base:   strings.TrimRight(cfg.BaseURL, "/"),
		log:    cfg.Logger,
		sem:    make(chan struct{}, cfg.Concurrency),
		pacer:  newPacer(cfg.Clock, cfg.Concurrency),
		policy: retryPolicy(),
	}
	c.tokens = httpx.NewTokenCache(cfg.Clock, renewMargin, c.fetchToken)
	origin, err := url.Parse(c.base)
	if err != nil {
		return nil, fmt.Errorf("configuring port client: base url: %w", err)
	}
	c.hc = httpx.SameOriginClient(cfg.HTTPClient, origin)
	return c, nil
}

// APIError is an answer from Port that the client could not turn into a result.
type APIError struct {
	Method, Path string
	Status       int
	// Code and Message are Port's "error" and "message" fields.
	Code, Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("port %s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// request is one API call; path is already escaped.
type request struct {
	method, path string
	query        url.Values
	body         []byte
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// apiError builds an APIError from Port's error body.
func (r *response) apiError(req request) *APIError {
	var body struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(r.body, &body)
	if body.Error == "" {
		body.Error = strings.ToLower(strings.ReplaceAll(http.StatusText(r.status), " ", "_"))
	}
	return &APIError{Method: req.method, Path: req.path, Status: r.status, Code: body.Error, Message: body.Message}
}

// send performs an API call: it waits for the pacer, authenticates, and
// applies the retry policy. It returns the response for done, reject and
// split actions, and an error when the outcome stays unknown (token
// refused twice, forbidden, retries or rate-limit waits exhausted, ctx done).
func (c *Client) send(ctx context.Context, req request) (*response, error) {
	renewed, limited := false, false
	retries, waits := 0, 0
	for {
		if d, err := c.pacer.wait(ctx); err != nil {
			return nil, fmt.Errorf("waiting to send %s %s: %w", req.method, req.path, err)
		} else if d > 0 {
			c.stats.waited(d, !limited)
		}
		limited = false
		token, err := c.tokens.Get(ctx)
		if err != nil {
			c.pacer.finish()
			return nil, err
		}
		resp, err := c.roundTrip(ctx, req, token)
		c.stats.request()
		limitWait := time.Duration(0)
		if err == nil {
			limitWait = c.pacer.observe(resp.header, resp.status, httpx.Backoff(waits, backoffBase, backoffMax))
		}
		c.pacer.finish()
		act := c.policy.Decide(outcomeOf(ctx, resp, err)).Action
		switch act {
		case actCancelled:
			return nil, fmt.Errorf("sending %s %s: %w", req.method, req.path, ctx.Err())
		case actRefused:
			return nil, err
		case actDone, actReject, actSplit:
			return resp, nil
		case actFatal:
			return nil, resp.apiError(req)
		case actRenew:
			if renewed {
				return nil, fmt.Errorf("authenticating %s %s after renewing the token: %w", req.method, req.path, resp.apiError(req))
			}
			renewed = true
			c.tokens.Invalidate(token)
			c.log.Debug("port token rejected; renewing", "method", req.method, "path", req.path)
		case actWait:
			waits++
			if waits > maxRateLimitWaits {
				return nil, fmt.Errorf("sending %s %s: still rate limited after %d waits: %w", req.method, req.path, maxRateLimitWaits, resp.apiError(req))
			}
			c.stats.rateLimited()
			limited = true
			c.log.Warn("port rate limit reached; waiting for reset", "path", req.path, "wait", limitWait)
		case actBackoff:
			retries++
			last := err
			if err == nil {
				last = resp.apiError(req)
			}
			if retries > c.maxRetries() {
				return nil, fmt.Errorf("sending %s %s: giving up after %d retries: %w", req.method, req.path, c.maxRetries(), last)
			}
			d := httpx.Backoff(retries-1, backoffBase, backoffMax)
			c.stats.retry(d)
			c.log.Warn("port request failed; retrying", "path", req.path, "attempt", retries, "wait", d, "error", last)
			if err := c.cfg.Clock.Sleep(ctx, d); err != nil {
				return nil, fmt.Errorf("backing off %s %s: %w", req.method, req.path, err)
			}
		}
	}
}

// roundTrip sends one HTTP request within the concurrency limit and reads
// the whole response. token is empty for the token request itself.
func (c *Client) roundTrip(ctx context.Context, req request, token string) (*response, error) {
	target := c.base + req.path
	if req.query != nil {
		target += "?" + req.query.Encode()
	}
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, target, body)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", req.method, req.path, err)
	}
	if req.body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", "oktalake")
	if token != "" {
		hreq.Header.Set("Authorization", "Bearer "+token)
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	start := c.cfg.Clock.Now()
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("sending %s %s: %w", req.method, req.path, err)
	}
	defer hresp.Body.Close()
	b, err := io.ReadAll(hresp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading %s %s response: %w", req.method, req.path, err)
	}
	c.log.Debug("port request", "method", req.method, "path", req.path, "status", hresp.StatusCode, "bytes", len(req.body), "duration", c.cfg.Clock.Now().Sub(start))
	return &response{status: hresp.StatusCode, header: hresp.Header, body: b}, nil
}

// errBadToken reports a token answer the client cannot use; it never quotes the body.
var errBadToken = errors.New("token response has no access token")

// fetchToken exchanges the client credentials for an access token,
// retrying transient failures like any other call.
func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	body, err := json.Marshal(map[string]string{"clientId": c.cfg.ClientID, "clientSecret": c.cfg.ClientSecret})
	if err != nil {
		return "", 0, fmt.Errorf("encoding token request: %w", err)
	}
	req := request{method: http.MethodPost, path: "/v1/auth/access_token", body: body}
	for attempt := 0; ; attempt++ {
		resp, err := c.roundTrip(ctx, req, "")
		c.stats.tokenRequest()
		act := c.policy.Decide(outcomeOf(ctx, resp, err)).Action
		switch act {
		case actCancelled:
			return "", 0, fmt.Errorf("authenticating with port: %w", ctx.Err())
		case actRefused:
			return "", 0, fmt.Errorf("authenticating with port: %w", err)
		case actDone:
			var tok struct {
				AccessToken string  `json:"accessToken"`
				ExpiresIn   float64 `json:"expiresIn"`
			}
			if json.Unmarshal(resp.body, &tok) != nil || tok.AccessToken == "" {
				return "", 0, fmt.Errorf("authenticating with port: %w", errBadToken)
			}
			expires := time.Duration(tok.ExpiresIn * float64(time.Second))
			if expires <= 0 {
				expires = time.Hour
			}
			c.log.Debug("port access token issued", "expiresIn", expires)
			return tok.AccessToken, expires, nil
		case actBackoff, actWait:
			if attempt >= c.maxRetries() {
				if err == nil {
					err = resp.apiError(req)
				}
				return "", 0, fmt.Errorf("authenticating with port: giving up after %d retries: %w", c.maxRetries(), err)
			}
			d := httpx.Backoff(attempt, backoffBase, backoffMax)
			if act == actWait {
				d = c.pacer.observe(resp.header, resp.status, d)
			}
			c.stats.retry(d)
			if err := c.cfg.Clock.Sleep(ctx, d); err != nil {
				return "", 0, fmt.Errorf("authenticating with port: %w", err)
			}
		default:
			return "", 0, fmt.Errorf("authenticating with port: %w", resp.apiError(req))
		}
	}
}

// maxRetries is Config.MaxRetries with "none" (negative) as zero.
func (c *Client) maxRetries() int { return max(c.cfg.MaxRetries, 0) }

// escape escapes one path segment; identifiers may contain "/".
func escape(segment string) string { return url.PathEscape(segment) }
