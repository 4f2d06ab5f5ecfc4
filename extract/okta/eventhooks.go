package okta

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/oktalake/oktalake/internal/httpx"
)

// Okta's Event Hooks API (okta-management-subset.yaml, tag EventHook): the
// hooks that deliver System Log events to `oktalake serve`.

// EventHookHeader is one of the headers a hook sends with each delivery.
type EventHookHeader struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// EventHook is a registered hook as Okta returns it (the secret is
// write-only and never comes back).
type EventHook struct {
	ID                 string
	Name               string
	Status             string // ACTIVE or INACTIVE
	VerificationStatus string // UNVERIFIED or VERIFIED
	URI                string
	Events             []string
	Headers            []EventHookHeader
}

// EventHookSpec is the hook `oktalake event-hooks register` wants.
type EventHookSpec struct {
	// Name identifies the hook: register updates the hook of this name.
	Name string
	// URI is serve's endpoint, https://…/okta/event-hooks.
	URI string
	// Secret is sent by Okta as the Authorization header of every request.
	Secret string
	// Events are the event types subscribed to.
	Events []string
}

// FingerprintHeader carries a digest of the hook's secret: Okta never
// returns the secret, and the digest lets register tell whether the hook
// already has this one, so that a second run changes nothing.
const FingerprintHeader = "X-Oktalake-Secret-Fingerprint"

// SecretFingerprint is the digest FingerprintHeader carries: 16 hex digits
// of SHA-256 over a fixed label and the secret (it cannot give the secret
// back, and differs from any other use of the secret's digest).
func SecretFingerprint(secret string) string {
	sum := sha256.Sum256([]byte("oktalake event hook secret\x00" + secret))
	return hex.EncodeToString(sum[:8])
}

// RegisterResult says what RegisterEventHook changed.
type RegisterResult struct {
	Hook                                  EventHook
	Created, Updated, Activated, Verified bool
}

// Changed reports whether the registration changed anything in Okta.
func (r RegisterResult) Changed() bool { return r.Created || r.Updated || r.Activated || r.Verified }

type eventHookJSON struct {
	ID                 string `json:"id,omitempty"`
	Name               string `json:"name"`
	Status             string `json:"status,omitempty"`
	VerificationStatus string `json:"verificationStatus,omitempty"`
	Events             struct {
		Type  string   `json:"type"`
		Items []string `json:"items"`
	} `json:"events"`
	Channel struct {
		Type    string `json:"type"`
		Version string `json:"version"`
		Config  struct {
			URI        string            `json:"uri"`
			Headers    []EventHookHeader `json:"headers,omitempty"`
			AuthScheme *struct {
				Type  string `json:"type"`
				Key   string `json:"key"`
				Value string `json:"value,omitempty"`
			} `json:"authScheme,omitempty"`
		} `json:"config"`
	} `json:"channel"`
}

func (j eventHookJSON) hook() EventHook {
	return EventHook{ID: j.ID, Name: j.Name, Status: j.Status, VerificationStatus: j.VerificationStatus,
		URI: j.Channel.Config.URI, Events: j.Events.Items, Headers: j.Channel.Config.Headers}
}

func specJSON(spec EventHookSpec) eventHookJSON {
	var j eventHookJSON
	j.Name = spec.Name
	j.Events.Type = "EVENT_TYPE"
	j.Events.Items = sortedCopy(spec.Events)
	j.Channel.Type, j.Channel.Version = "HTTP", "1.0.0"
	j.Channel.Config.URI = spec.URI
	j.Channel.Config.Headers = []EventHookHeader{{Key: FingerprintHeader, Value: SecretFingerprint(spec.Secret)}}
	j.Channel.Config.AuthScheme = &struct {
		Type  string `json:"type"`
		Key   string `json:"key"`
		Value string `json:"value,omitempty"`
	}{Type: "HEADER", Key: "Authorization", Value: spec.Secret}
	return j
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return slices.Compact(out)
}

// ListEventHooks returns every event hook of the org.
func (c *Client) ListEventHooks(ctx context.Context) ([]EventHook, error) {
	var js []eventHookJSON
	if err := c.send(ctx, http.MethodGet, "/api/v1/eventHooks", nil, &js); err != nil {
		return nil, fmt.Errorf("listing event hooks: %w", err)
	}
	out := make([]EventHook, len(js))
	for i, j := range js {
		out[i] = j.hook()
	}
	return out, nil
}

// RegisterEventHook creates the hook named spec.Name, or updates it when
// its URI, events or secret differ, then activates and verifies it as
// needed: run twice, the second run changes nothing.
func (c *Client) RegisterEventHook(ctx context.Context, spec EventHookSpec) (RegisterResult, error) {
	var res RegisterResult
	switch {
	case spec.Name == "":
		return res, fmt.Errorf("registering an event hook: no name")
	case spec.Secret == "":
		return res, fmt.Errorf("registering event hook %s: no secret", spec.Name)
	case len(spec.Events) == 0:
		return res, fmt.Errorf("registering event hook %s: no event types", spec.Name)
	}
	if u, err := url.Parse(spec.URI); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return res, fmt.Errorf("registering event hook %s: URI %q is not an http(s) URL", spec.Name, spec.URI)
	}
	hooks, err := c.ListEventHooks(ctx)
	if err != nil {
		return res, err
	}
	var cur *EventHook
	for i := range hooks {
		if hooks[i].Name == spec.Name {
			cur = &hooks[i]
			break
		}
	}
	body := specJSON(spec)
	var j eventHookJSON
	switch {
	case cur == nil:
		if err := c.send(ctx, http.MethodPost, "/api/v1/eventHooks", body, &j); err != nil {
			return res, fmt.Errorf("creating event hook %s: %w", spec.Name, err)
		}
		res.Created = true
	case !sameHook(*cur, spec):
		if err := c.send(ctx, http.MethodPut, "/api/v1/eventHooks/"+url.PathEscape(cur.ID), body, &j); err != nil {
			return res, fmt.Errorf("updating event hook %s (%s): %w", spec.Name, cur.ID, err)
		}
		res.Updated = true
	default:
		j = eventHookJSON{ID: cur.ID, Name: cur.Name, Status: cur.Status, VerificationStatus: cur.VerificationStatus}
		j.Channel.Config.URI, j.Events.Items, j.Channel.Config.Headers = cur.URI, cur.Events, cur.Headers
	}
	id := url.PathEscape(j.ID)
	if j.Status != "ACTIVE" {
		if err := c.send(ctx, http.MethodPost, "/api/v1/eventHooks/"+id+"/lifecycle/activate", nil, &j); err != nil {
			return res, fmt.Errorf("activating event hook %s (%s): %w", spec.Name, j.ID, err)
		}
		res.Activated = true
	}
	if j.VerificationStatus != "VERIFIED" {
		h, err := c.VerifyEventHook(ctx, j.ID)
		if err != nil {
			return res, err
		}
		j.VerificationStatus = h.VerificationStatus
		res.Verified = true
	}
	res.Hook = j.hook()
	return res, nil
}

