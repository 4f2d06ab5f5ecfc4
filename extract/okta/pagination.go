package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/oktalake/oktalake/internal/httpx"
)

// ListOptions says where a listing's records and next link are.
type ListOptions struct {
	// ItemsField is the body object's field holding the records ("roles",
	// "resource-sets"); "" when the body is the array itself.
	ItemsField string
	// BodyNext takes the next page from the body's _links.next.href instead
	// of the Link header.
	BodyNext bool
	// Object says the body is one record (an object), not a listing: the
	// page holds that one record and no next link.
	Object bool
}

// Page is one page of a listing.
type Page struct {
	// Records are the page's items, as Okta sent them.
	Records []json.RawMessage
	// URL is the absolute URL fetched.
	URL string
	// Next is the absolute URL of the next page; "" when the listing is over.
	// An empty page keeps its Next (Okta's system log always has one in
	// polling mode), so a caller can store it as the cursor to poll from.
	Next string
}

// List GETs pathOrURL (a path relative to the org, or an absolute URL on its
// origin) and every following page, handing each to fn in order. It stops
// after a page without a next link, a page whose next link is itself, or an
// empty page. A next link to another origin is refused: the credentials must
// never leave the org. An error from fn stops the listing and is returned as is.
func (c *Client) List(ctx context.Context, pathOrURL string, opts ListOptions, fn func(*Page) error) error {
	u, err := c.resolve(pathOrURL)
	if err != nil {
		return err
	}
	seen := map[string]bool{u.String(): true}
	// lctx stops a prefetch in flight when the listing ends early.
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	cur := c.fetchPage(ctx, u, opts)
	for {
		if cur.err != nil {
			return cur.err
		}
		page := cur.page
		// While fn handles this page, the next one is already on its way:
		// its URL is known from this response, and pages of one listing
		// cannot be requested in parallel any other way. The requests made
		// are the same as without the prefetch.
		var pending chan fetched
		if page.Next != "" && len(page.Records) > 0 {
			if seen[page.Next] {
				return fmt.Errorf("listing %s: the next links loop back to %s", cur.next.Path, page.Next)
			}
			seen[page.Next] = true
			pending = make(chan fetched, 1)
			go func(u *url.URL) { pending <- c.fetchPage(lctx, u, opts) }(cur.next)
		}
		if err := fn(page); err != nil {
			stop()
			if pending != nil {
				<-pending
			}
			return err
		}
		if pending == nil {
			return nil
		}
		cur = <-pending
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// fetched is one page read, with the parsed next URL.
type fetched struct {
	page *Page
	next *url.URL
	err  error
}

// fetchPage GETs one page and resolves its next link (refusing another origin).
func (c *Client) fetchPage(ctx context.Context, u *url.URL, opts ListOptions) fetched {
	page := &Page{}
	var bodyNext string
	resp, u, err := c.get(ctx, u, func(r *Response) error {
		var err error
		page.Records, bodyNext, err = decodePage(r, r.url, opts)
		return err
	}, true)
	if err != nil {
		return fetched{err: err}
	}
	here := u.String()
	page.URL = here
	next := bodyNext
	if !opts.BodyNext {
		next = nextLink(resp.Header)
	}
	var nu *url.URL
	if next != "" {
		if nu, err = c.resolveNext(u, next); err != nil {
			return fetched{err: fmt.Errorf("listing %s: %w", u.Path, err)}
		}
		if nu.String() != here {
			page.Next = nu.String()
		}
	}
	return fetched{page: page, next: nu}
}

func (c *Client) resolveNext(page *url.URL, next string) (*url.URL, error) {
	ref, err := url.Parse(next)
	if err != nil {
		return nil, fmt.Errorf("parsing the next link: %w", err)
	}
	nu := page.ResolveReference(ref)
	if !httpx.SameOrigin(nu, c.origin) {
		return nil, fmt.Errorf("refusing the next link to %s: not the org's origin %s", httpx.Origin(nu), c.origin)
	}
	return nu, nil
}

// malformedError is a 2xx body that is not valid JSON: cut or garbled in
// transit, so worth a retry or two.
type malformedError struct {
	url string
	err error
}

func (e *malformedError) Error() string {
	return fmt.Sprintf("decoding page %s: %v", e.url, e.err)
}

func (e *malformedError) Unwrap() error { return e.err }

// decodePage reads a page's records and the body's _links.next.href.
func decodePage(r *Response, pageURL string, opts ListOptions) ([]json.RawMessage, string, error) {
	var records []json.RawMessage
	body := bytes.TrimSpace(r.Body)
	if r.Status == http.StatusNoContent && len(body) == 0 {
		return nil, "", nil
	}
	if !json.Valid(body) {
		err := json.Unmarshal(body, new(any)) // for the position of the fault
		return nil, "", &malformedError{url: pageURL, err: err}
	}
	if opts.Object {
		if len(body) == 0 || body[0] != '{' {
			return nil, "", fmt.Errorf("decoding page %s: want a JSON object, got %s", pageURL, jsonKind(body))
		}
		return []json.RawMessage{body}, "", nil
	}
	if opts.ItemsField == "" {
		records, err := splitArray(body)
		if err != nil {
			return nil, "", fmt.Errorf("decoding page %s: %w", pageURL, err)
		}
		return records, "", nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, "", fmt.Errorf("decoding page %s: want a JSON object: %w", pageURL, err)
	}
	if items := obj[opts.ItemsField]; len(items) > 0 && string(items) != "null" {
		var err error
		if records, err = splitArray(items); err != nil {
			return nil, "", fmt.Errorf("decoding page %s: field %q: %w", pageURL, opts.ItemsField, err)
		}
	}
	var links struct {
		Next struct {
			Href string `json:"href"`
		} `json:"next"`
	}
	if raw := obj["_links"]; len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &links); err != nil {
			return nil, "", fmt.Errorf("decoding page %s: _links: %w", pageURL, err)
		}
	}
	return records, links.Next.Href, nil
}

