package oktatest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

const testToken = "test-ssws-token"

// testNow is the fixed present of test orgs.
var testNow = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// testOrgConfig is the default org pinned to testNow.
func testOrgConfig() OrgConfig {
	cfg := DefaultOrgConfig()
	cfg.Now = testNow
	return cfg
}

// startServer starts a server for cfg on a manual clock at testNow,
// accepting testToken, closed when the test ends.
func startServer(t testing.TB, cfg OrgConfig, opts Options) (*Server, *ManualClock) {
	t.Helper()
	clk := NewManualClock(testNow)
	if opts.Clock == nil {
		opts.Clock = clk
	}
	if opts.Token == "" {
		opts.Token = testToken
	}
	s := NewServer(NewOrg(cfg), opts)
	t.Cleanup(s.Close)
	return s, clk
}

// response is one fetched page.
type response struct {
	status int
	header http.Header
	body   []byte
}

// get fetches url (absolute, or a path on s) with the SSWS token.
func get(t testing.TB, s *Server, url string) response {
	t.Helper()
	return getAuth(t, s, url, "SSWS "+testToken)
}

func getAuth(t testing.TB, s *Server, url, authorization string) response {
	t.Helper()
	if strings.HasPrefix(url, "/") {
		url = s.URL + url
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", url, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

var linkRE = regexp.MustCompile(`<([^>]*)>;\s*rel="([a-z]+)"`)

// links parses the Link headers into rel → URL.
func (r response) links() map[string]string {
	out := map[string]string{}
	for _, h := range r.header.Values("Link") {
		for _, m := range linkRE.FindAllStringSubmatch(h, -1) {
			out[m[2]] = m[1]
		}
	}
	return out
}

// records decodes the page's records: the array body, or the array under
// itemsField of an object body.
func (r response) records(t testing.TB, itemsField string) []map[string]any {
	t.Helper()
	var out []map[string]any
	if itemsField == "" {
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatalf("decoding array body %.200s: %v", r.body, err)
		}
		return out
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &obj); err != nil {
		t.Fatalf("decoding object body %.200s: %v", r.body, err)
	}
	if err := json.Unmarshal(obj[itemsField], &out); err != nil {
		t.Fatalf("decoding %s: %v", itemsField, err)
	}
	return out
}

// bodyNext returns _links.next.href of an object body, or "".
func (r response) bodyNext(t testing.TB) string {
	t.Helper()
	var obj struct {
		Links struct {
			Next *struct {
				Href string `json:"href"`
			} `json:"next"`
		} `json:"_links"`
	}
	if err := json.Unmarshal(r.body, &obj); err != nil {
		t.Fatalf("decoding body links: %v", err)
	}
	if obj.Links.Next == nil {
		return ""
	}
	return obj.Links.Next.Href
}

// collect follows next links (Link header, or the body's when itemsField is
// set and bodyNext is true) from path and returns every record. It fails on
// a non-200, on a next link equal to the page's own URL, and after
// maxPages pages.
func collect(t testing.TB, s *Server, path, itemsField string, bodyNext bool, check func(url string, r response)) []map[string]any {
	t.Helper()
	var all []map[string]any
	url := s.URL + path
	for pages := 0; url != ""; pages++ {
		if pages > 10000 {
			t.Fatalf("collecting %s: more than 10000 pages", path)
		}
		r := get(t, s, url)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: status %d: %s", url, r.status, r.body)
		}
		if check != nil {
			check(url, r)
		}
		all = append(all, r.records(t, itemsField)...)
		next := r.links()["next"]
		if bodyNext {
			next = r.bodyNext(t)
		}
		if next == url {
			t.Fatalf("GET %s: next link equals the page's own URL", url)
		}
		url = next
	}
	return all
}
