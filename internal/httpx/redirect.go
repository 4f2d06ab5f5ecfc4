package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxRedirects bounds the redirects followed within one origin.
const maxRedirects = 10

// ErrCrossOriginRedirect marks a redirect away from the client's origin. It
// is final: the answer will not change, and following it would send the
// credentials, the bearer token or the request body to another host.
var ErrCrossOriginRedirect = errors.New("refusing a redirect to another origin")

// SameOriginClient returns a copy of hc (nil: a zero http.Client) that
// follows redirects only within origin's scheme, host and port. Go's client
// would otherwise re-send a POST body (client credentials included) on a
// 307 or 308, and forward a bearer token it was given in the request
// header, to wherever Location points, https to http included. The
// caller's client is never modified; its own CheckRedirect still runs for
// the redirects allowed here.
func SameOriginClient(hc *http.Client, origin *url.URL) *http.Client {
	var copied http.Client
	if hc != nil {
		copied = *hc
	}
	from := Origin(origin)
	prev := copied.CheckRedirect
	copied.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !SameOrigin(req.URL, origin) {
			return fmt.Errorf("%w: from %s to %s", ErrCrossOriginRedirect, from, Origin(req.URL))
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopping after %d redirects", maxRedirects)
		}
		if prev != nil {
			return prev(req, via)
		}
		return nil
	}
	return &copied
}

// SameOrigin compares scheme, host and port, default ports made explicit.
func SameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		portOf(a) == portOf(b)
}

// portOf is u's port without leading zeros, the scheme's default when absent.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err == nil {
			return strconv.Itoa(n)
		}
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// Origin prints scheme://host[:port] only: never a path or a query that
// could hold a secret.
func Origin(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
}