// splitArray cuts a valid JSON array into its elements without decoding
// them: a page of system log events is megabytes, and json.Unmarshal into
// []json.RawMessage would scan it twice more. The elements share data's
// memory (capacity-limited, so appending to one cannot spill into the next).
// data must be valid JSON.
func splitArray(data []byte) ([]json.RawMessage, error) {
	if len(data) == 0 || data[0] != '[' {
		return nil, fmt.Errorf("want a JSON array, got %s", jsonKind(data))
	}
	var out []json.RawMessage
	depth, start := 0, -1
	for i := 1; i < len(data); i++ {
		switch c := data[i]; c {
		case ' ', '\t', '\n', '\r':
		case '"':
			if start < 0 {
				start = i
			}
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			if start < 0 {
				start = i
			}
			depth++
		case '}', ']':
			if depth == 0 { // the array's own closing bracket
				if start >= 0 {
					out = append(out, trimmed(data, start, i))
				}
				return out, nil
			}
			depth--
		case ',':
			if depth == 0 {
				out = append(out, trimmed(data, start, i))
				start = -1
			}
		default:
			if start < 0 {
				start = i
			}
		}
	}
	return nil, fmt.Errorf("unterminated JSON array")
}

// trimmed is data[start:end] without trailing white space, capacity-limited.
func trimmed(data []byte, start, end int) json.RawMessage {
	for end > start && (data[end-1] == ' ' || data[end-1] == '\t' || data[end-1] == '\n' || data[end-1] == '\r') {
		end--
	}
	return json.RawMessage(data[start:end:end])
}

// jsonKind names the type of a JSON value for error messages.
func jsonKind(data []byte) string {
	if len(data) == 0 {
		return "nothing"
	}
	switch data[0] {
	case '{':
		return "an object"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}