// sameHook reports whether cur already is what spec asks for.
func sameHook(cur EventHook, spec EventHookSpec) bool {
	if cur.URI != spec.URI || !slices.Equal(sortedCopy(cur.Events), sortedCopy(spec.Events)) {
		return false
	}
	for _, h := range cur.Headers {
		if h.Key == FingerprintHeader {
			return h.Value == SecretFingerprint(spec.Secret)
		}
	}
	return false
}

// VerifyEventHook asks Okta to verify the hook: Okta sends serve the
// one-time verification request, and the hook receives events only once
// it passed.
func (c *Client) VerifyEventHook(ctx context.Context, id string) (EventHook, error) {
	var j eventHookJSON
	if err := c.send(ctx, http.MethodPost, "/api/v1/eventHooks/"+url.PathEscape(id)+"/lifecycle/verify", nil, &j); err != nil {
		return EventHook{}, fmt.Errorf("verifying event hook %s: %w", id, err)
	}
	return j.hook(), nil
}

// DeleteEventHook deactivates the hook (Okta deletes only inactive hooks)
// and deletes it.
func (c *Client) DeleteEventHook(ctx context.Context, id string) error {
	p := "/api/v1/eventHooks/" + url.PathEscape(id)
	if err := c.send(ctx, http.MethodPost, p+"/lifecycle/deactivate", nil, nil); err != nil {
		return fmt.Errorf("deactivating event hook %s: %w", id, err)
	}
	if err := c.send(ctx, http.MethodDelete, p, nil, nil); err != nil {
		return fmt.Errorf("deleting event hook %s: %w", id, err)
	}
	return nil
}

// send is one management request through the governor: a 429 waits for
// the window's reset and is retried (up to the client's retries); any
// other failure is final, so a create is never sent twice.
func (c *Client) send(ctx context.Context, method, path string, in, out any) error {
	u, err := c.resolve(path)
	if err != nil {
		return err
	}
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("encoding the request: %w", err)
		}
	}
	bucket := BucketFor(u.Path)
	for attempt := 0; ; attempt++ {
		t, err := c.gov.acquire(ctx, bucket, routeOf(u.Path))
		if err != nil {
			return fmt.Errorf("waiting for the rate limit: %w", err)
		}
		var rd *bytes.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
		if rd != nil {
			req, err = http.NewRequestWithContext(ctx, method, u.String(), rd)
			req.Header.Set("Content-Type", "application/json")
		}
		if err != nil {
			c.gov.done(t, nil, 0, c.clk.Now())
			return err
		}
		if c.tokens != nil {
			tok, err := c.tokens.Get(ctx)
			if err != nil {
				c.gov.done(t, nil, 0, c.clk.Now())
				return err
			}
			req.Header.Set("Authorization", "Bearer "+tok)
		} else {
			req.Header.Set("Authorization", "SSWS "+c.cfg.APIToken)
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.cfg.UserAgent)
		c.gov.count(ctx, bucket, func(s *BucketStats) { s.Requests++ })
		status, header, resp, err := c.exchange(req)
		received := c.clk.Now()
		c.gov.done(t, header, status, received)
		if err != nil {
			c.gov.count(ctx, bucket, func(s *BucketStats) { s.Errors++ })
			return fmt.Errorf("%s %s: %w", method, u.Path, err)
		}
		if status == http.StatusTooManyRequests && attempt < c.maxRetries {
			c.gov.count(ctx, bucket, func(s *BucketStats) { s.TooMany++; s.Retries++ })
			wait := httpx.Backoff(attempt, c.backoffBase, c.backoffMax)
			if rl, ok := parseRateLimit(header); ok {
				wait = resetAfter(rl.reset, header, received) + resetMargin
			}
			if err := c.clk.Sleep(ctx, max(wait, time.Millisecond)); err != nil {
				return fmt.Errorf("%s %s: waiting to retry: %w", method, u.Path, err)
			}
			continue
		}
		if status < 200 || status > 299 {
			c.gov.count(ctx, bucket, func(s *BucketStats) { s.Errors++ })
			return fmt.Errorf("%s %s: %w", method, u.Path, decodeError(status, u.Path, c.redact(resp)))
		}
		if out != nil && status != http.StatusNoContent {
			if err := json.Unmarshal(resp, out); err != nil {
				return fmt.Errorf("%s %s: decoding the answer: %w", method, u.Path, err)
			}
		}
		return nil
	}
}
